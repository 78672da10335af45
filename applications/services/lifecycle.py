"""The life cycle of an application: every change of its state, in one module.

Each service reads top to bottom — lock, check, transition, save, one event, notices on
commit — and every caller (views, the reviews and agreement services, beat jobs, the
worker, management commands) goes through these functions. Views never lock rows.

Lock order. A service takes the row locks it needs in this order and no other, so that
two services never wait on each other:

    selection round → application → call (its receipt counter) → agreement
    → the application's own rows (revision request, appeal, offer, selection item)

Checks, in this order: the state the page showed (`expected_state`, a stale page is
refused), the transition's source state, the person's `rules` permission (none for the
system: `user=None`), then the business guard (deadlines, windows, budget). A refusal
raises and changes nothing. Each transition writes exactly one `ApplicationEvent`.
"""

from __future__ import annotations

import datetime
import secrets

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection, transaction
from django.db.models import Sum
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django_fsm import can_proceed, has_transition_perm

from applications.models import Agreement, AgreementState, Application, Call, EventType, RevisionRequest, State
from applications.services.events import event_record
from applications.services.notify import notify_members
from portal.duties import refuse_if_tied
from portal.formatting import deadline
from portal.limits import reason_text
from portal.models import Company
from portal.periods import period_end
from portal.queue import enqueue

# States in which an application holds part of the call's budget.
HOLDS_BUDGET = (State.SELECTED, State.OFFERED, State.AGREEMENT, State.CONTRACTED)


class TransitionRefused(ValidationError):
    """Not allowed from the application's current state."""


class StaleState(ValidationError):
    """Someone else changed the application since the page was shown."""


class SubmissionRefused(Exception):
    """Submission is not possible yet; `problems` says everything that is missing."""

    def __init__(self, problems: list[str]) -> None:
        super().__init__("; ".join(problems))
        self.problems = problems


def _state_label(state: str) -> str:
    return str(State(state).label)


def end_of_period(start: datetime.datetime, days: int) -> datetime.datetime:
    """A period of `days` days from `start` for the company to act, as 행정기본법 §6 counts
    it (portal/periods.py): the first day left out, the end at 24:00 (KST) of the last day,
    moved past Saturdays, Sundays and public holidays."""
    return period_end(start, days=days)


def lock_application(application_id: int) -> Application:
    """The application's row lock (callers are inside `transaction.atomic`)."""
    return (
        Application.objects.select_for_update(of=("self",))
        .select_related("call__program", "company", "form_version", "support_level")
        .get(pk=application_id)
    )


# The transitions done for the agency, and the duty each is refused as to a tied person.
AGENCY_TRANSITIONS = {
    "begin_screening": "screen", "pass_screening": "screen", "request_revision": "screen", "declare_ineligible": "screen",
    "select": "select", "waitlist": "select", "reject": "select", "offer_place": "offer",
    "order_rereview": "appeal", "dismiss_appeal": "appeal", "start_agreement": "agreement",
}


def refuse_if_tied_to(user, application_id: int, *, action: str, ip: str | None = None) -> None:
    """Separation of duties, checked (and a refusal recorded) before the service's transaction."""
    if user is not None:
        application = Application.objects.select_related("company").only("company").get(pk=application_id)
        refuse_if_tied(user, application.company, action=action, target=application, ip=ip)


def _check(application: Application, transition: str, user, *, expected_state: str | None = None):
    """The state the page showed, the transition's source state and the person's permission
    (for the agency's transitions: never a person tied to the company, see portal/duties.py)."""
    if expected_state is not None and application.state != expected_state:
        raise StaleState(
            _("This application changed while you were looking at it: it is now “%(state)s”. Nothing was done; look at it again.")
            % {"state": _state_label(application.state)},
            code="stale",
        )
    method = getattr(application, transition)
    if not can_proceed(method):
        raise TransitionRefused(
            _("This cannot be done while the application is “%(state)s”.") % {"state": _state_label(application.state)},
            code="not_allowed",
        )
    if user is not None and transition in AGENCY_TRANSITIONS:
        refuse_if_tied(user, application.company, action=AGENCY_TRANSITIONS[transition], target=application, record=False)
    if user is not None and not has_transition_perm(method, user):
        raise PermissionDenied(_("You may not do this with this application."))
    return method


