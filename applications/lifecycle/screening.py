"""Screening (접수 검토) and revision requests (보완요청)."""

from __future__ import annotations

import datetime

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from applications.lifecycle import runner
from applications.lifecycle.runner import SubmissionRefused, TransitionRefused
from applications.models import REVISABLE_STEPS, Application, RevisionRequest, State, section_step
from applications.services.submission import declared_record, rule_issues, submission_problems
from portal.formatting import deadline
from portal.limits import reason_text
from portal.periods import period_end

REVISION_DAYS_MIN, REVISION_DAYS_MAX = 1, 60


def _close_revision(application: Application, when: datetime.datetime) -> None:
    RevisionRequest.objects.filter(application=application, resolved_at__isnull=True).update(resolved_at=when)


def _screening_step(name: str, *, user, application_id: int, expected_state: str | None, ip: str | None, message: str = "",
                    context: dict | None = None, before_finish=None) -> Application:
    runner.refuse_if_tied_to(user, application_id, action="screen", ip=ip)
    with transaction.atomic():
        application = runner.lock_application(application_id)
        step = runner.begin(application, name, user, expected_state=expected_state)
        step.apply()
        if before_finish is not None:
            before_finish(application)
        step.finish(message=message, ip=ip, context=context)
    return application


def screening_begin(*, user, application_id: int, expected_state: str | None = None, ip: str | None = None) -> Application:
    return _screening_step("begin_screening", user=user, application_id=application_id, expected_state=expected_state, ip=ip)


def screening_pass(*, user, application_id: int, expected_state: str | None = None, ip: str | None = None) -> Application:
    return _screening_step("pass_screening", user=user, application_id=application_id, expected_state=expected_state, ip=ip)


def screening_declare_ineligible(*, user, application_id: int, reason: str, expected_state: str | None = None,
                                 ip: str | None = None) -> Application:
    runner.refuse_if_tied_to(user, application_id, action="screen", ip=ip)  # a tied officer's attempt is recorded first
    reason = reason_text(reason, what=_("the reason"))
    return _screening_step("declare_ineligible", user=user, application_id=application_id, expected_state=expected_state, ip=ip,
                           message=reason, context={"message": reason},
                           before_finish=lambda application: _close_revision(application, timezone.now()))


def revision_request(*, user, application_id: int, message: str, days: int, steps: list[str],
                     expected_state: str | None = None, ip: str | None = None, now: datetime.datetime | None = None) -> Application:
    """보완요청: only the named parts open again, for `days` days counted as the law counts a
    citizen's period (from the day after the request, to 24:00 of the last day, past holidays)."""
    now = now or timezone.now()
    message = reason_text(message, what=_("what the applicant must change"))
    if not REVISION_DAYS_MIN <= days <= REVISION_DAYS_MAX:
        raise ValidationError(_("Give the applicant between %(low)d and %(high)d days.") % {"low": REVISION_DAYS_MIN, "high": REVISION_DAYS_MAX},
                              code="days_out_of_range")
    due_at = period_end(now, days=days)
    runner.refuse_if_tied_to(user, application_id, action="screen", ip=ip)
    if not steps:
        raise ValidationError(_("Choose at least one part of the application to be revised."), code="no_steps")
    with transaction.atomic():
        application = runner.lock_application(application_id)
        step = runner.begin(application, "request_revision", user, expected_state=expected_state)
        allowed = set(REVISABLE_STEPS) | {section_step(pk) for pk in application.form_version.sections.values_list("pk", flat=True)}
        unknown = set(steps) - allowed
        if unknown:
            raise ValidationError(_("Unknown part of the application: %(steps)s.") % {"steps": ", ".join(sorted(unknown))})
        step.apply()
        RevisionRequest.objects.create(application=application, requested_by=user, message=message, steps=list(steps), due_at=due_at)
        data = {"due_at": deadline(due_at), "days": days, "steps": list(steps)}
        step.finish(message=message, ip=ip, data=data, context={"message": message, "revision_due": due_at, **data})
    return application


def revision_resubmit(*, user, application_id: int, now: datetime.datetime, ip: str | None = None) -> Application:
    """The applicant sends the revised application back, before the due time."""
    with transaction.atomic():
        application = runner.lock_application(application_id)
        step = runner.begin(application, "resubmit", user, expected_state=State.REVISION_REQUESTED)
        revision = application.open_revision()
        if revision is not None and now >= revision.due_at:
            raise SubmissionRefused([_("The revision was due at %(time)s (KST); it can no longer be sent.") % {"time": deadline(revision.due_at)}])
        problems, results = submission_problems(application)
        if problems:
            raise SubmissionRefused(problems)
        step.apply()
        _close_revision(application, timezone.now())
        application.eligibility_snapshot = [r.as_dict() for r in results]
        application.company_facts = application.company.facts()
        application.rule_issues = rule_issues(results)
        # What is declared now, beside what the submission's event recorded (the revision may have replaced it).
        step.finish(ip=ip, data=declared_record(application))
    return application


def revision_expire(*, application_id: int, now: datetime.datetime) -> Application:
    """The system: a revision not sent by its due time makes the application ineligible."""
    with transaction.atomic():
        application = runner.lock_application(application_id)
        step = runner.begin(application, "expire_revision", None, expected_state=State.REVISION_REQUESTED)
        revision = application.open_revision()
        if revision is None or now < revision.due_at:
            raise TransitionRefused(_("The revision is not overdue."), code="not_due")
        step.apply()
        _close_revision(application, now)
        message = _("The requested revision was not sent by its due time.")
        step.finish(message=message, context={"message": message})
    return application


def revision_sweep(*, now: datetime.datetime | None = None) -> int:
    """Beat job: every revision request past its due time."""
    now = now or timezone.now()
    overdue = RevisionRequest.objects.filter(resolved_at__isnull=True, due_at__lte=now, application__state=State.REVISION_REQUESTED)
    done = 0
    for application_id in list(overdue.values_list("application_id", flat=True)):
        try:
            revision_expire(application_id=application_id, now=now)
            done += 1
        except ValidationError:
            continue  # resubmitted or withdrawn in the meantime
    return done
