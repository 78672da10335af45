"""Submission, withdrawal: the company's own steps before the agency's."""

from __future__ import annotations

import datetime
import secrets

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django_fsm import can_proceed, has_transition_perm

from applications.lifecycle import decision, runner, screening
from applications.lifecycle.runner import SubmissionRefused
from applications.models import Application, Call, State
from applications.selectors import application_for_user
from applications.services.events import chain_head, event_build
from applications.services.notify import Notice
from applications.services.submission import check_call_open, declared_record, rule_issues, submission_problems
from portal.limits import reason_text


def application_submit(*, user, application_id: int, now: datetime.datetime, ip: str | None = None) -> Application:
    """Submit once. `now` is when the request arrived: the deadline is judged by it.

    Locks the application (a double click or a retry waits, then finds it submitted and
    gets the same receipt), then the call's row for the receipt counter, so receipt
    numbers are unique and gap-free per call."""
    with transaction.atomic():
        return _submit(runner.lock_application(application_id), user=user, now=now, ip=ip)


def application_send(*, user, application_id: int, now: datetime.datetime, ip: str | None = None) -> tuple[Application, bool]:
    """The applicant's send button: submits a draft, or sends a requested revision back.
    One locked read, which is also the access check (404 for anyone who may not see the
    application). Returns the application and whether it was a revision sent back."""
    with transaction.atomic():
        application = application_for_user(user, application_id, for_update=True)
        if application.state == State.REVISION_REQUESTED:
            return screening.revision_resubmit(user=user, application_id=application_id, now=now, ip=ip), True
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
    row is held for those four statements and the commit (the README gives the measured hold).
    So the submission runs `begin` and `apply` as every transition does, and writes its event
    and notice itself, around the counter."""

    if application.receipt_number and application.state != State.DRAFT:
        return application
    if not has_transition_perm(application.submit, user):
        raise PermissionDenied(_("You may not submit this application."))
    if not can_proceed(application.submit):
        raise SubmissionRefused([_("This application can no longer be submitted.")])
    step = runner.begin(application, "submit", user)
    call = application.call
    try:
        check_call_open(call, now)
    except ValidationError as refusal:
        raise SubmissionRefused(refusal.messages) from None
    # 신청일 is the day the request arrived, as the deadline above reads it.
    problems, results = submission_problems(application, arrived=now)
    if problems:
        raise SubmissionRefused(problems)
    declared = declared_record(application)  # read by the checks above: no query under the call's lock
    application.eligibility_snapshot = [r.as_dict() for r in results]
    application.company_facts = application.company.facts()  # what `results` were judged on
    application.rule_issues = rule_issues(results)
    # The moment the request arrived (judged against the deadline above), not the
    # moment this transaction got its locks: the receipt shows when the company sent it.
    application.submitted_at = now
    step.apply()
    # Everything but the receipt number and the event head, saved before the counter.
    application.save(update_fields=[f.name for f in Application._meta.concrete_fields
                                    if not f.primary_key and f.name not in ("receipt_number", "event_head", "anchored_head")])
    head = chain_head(application)
    stand_in = f"RECEIPT-{secrets.token_hex(8)}"
    application.receipt_number = stand_in
    notice = Notice(application=application, template_prefix=step.transition.notice)

    seq = take_receipt_number(call)
    application.receipt_number = f"{call.code}-{seq:05d}"
    event = event_build(application=application, actor=user, action=step.transition.event, from_state=State.DRAFT,
                        to_state=application.state, ip=ip, data={"receipt_number": application.receipt_number, **declared},
                        head=head)
    Application.objects.filter(pk=application.pk).update(receipt_number=application.receipt_number, event_head=application.event_head)
    event.save(force_insert=True)
    notice.send(replace={stand_in: application.receipt_number})
    return application


def application_withdraw(*, user, application_id: int, reason: str, expected_state: str | None = None,
                         ip: str | None = None) -> Application:
    """포기: the company gives up before the agreement. A place it held is freed. The page
    passes the state its confirmation described (`expected_state`): giving up a grant the
    company never saw on the page (selected in the meantime) is refused."""
    reason = reason_text(reason, what=_("the reason for withdrawing"))
    with transaction.atomic():
        application = runner.lock_application(application_id)
        if application.state == State.WITHDRAWN:
            raise ValidationError(_("This application was already withdrawn."), code="already")
        if not has_transition_perm(application.withdraw, user):
            raise PermissionDenied(_("This application can no longer be withdrawn."))
        step = runner.begin(application, "withdraw", user, expected_state=expected_state)
        step.apply()
        application.withdrawn_at = timezone.now()
        application.withdraw_reason = reason
        # A draft was never sent: nobody is told that it is gone.
        step.finish(message=reason, ip=ip, notify=step.before != State.DRAFT, context={"reason": reason})
        if step.before == State.SELECTED:
            decision.place_freed(application.call)
    return application