def _record(application: Application, *, event: EventType, actor, from_state: str, message: str = "", ip: str | None = None,
            data: dict | None = None) -> None:
    """Save the application and write the one event of its change."""
    application.save()
    event_record(application=application, actor=actor, action=event, from_state=from_state, to_state=application.state,
                 message=message, ip=ip, data=data or {})


def _close_revision(application: Application, when: datetime.datetime) -> None:
    RevisionRequest.objects.filter(application=application, resolved_at__isnull=True).update(resolved_at=when)


# --- Submission and withdrawal ------------------------------------------------------------


def application_submit(*, user, application_id: int, now: datetime.datetime, ip: str | None = None) -> Application:
    """Submit once. `now` is when the request arrived: the deadline is judged by it.

    Locks the application (a double click or a retry waits, then finds it submitted and
    gets the same receipt), then the call's row for the receipt counter, so receipt
    numbers are unique and gap-free per call."""
    with transaction.atomic():
        return _submit(lock_application(application_id), user=user, now=now, ip=ip)


def application_send(*, user, application_id: int, now: datetime.datetime, ip: str | None = None) -> tuple[Application, bool]:
    """The applicant's send button: submits a draft, or sends a requested revision back.
    One locked read, which is also the access check (404 for anyone who may not see the
    application). Returns the application and whether it was a revision sent back."""
    from applications.selectors import application_for_user

    with transaction.atomic():
        application = application_for_user(user, application_id, for_update=True)
        if application.state == State.REVISION_REQUESTED:
            return revision_resubmit(user=user, application_id=application_id, now=now, ip=ip), True
        return _submit(application, user=user, now=now, ip=ip), False


def take_receipt_number(call: Call) -> int:
    """The call's next receipt number: one UPDATE … RETURNING, which holds the call's row
    until the transaction ends — so it comes last, with only writes after it."""
    table = connection.ops.quote_name(Call._meta.db_table)
    with connection.cursor() as cursor:
        cursor.execute(f"UPDATE {table} SET receipt_seq = receipt_seq + 1 WHERE id = %s RETURNING receipt_seq", [call.pk])
        return cursor.fetchone()[0]


def _submit(application: Application, *, user, now: datetime.datetime, ip: str | None) -> Application:
    """The submission, under the application's row lock. Everything that reads or renders
    comes first — the checks (each table read once), the application's new state and
    snapshot saved, the chain's head read, the notices rendered with a stand-in for the
    receipt number; then the call's receipt counter, and under its lock only writes: the
    receipt number with the event head (one small UPDATE), the event, the notices. The call's
    row is held for those four statements and the commit (the README gives the measured hold)."""
    from applications.services.events import chain_head, event_build
    from applications.services.notify import Notice
    from applications.services.submission import closed_message, rule_issues, submission_problems

    if application.receipt_number and application.state != State.DRAFT:
        return application
    if not has_transition_perm(application.submit, user):
        raise PermissionDenied(_("You may not submit this application."))
    if not can_proceed(application.submit):
        raise SubmissionRefused([_("This application can no longer be submitted.")])
    call = application.call
    if now >= call.closes_at:
        raise SubmissionRefused([closed_message(call)])
    if now < call.opens_at or not call.is_published:
        raise SubmissionRefused([_("This call is not open for applications yet.")])
    problems, results = submission_problems(application)
    if problems:
        raise SubmissionRefused(problems)
    application.eligibility_snapshot = [r.as_dict() for r in results]
    application.company_facts = application.company.facts()  # what `results` were judged on
    application.rule_issues = rule_issues(results)
    # The moment the request arrived (judged against the deadline above), not the
    # moment this transaction got its locks: the receipt shows when the company sent it.
    application.submitted_at = now
    application.submit()
    # Everything but the receipt number and the event head, saved before the counter.
    application.save(update_fields=[f.name for f in Application._meta.concrete_fields
                                    if not f.primary_key and f.name not in ("receipt_number", "event_head")])
    head = chain_head(application)
    stand_in = f"RECEIPT-{secrets.token_hex(8)}"
    application.receipt_number = stand_in
    notice = Notice(application=application, template_prefix="applications/email/submitted")

    seq = take_receipt_number(call)
    application.receipt_number = f"{call.code}-{seq:05d}"
    event = event_build(application=application, actor=user, action=EventType.SUBMITTED, from_state=State.DRAFT,
                        to_state=application.state, ip=ip, data={"receipt_number": application.receipt_number}, head=head)
    Application.objects.filter(pk=application.pk).update(receipt_number=application.receipt_number, event_head=application.event_head)
    event.save(force_insert=True)
    notice.send(replace={stand_in: application.receipt_number})
    return application


