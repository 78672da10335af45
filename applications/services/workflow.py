"""The life cycle after submission: screening, revision requests, the overdue sweep.

Every transition goes through `transition_run`: it locks the application row, checks the
transition's permission (a `rules` predicate) and source state, changes the state, writes
the event and notifies the applicant, all in one transaction."""

from __future__ import annotations

import datetime
from collections.abc import Callable

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django_fsm import can_proceed, has_transition_perm

from applications.models import Application, RevisionRequest, State
from applications.services.events import event_record
from applications.services.notify import notify_members
from applications.services.submission import SubmissionRefused, rule_issues, submission_problems


class TransitionRefused(ValidationError):
    """Not allowed from the application's current state (or its conditions fail)."""


class StaleState(ValidationError):
    """Someone else changed the application since the page was shown."""


def _state_label(state: str) -> str:
    return str(State(state).label)


def transition_run(
    *, user, application_id: int, name: str, expected_state: str | None = None, message: str = "",
    ip: str | None = None, data: dict | None = None, notify: str | None = None,
    before_save: Callable[[Application], None] | None = None, now: datetime.datetime | None = None,
    args: tuple = (), notify_context: dict | None = None,
) -> Application:
    """Run transition `name`. `user` None means the system (a periodic sweep); `now` is the
    time the transition's conditions judge by."""
    with transaction.atomic():
        application = (
            Application.objects.select_for_update(of=("self",)).select_related("call__program", "company")
            .get(pk=application_id)
        )
        if expected_state is not None and application.state != expected_state:
            raise StaleState(
                _("This application changed while you were looking at it: it is now “%(state)s”. Nothing was done; look at it again.")
                % {"state": _state_label(application.state)},
                code="stale",
            )
        application.clock = now or timezone.now()
        method = getattr(application, name)
        if not can_proceed(method):
            raise TransitionRefused(
                _("This cannot be done while the application is “%(state)s”.") % {"state": _state_label(application.state)},
                code="not_allowed",
            )
        if user is not None and not has_transition_perm(method, user):
            raise PermissionDenied(_("You may not do this with this application."))
        from_state = application.from_state = application.state
        method(*args)
        if before_save is not None:
            before_save(application)
        application.save()
        event_record(application=application, actor=user, action=name, from_state=from_state, to_state=application.state,
                     message=message, ip=ip, data=data or {})
        if notify:
            notify_members(application=application, template_prefix=notify,
                           context={"message": message, **(data or {}), **(notify_context or {})})
    return application


def screening_begin(*, user, application_id: int, expected_state: str | None = None, ip: str | None = None) -> Application:
    return transition_run(user=user, application_id=application_id, name="begin_screening", expected_state=expected_state, ip=ip,
                          notify="applications/email/screening_started")


def screening_pass(*, user, application_id: int, expected_state: str | None = None, ip: str | None = None) -> Application:
    return transition_run(user=user, application_id=application_id, name="pass_screening", expected_state=expected_state,
                          ip=ip, notify="applications/email/passed_screening")


def _reason(text: str, *, what: str) -> str:
    text = (text or "").strip()
    if not text:
        raise ValidationError(_("Write %(what)s.") % {"what": what}, code="required")
    if len(text) > 4000:
        raise ValidationError(_("At most %(limit)d characters; this answer has %(length)d.") % {"limit": 4000, "length": len(text)}, code="too_long")
    return text


def screening_declare_ineligible(*, user, application_id: int, reason: str, expected_state: str | None = None,
                                 ip: str | None = None) -> Application:
    reason = _reason(reason, what=_("the reason"))

    def close_revision(application: Application) -> None:
        RevisionRequest.objects.filter(application=application, resolved_at__isnull=True).update(resolved_at=timezone.now())

    return transition_run(user=user, application_id=application_id, name="declare_ineligible", expected_state=expected_state,
                          message=reason, ip=ip, notify="applications/email/ineligible", before_save=close_revision)


REVISION_STEPS = ("overview", "budget", "documents", "declarations")


def revision_request(*, user, application_id: int, message: str, due_at: datetime.datetime, steps: list[str],
                     expected_state: str | None = None, ip: str | None = None, now: datetime.datetime | None = None) -> Application:
    now = now or timezone.now()
    message = _reason(message, what=_("what the applicant must change"))
    if due_at <= now + datetime.timedelta(hours=1):
        raise ValidationError(_("Give the applicant at least an hour: the due time must be later."), code="due_too_soon")
    if not steps:
        raise ValidationError(_("Choose at least one part of the application to be revised."), code="no_steps")

    def create_request(application: Application) -> None:
        allowed = set(REVISION_STEPS) | {f"section-{pk}" for pk in application.form_version.sections.values_list("pk", flat=True)}
        unknown = set(steps) - allowed
        if unknown:
            raise ValidationError(_("Unknown part of the application: %(steps)s.") % {"steps": ", ".join(sorted(unknown))})
        RevisionRequest.objects.create(application=application, requested_by=user, message=message, steps=list(steps), due_at=due_at)

    due_text = timezone.localtime(due_at).strftime("%Y-%m-%d %H:%M")
    return transition_run(user=user, application_id=application_id, name="request_revision", expected_state=expected_state,
                          message=message, ip=ip, data={"due_at": due_text, "steps": list(steps)},
                          notify="applications/email/revision_requested", before_save=create_request)


def revision_resubmit(*, user, application_id: int, now: datetime.datetime, ip: str | None = None) -> Application:
    """The applicant sends the revised application back, before the due time."""
    application = Application.objects.select_related("call", "company", "form_version", "support_level").get(pk=application_id)
    revision = application.open_revision()
    if application.state == State.REVISION_REQUESTED and revision is not None and now >= revision.due_at:
        raise SubmissionRefused([_("The revision was due at %(time)s (KST); it can no longer be sent.")
                                 % {"time": timezone.localtime(revision.due_at).strftime("%Y-%m-%d %H:%M")}])
    problems, results = submission_problems(application)
    if problems:
        raise SubmissionRefused(problems)

    def close(application: Application) -> None:
        RevisionRequest.objects.filter(application=application, resolved_at__isnull=True).update(resolved_at=timezone.now())
        application.eligibility_snapshot = [r.as_dict() for r in results]
        application.rule_issues = rule_issues(results)

    return transition_run(user=user, application_id=application_id, name="resubmit", expected_state=State.REVISION_REQUESTED,
                          ip=ip, notify="applications/email/resubmitted", before_save=close)


def revision_sweep(*, now: datetime.datetime | None = None) -> int:
    """Periodic: revision requests past their due time make the application ineligible."""
    now = now or timezone.now()
    overdue = list(
        RevisionRequest.objects.filter(resolved_at__isnull=True, due_at__lte=now, application__state=State.REVISION_REQUESTED)
        .values_list("application_id", flat=True)
    )
    done = 0
    for application_id in overdue:
        try:
            transition_run(user=None, application_id=application_id, name="expire_revision", expected_state=State.REVISION_REQUESTED, now=now,
                           message=_("The requested revision was not sent by its due time."),
                           notify="applications/email/revision_expired",
                           before_save=lambda a: RevisionRequest.objects.filter(application=a, resolved_at__isnull=True).update(resolved_at=now))
            done += 1
        except ValidationError:
            continue  # resubmitted or withdrawn in the meantime
    return done