def application_withdraw(*, user, application_id: int, reason: str, ip: str | None = None) -> Application:
    """포기: the company gives up before the agreement. A place it held is freed."""
    reason = reason_text(reason, what=_("the reason for withdrawing"))
    with transaction.atomic():
        application = lock_application(application_id)
        if application.state == State.WITHDRAWN:
            raise ValidationError(_("This application was already withdrawn."), code="already")
        if not has_transition_perm(application.withdraw, user):
            raise PermissionDenied(_("This application can no longer be withdrawn."))
        from_state = application.state
        application.withdraw()
        application.withdrawn_at = timezone.now()
        application.withdraw_reason = reason
        _record(application, event=EventType.WITHDRAWN, actor=user, from_state=from_state, message=reason, ip=ip)
        if from_state != State.DRAFT:
            notify_members(application=application, template_prefix="applications/email/withdrawn", context={"reason": reason})
        if from_state == State.SELECTED:
            _place_freed(application.call)
    return application


# --- Screening and revision requests -------------------------------------------------------


def screening_begin(*, user, application_id: int, expected_state: str | None = None, ip: str | None = None) -> Application:
    refuse_if_tied_to(user, application_id, action="screen", ip=ip)
    with transaction.atomic():
        application = lock_application(application_id)
        from_state = application.state
        _check(application, "begin_screening", user, expected_state=expected_state)()
        _record(application, event=EventType.SCREENING_STARTED, actor=user, from_state=from_state, ip=ip)
        notify_members(application=application, template_prefix="applications/email/screening_started")
    return application


def screening_pass(*, user, application_id: int, expected_state: str | None = None, ip: str | None = None) -> Application:
    refuse_if_tied_to(user, application_id, action="screen", ip=ip)
    with transaction.atomic():
        application = lock_application(application_id)
        from_state = application.state
        _check(application, "pass_screening", user, expected_state=expected_state)()
        _record(application, event=EventType.SCREENING_PASSED, actor=user, from_state=from_state, ip=ip)
        notify_members(application=application, template_prefix="applications/email/passed_screening")
    return application


def screening_declare_ineligible(*, user, application_id: int, reason: str, expected_state: str | None = None,
                                 ip: str | None = None) -> Application:
    refuse_if_tied_to(user, application_id, action="screen", ip=ip)
    reason = reason_text(reason, what=_("the reason"))
    with transaction.atomic():
        application = lock_application(application_id)
        from_state = application.state
        _check(application, "declare_ineligible", user, expected_state=expected_state)()
        _close_revision(application, timezone.now())
        _record(application, event=EventType.DECLARED_INELIGIBLE, actor=user, from_state=from_state, message=reason, ip=ip)
        notify_members(application=application, template_prefix="applications/email/ineligible", context={"message": reason})
    return application


REVISION_STEPS = ("overview", "budget", "documents", "declarations")
REVISION_DAYS_MIN, REVISION_DAYS_MAX = 1, 60


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
    refuse_if_tied_to(user, application_id, action="screen", ip=ip)
    if not steps:
        raise ValidationError(_("Choose at least one part of the application to be revised."), code="no_steps")
    with transaction.atomic():
        application = lock_application(application_id)
        from_state = application.state
        _check(application, "request_revision", user, expected_state=expected_state)()
        allowed = set(REVISION_STEPS) | {f"section-{pk}" for pk in application.form_version.sections.values_list("pk", flat=True)}
        unknown = set(steps) - allowed
        if unknown:
            raise ValidationError(_("Unknown part of the application: %(steps)s.") % {"steps": ", ".join(sorted(unknown))})
        RevisionRequest.objects.create(application=application, requested_by=user, message=message, steps=list(steps), due_at=due_at)
        data = {"due_at": deadline(due_at), "days": days, "steps": list(steps)}
        _record(application, event=EventType.REVISION_REQUESTED, actor=user, from_state=from_state, message=message, ip=ip, data=data)
        notify_members(application=application, template_prefix="applications/email/revision_requested",
                       context={"message": message, **data})
    return application


def revision_resubmit(*, user, application_id: int, now: datetime.datetime, ip: str | None = None) -> Application:
    """The applicant sends the revised application back, before the due time."""
    from applications.services.submission import rule_issues, submission_problems

    with transaction.atomic():
        application = lock_application(application_id)
        from_state = application.state
        _check(application, "resubmit", user, expected_state=State.REVISION_REQUESTED)
        revision = application.open_revision()
        if revision is not None and now >= revision.due_at:
            raise SubmissionRefused([_("The revision was due at %(time)s (KST); it can no longer be sent.") % {"time": deadline(revision.due_at)}])
        problems, results = submission_problems(application)
        if problems:
            raise SubmissionRefused(problems)
        application.resubmit()
        _close_revision(application, timezone.now())
        application.eligibility_snapshot = [r.as_dict() for r in results]
        application.company_facts = application.company.facts()
        application.rule_issues = rule_issues(results)
        _record(application, event=EventType.REVISION_SENT, actor=user, from_state=from_state, ip=ip)
        notify_members(application=application, template_prefix="applications/email/resubmitted")
    return application


def revision_expire(*, application_id: int, now: datetime.datetime) -> Application:
    """The system: a revision not sent by its due time makes the application ineligible."""
    with transaction.atomic():
        application = lock_application(application_id)
        from_state = application.state
        _check(application, "expire_revision", None, expected_state=State.REVISION_REQUESTED)
        revision = application.open_revision()
        if revision is None or now < revision.due_at:
            raise TransitionRefused(_("The revision is not overdue."), code="not_due")
        application.expire_revision()
        _close_revision(application, now)
        message = _("The requested revision was not sent by its due time.")
        _record(application, event=EventType.REVISION_EXPIRED, actor=None, from_state=from_state, message=message)
        notify_members(application=application, template_prefix="applications/email/revision_expired", context={"message": message})
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


# --- The decision, the waiting list and appeals --------------------------------------------

DECISION_TRANSITIONS = {"selected": ("select", EventType.SELECTED), "waitlisted": ("waitlist", EventType.WAITLISTED),
                        "rejected": ("reject", EventType.REJECTED)}


def appeal_deadline(notified_at: datetime.datetime, days: int) -> datetime.datetime:
    """The appeal window runs from the notice of the result (the moment the company was told),
    counted as every citizen's period is (`end_of_period`)."""
    return period_end(notified_at, days=days)


def decision_apply(*, item_id: int) -> bool:
    """The system moves one application to the decision of a finalised round and tells the
    company its own breakdown. Once per decision: an item already applied (or whose
    application left evaluation) is left alone, so a re-review is never undone."""
    from reviews.models import SelectionItem

    with transaction.atomic():
        application_id = SelectionItem.objects.values_list("application_id", flat=True).get(pk=item_id)
        application = lock_application(application_id)
        item = SelectionItem.objects.select_for_update(of=("self",)).select_related("round__call__rubric", "round__finalized_by").get(pk=item_id)
        if item.applied_at is not None or item.round.finalized_at is None or application.state != State.UNDER_REVIEW:
            return False
        transition, event = DECISION_TRANSITIONS[item.decision]
        from_state = application.state
        getattr(application, transition)()
        item.applied_at = timezone.now()
        item.save(update_fields=["applied_at"])
        if item.decision == "selected":
            application.grant_awarded = item.grant
        _record(application, event=event, actor=item.round.finalized_by, from_state=from_state,
                data={"round": item.round_id, "rank": item.rank, "final": str(item.final), "grant": item.grant})
        notify_members(application=application, template_prefix="reviews/email/result",
                       context={"item": item, "appeal_until": appeal_deadline(item.applied_at, item.round.call.rubric.appeal_days)})
    return True


def committed_budget(call: Call) -> int:
    """What the call's budget holds for applications selected, offered a place or under agreement."""
    return Application.objects.filter(call=call, state__in=HOLDS_BUDGET).aggregate(total=Sum("grant_awarded"))["total"] or 0


def _place_freed(call: Call) -> None:
    """A selected application left: with the call's rule, the place is offered on commit."""
    if call.auto_offer:
        from reviews.tasks import offer_next_place

        transaction.on_commit(lambda: enqueue(offer_next_place, call.pk), robust=True)


def offer_next(*, user, call_id: int, now: datetime.datetime | None = None, ip: str | None = None) -> Application:
    """Offer a freed place to the next waitlisted application in rank order whose grant fits
    what the budget has left; the company answers by the deadline. The call's final round
    is locked first, so two offers (an officer's and the beat job's) cannot both spend the
    same remainder."""
    from reviews.models import PlaceOffer, SelectionRound

    now = now or timezone.now()
    if user is not None:
        from portal.duties import first_tied

        tied = first_tied(user, Company.objects.filter(applications__call_id=call_id, applications__state=State.WAITLISTED))
        refuse_if_tied(user, tied, action="offer", target=Call.objects.get(pk=call_id), ip=ip)
    with transaction.atomic():
        final = SelectionRound.objects.select_for_update().select_related("call").filter(
            call_id=call_id, finalized_at__isnull=False, kind=SelectionRound.Kind.INITIAL).first()
        if final is None:
            raise ValidationError(_("The selection of this call is not final yet."), code="not_final")
        call = final.call
        if user is not None and not user.has_perm("applications.decide_selection", call):
            raise PermissionDenied(_("Only the program's officers decide the selection."))
        remaining = final.budget - committed_budget(call)
        item = next((i for i in waiting_list(call) if i.grant <= remaining), None)
        if item is None:
            raise ValidationError(_("No waitlisted application fits within the remaining budget of %(remaining)s.")
                                  % {"remaining": f"{remaining:,}원"}, code="nothing_fits")
        application = lock_application(item.application_id)
        from_state = application.state
        _check(application, "offer_place", user, expected_state=State.WAITLISTED)()
        due_at = end_of_period(now, call.offer_days)
        offer = PlaceOffer.objects.create(application=application, item=item, grant=item.grant, due_at=due_at, made_by=user)
        application.grant_awarded = item.grant
        data = {"grant": item.grant, "due_at": deadline(due_at), "rank": item.rank}
        _record(application, event=EventType.PLACE_OFFERED, actor=user, from_state=from_state, ip=ip, data=data)
        notify_members(application=application, template_prefix="reviews/email/offer", context={"offer": offer})
    return application


def waiting_list(call: Call) -> list:
    """The waitlisted applications' current decisions, best first (final score, then rank),
    read in one query whatever the length of the list."""
    from reviews.models import SelectionItem

    newest = {}
    items = SelectionItem.objects.filter(application__call=call, application__state=State.WAITLISTED, applied_at__isnull=False)
    for item in items.order_by("application_id", "-applied_at"):
        newest.setdefault(item.application_id, item)
    return sorted(newest.values(), key=lambda item: (-item.final, item.rank))


def _open_offer(application: Application):
    from reviews.models import PlaceOffer

    offer = PlaceOffer.objects.select_for_update().filter(application=application, outcome=PlaceOffer.Outcome.OPEN).first()
    if offer is None:
        raise TransitionRefused(_("There is no open offer for this application."), code="no_offer")
    return offer


def offer_accept(*, user, application_id: int, now: datetime.datetime, ip: str | None = None) -> Application:
    from reviews.models import PlaceOffer

    with transaction.atomic():
        application = lock_application(application_id)
        from_state = application.state
        method = _check(application, "accept_offer", user)
        offer = _open_offer(application)
        if now >= offer.due_at:
            raise ValidationError(_("The offer had to be answered by %(time)s (KST).") % {"time": deadline(offer.due_at)}, code="lapsed")
        method()
        PlaceOffer.objects.filter(pk=offer.pk).update(outcome=PlaceOffer.Outcome.ACCEPTED, answered_at=now)
        _record(application, event=EventType.OFFER_ACCEPTED, actor=user, from_state=from_state, ip=ip, data={"grant": offer.grant})
        notify_members(application=application, template_prefix="reviews/email/offer_answered", context={"accepted": True})
    return application


def offer_decline(*, user, application_id: int, now: datetime.datetime, ip: str | None = None) -> Application:
    from reviews.models import PlaceOffer

    with transaction.atomic():
        application = lock_application(application_id)
        from_state = application.state
        method = _check(application, "decline_offer", user)
        offer = _open_offer(application)
        method()
        PlaceOffer.objects.filter(pk=offer.pk).update(outcome=PlaceOffer.Outcome.DECLINED, answered_at=now)
        application.withdrawn_at = now
        application.withdraw_reason = _("Declined the offered place.")
        _record(application, event=EventType.OFFER_DECLINED, actor=user, from_state=from_state, ip=ip)
        notify_members(application=application, template_prefix="reviews/email/offer_answered", context={"accepted": False})
        _place_freed(application.call)
    return application


def offer_lapse(*, application_id: int, now: datetime.datetime) -> Application:
    """The system: an offer not answered by its deadline is taken as given up (포기 간주)."""
    from reviews.models import PlaceOffer

    with transaction.atomic():
        application = lock_application(application_id)
        from_state = application.state
        method = _check(application, "lapse_offer", None, expected_state=State.OFFERED)
        offer = _open_offer(application)
        if now < offer.due_at:
            raise TransitionRefused(_("The offer is still open."), code="not_due")
        method()
        PlaceOffer.objects.filter(pk=offer.pk).update(outcome=PlaceOffer.Outcome.LAPSED, answered_at=now)
        application.withdrawn_at = now
        application.withdraw_reason = _("The offered place was not answered in time.")
        _record(application, event=EventType.OFFER_LAPSED, actor=None, from_state=from_state, data={"due_at": deadline(offer.due_at)})
        notify_members(application=application, template_prefix="reviews/email/offer_lapsed", context={"offer": offer})
        _place_freed(application.call)
    return application


def agreement_lapse(*, agreement_id: int, now: datetime.datetime) -> Application:
    """The system: an issued agreement the company has not signed by its deadline lapses,
    and the company is taken to have given up its place (협약 미체결 시 포기 간주)."""
    with transaction.atomic():
        application_id = Agreement.objects.values_list("application_id", flat=True).get(pk=agreement_id)
        application = lock_application(application_id)
        agreement = Agreement.objects.select_for_update(of=("self",)).get(pk=agreement_id)
        from_state = application.state
        method = _check(application, "lapse_agreement", None, expected_state=State.AGREEMENT)
        if agreement.state != AgreementState.ISSUED or agreement.sign_due_at is None or now < agreement.sign_due_at:
            raise TransitionRefused(_("The agreement is not past its signing deadline."), code="not_due")
        agreement.lapse()
        agreement.save()
        method()
        application.withdrawn_at = now
        application.withdraw_reason = _("The agreement was not signed in time.")
        _record(application, event=EventType.AGREEMENT_LAPSED, actor=None, from_state=from_state,
                data={"agreement": agreement.number, "due_at": deadline(agreement.sign_due_at)})
        notify_members(application=application, template_prefix="agreements/email/lapsed", context={"agreement": agreement})
        _place_freed(application.call)
    return application


def offer_sweep(*, now: datetime.datetime | None = None) -> int:
    """Beat job: lapse unanswered offers and unsigned agreements, then fill freed places of
    calls that offer them automatically (in case a queued offer was missed)."""
    from reviews.models import PlaceOffer

    now = now or timezone.now()
    done = 0
    unsigned = Agreement.objects.filter(state=AgreementState.ISSUED, sign_due_at__lte=now, application__state=State.AGREEMENT)
    for agreement_id in list(unsigned.values_list("pk", flat=True)):
        try:
            agreement_lapse(agreement_id=agreement_id, now=now)
            done += 1
        except ValidationError:
            continue  # signed in the meantime
    overdue = PlaceOffer.objects.filter(outcome=PlaceOffer.Outcome.OPEN, due_at__lte=now, application__state=State.OFFERED)
    for application_id in list(overdue.values_list("application_id", flat=True)):
        try:
            offer_lapse(application_id=application_id, now=now)
            done += 1
        except ValidationError:
            continue
    for call_id in list(Call.objects.filter(auto_offer=True, applications__state=State.WAITLISTED).distinct().values_list("pk", flat=True)):
        done += offer_fill(call_id=call_id, now=now)
    return done


def offer_fill(*, call_id: int, now: datetime.datetime | None = None) -> int:
    """The call's rule: offer places while a waitlisted application fits the remainder."""
    offered = 0
    while True:
        try:
            offer_next(user=None, call_id=call_id, now=now)
        except ValidationError:
            return offered
        offered += 1


def appeal_file(*, user, application_id: int, reason: str, now: datetime.datetime, ip: str | None = None):
    """이의신청 against the decision the company was told, within the window from that
    notice; one appeal per decision."""
    from reviews.models import Appeal
    from reviews.services.selection import current_item

    reason = reason_text(reason, what=_("the reason for the appeal"))
    with transaction.atomic():
        application = lock_application(application_id)
        from_state = application.state
        method = _check(application, "appeal", user)
        item = current_item(application)
        if item is None:
            raise ValidationError(_("There is no result to appeal against yet."), code="no_result")
        if Appeal.objects.filter(item=item).exists():
            raise ValidationError(_("An appeal against this decision was filed already; a decision can be appealed once."), code="once")
        closes = appeal_deadline(item.applied_at, item.round.call.rubric.appeal_days)
        if now >= closes:
            raise ValidationError(_("The appeal window closed on %(time)s (KST).") % {"time": deadline(closes)}, code="window_closed")
        method()
        appeal = Appeal.objects.create(application=application, item=item, reason=reason, filed_by=user, previous_state=from_state)
        _record(application, event=EventType.APPEAL_FILED, actor=user, from_state=from_state, message=reason, ip=ip,
                data={"appeal": appeal.pk})
        notify_members(application=application, template_prefix="reviews/email/appeal_filed", context={"message": reason})
    return appeal


def _appeal_close(*, user, appeal_id: int, outcome: str, note: str, ip: str | None):
    from reviews.models import Appeal

    note = reason_text(note, what=_("the reasons for the decision"))
    refuse_if_tied_to(user, Appeal.objects.values_list("application_id", flat=True).get(pk=appeal_id), action="appeal", ip=ip)
    with transaction.atomic():
        application_id = Appeal.objects.values_list("application_id", flat=True).get(pk=appeal_id)
        application = lock_application(application_id)
        appeal = Appeal.objects.select_for_update().get(pk=appeal_id)
        if appeal.outcome != Appeal.Outcome.PENDING:
            raise ValidationError(_("This appeal was decided already."), code="decided")
        from_state = application.state
        if outcome == Appeal.Outcome.DISMISSED:
            _check(application, "dismiss_appeal", user, expected_state=State.APPEAL)(appeal.previous_state)
            event = EventType.APPEAL_DISMISSED
        else:
            _check(application, "order_rereview", user, expected_state=State.APPEAL)()
            event = EventType.REREVIEW_ORDERED
        appeal.outcome, appeal.decision_note, appeal.decided_by, appeal.decided_at = outcome, note, user, timezone.now()
        appeal.save(update_fields=["outcome", "decision_note", "decided_by", "decided_at"])
        _record(application, event=event, actor=user, from_state=from_state, message=note, ip=ip, data={"appeal": appeal.pk})
        notify_members(application=application, template_prefix="reviews/email/appeal_decided",
                       context={"outcome": outcome, "message": note})
    return appeal


def appeal_dismiss(*, user, appeal_id: int, note: str, ip: str | None = None):
    """The result stands: back to what the company appealed against."""
    from reviews.models import Appeal

    return _appeal_close(user=user, appeal_id=appeal_id, outcome=Appeal.Outcome.DISMISSED, note=note, ip=ip)


def appeal_order_rereview(*, user, appeal_id: int, note: str, ip: str | None = None):
    """The appeal is upheld: the application is evaluated again and decided anew in a
    re-decision round (reviews.services.selection.redecision_open)."""
    from reviews.models import Appeal

    return _appeal_close(user=user, appeal_id=appeal_id, outcome=Appeal.Outcome.REREVIEW, note=note, ip=ip)


# --- The agreement -------------------------------------------------------------------------


def agreement_start(*, user, application_id: int, ip: str | None = None) -> Agreement:
    """Prepare the agreement of a selected application (its first version is rendered by
    the worker)."""
    from applications.services.agreements import agreement_draft, queue_render

    refuse_if_tied_to(user, application_id, action="agreement", ip=ip)
    with transaction.atomic():
        application = lock_application(application_id)
        refuse_if_tied(user, application.company, action="agreement", target=application, record=False)
        if not has_transition_perm(application.start_agreement, user):
            if application.state != State.SELECTED:
                raise ValidationError(_("Only a selected application gets an agreement."), code="not_selected")
            raise PermissionDenied(_("Only the program's officers prepare agreements."))
        from_state = application.state
        agreement, version = agreement_draft(application, user=user)
        application.start_agreement()
        _record(application, event=EventType.AGREEMENT_PREPARED, actor=user, from_state=from_state, ip=ip,
                data={"agreement": agreement.number})
        transaction.on_commit(lambda: queue_render(version.pk), robust=True)
    return agreement


def agreement_execute(*, agreement_id: int) -> Agreement:
    """The worker: the final PDF with its signature page, signed with the portal's
    certificate, puts the agreement in force. Safe to run again."""
    from applications.services.agreements import final_pdf_store

    with transaction.atomic():
        application_id = Agreement.objects.values_list("application_id", flat=True).get(pk=agreement_id)
        application = lock_application(application_id)
        agreement = Agreement.objects.select_for_update(of=("self",)).get(pk=agreement_id)
        agreement.application = application
        if agreement.state == AgreementState.EXECUTED:
            return agreement
        from_state = application.state
        method = _check(application, "execute_agreement", None, expected_state=State.AGREEMENT)
        final_pdf_store(agreement)
        agreement.execute()
        agreement.save()
        method()
        _record(application, event=EventType.AGREEMENT_EXECUTED, actor=None, from_state=from_state,
                data={"agreement": agreement.number, "sha256": agreement.final_sha256})
        notify_members(application=application, template_prefix="agreements/email/executed", context={"agreement": agreement},
                       url=reverse("agreement_detail", args=[agreement.pk]))
    return agreement
