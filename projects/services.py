"""Every change of a project and of its payments. Each runs one transition through the runner
(applications/lifecycle/runner.py: begin → apply → finish), which writes the one event in the
project's timeline and the company's notice on commit.

Lock order, after the life cycle's (application → agreement): the project, then its payment
requests. Every service here locks the project first, so that the project's timeline and the
sum of what it paid are read and written by one transaction at a time: two officers who approve
or pay the same instalment at once are served one after the other, and the second finds it done.
The separation of duties (portal/duties.py) is checked, and a refusal recorded, before the
transaction; the runner checks it again under the lock."""

from __future__ import annotations

import datetime

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Sum
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from applications.agreement_text import instalment_amounts
from applications.lifecycle import runner
from applications.models import Agreement, AgreementState
from portal.duties import refuse_if_tied
from portal.formatting import day, won
from projects.models import (
    ACCOUNT_NUMBER,
    RUNNING,
    Payment,
    PaymentCondition,
    PaymentRequest,
    PaymentState,
    Project,
    ProjectEventType,
    ProjectState,
    mask_account,
)
from projects.timeline import event_record


def project_url(project: Project) -> str:
    return reverse("project_detail", args=[project.pk])


def project_for_update(project_id: int) -> Project:
    """The project's row lock (callers are inside `transaction.atomic`)."""
    return (Project.objects.select_for_update(of=("self",))
            .select_related("application__company", "application__call__program", "agreement").get(pk=project_id))


def payment_for_update(payment_id: int) -> tuple[Project, PaymentRequest]:
    """The project's lock, then the payment request's (the lock order)."""
    project_id = PaymentRequest.objects.values_list("project_id", flat=True).get(pk=payment_id)
    project = project_for_update(project_id)
    payment = PaymentRequest.objects.select_for_update(of=("self",)).get(pk=payment_id)
    payment.project = project
    return project, payment


# --- Opening ---------------------------------------------------------------------------------

def _condition(number: int, count: int) -> str:
    if number == 1:
        return PaymentCondition.EXECUTION
    return PaymentCondition.FINAL_REPORT if number == count else PaymentCondition.DUE_DATE


def project_open(*, application_id: int) -> Project:
    """Open the project of an executed agreement, with one payment request per instalment of
    the executed version's schedule, and the timeline's first event. Run in the execution's
    transaction (the application's and the agreement's locks held); once per agreement."""
    existing = Project.objects.filter(application_id=application_id).first()
    if existing is not None:
        return existing
    agreement = Agreement.objects.select_related("application").get(application_id=application_id)
    if agreement.state != AgreementState.EXECUTED:
        raise ValueError(f"Agreement {agreement.number} is not executed; no project is opened.")
    terms = agreement.current_version().terms
    project = Project.objects.create(
        agreement=agreement, application_id=application_id, number=agreement.number.replace("AG-", "PJ-", 1),
        grant=terms["grant"], starts_on=datetime.date.fromisoformat(terms["start"]), ends_on=datetime.date.fromisoformat(terms["end"]))
    schedule = terms["instalments"]
    amounts = instalment_amounts(terms["grant"], schedule)
    PaymentRequest.objects.bulk_create(
        PaymentRequest(project=project, number=n, label=item["label"], percent=int(item["percent"]), amount=amount,
                       due_on=datetime.date.fromisoformat(item["due"]) if item.get("due") else None, condition=_condition(n, len(schedule)))
        for n, (item, amount) in enumerate(zip(schedule, amounts), 1))
    event_record(project=project, actor=None, action=ProjectEventType.OPENED, to_state=project.state,
                 data={"agreement": agreement.number, "grant": project.grant,
                       "instalments": [[item["label"], amount] for item, amount in zip(schedule, amounts)]})
    return project


def project_open_on_execution(step) -> None:
    """The runner's hook on the application's `execute_agreement` (registered in apps.py)."""
    project_open(application_id=step.obj.pk)


# --- The company's steps ---------------------------------------------------------------------

def project_account_set(*, user, project_id: int, bank: str, number: str, holder: str, ip: str | None = None) -> Project:
    """The company enters (or changes) the project's dedicated account (전용계좌). Not while an
    approved payment waits to be paid into the account it names."""
    bank, number, holder = bank.strip(), number.strip(), holder.strip()
    with transaction.atomic():
        project = project_for_update(project_id)
        if not user.has_perm("projects.set_account", project):
            raise PermissionDenied(_("Only the company's members enter its dedicated account."))
        if project.state not in RUNNING:
            raise ValidationError(_("The project is “%(state)s”: its dedicated account can no longer change. Nothing was changed.")
                                  % {"state": project.get_state_display()}, code="not_running")
        if not (bank and holder and ACCOUNT_NUMBER.match(number) and 8 <= sum(ch.isdigit() for ch in number) <= 20):
            raise ValidationError(_("Enter the bank, the account number (digits, with or without hyphens) and the account holder. "
                                    "Nothing was changed."), code="account")
        if (project.account_bank, project.account_number, project.account_holder) == (bank, number, holder):
            return project
        if project.payments.filter(state=PaymentState.APPROVED).exists():
            raise ValidationError(_("A payment is approved and about to be paid into the current account: the account can change "
                                    "once it is paid. Nothing was changed."), code="approved_payment")
        before = project.account_masked
        project.account_bank, project.account_number, project.account_holder = bank, number, holder
        project.save(update_fields=["account_bank", "account_number", "account_holder", "updated_at"])
        event_record(project=project, actor=user, action=ProjectEventType.ACCOUNT_SET, ip=ip,
                     data={"account": project.account_masked, "before": before})
    return project


def project_submit_report(*, user, project_id: int, summary: str, ip: str | None = None, expected_state: str | None = None) -> Project:
    """The company submits its final report (결과보고); the balance may be requested from then on."""
    with transaction.atomic():
        project = project_for_update(project_id)
        step = runner.begin(project, "submit_report", user, expected_state=expected_state)
        summary = summary.strip()
        if not summary:
            raise ValidationError(_("Write the summary of the final report. Nothing was submitted."), code="empty")
        step.apply()
        project.final_report, project.final_report_at = summary, timezone.now()
        step.finish(ip=ip, context={"project": project}, url=project_url(project))
    return project


def _requestable(project: Project, payment: PaymentRequest, *, today: datetime.date) -> str | None:
    """Why this instalment cannot be requested now, or None."""
    if project.state not in RUNNING:
        return _("The project is “%(state)s”: no payment can be requested.") % {"state": project.get_state_display()}
    if payment.condition == PaymentCondition.FINAL_REPORT and project.state == ProjectState.IN_PROGRESS:
        return _("The %(label)s can be requested once the final report is submitted; the project is still “%(state)s”.") % {
            "label": payment.label, "state": project.get_state_display()}
    if payment.condition == PaymentCondition.DUE_DATE and payment.due_on and today < payment.due_on:
        return _("The %(label)s can be requested from %(day)s.") % {"label": payment.label, "day": day(payment.due_on)}
    if not project.has_account:
        return _("Enter the project's dedicated account first: the grant is paid into it.")
    return None


def payment_submit(*, user, payment_id: int, ip: str | None = None, expected_state: str | None = None,
                   today: datetime.date | None = None) -> PaymentRequest:
    """The company requests an instalment once its condition is met (the advance on execution,
    the balance after the final report), or again after the officer returned it."""
    with transaction.atomic():
        project, payment = payment_for_update(payment_id)
        step = runner.begin(payment, "submit", user, expected_state=expected_state)
        problem = _requestable(project, payment, today=today or timezone.localdate())
        if problem:
            raise ValidationError(problem + " " + _("Nothing was requested."), code="condition")
        step.apply()
        payment.requested_at, payment.requested_by = timezone.now(), user
        step.finish(ip=ip, data={"amount": payment.amount}, context={"project": project, "payment": payment}, url=project_url(project))
    return payment


def requestable(project: Project, payment: PaymentRequest) -> str | None:
    """For the company's page: why the instalment cannot be requested now (None: it can)."""
    return _requestable(project, payment, today=timezone.localdate())


# --- The agency's steps ----------------------------------------------------------------------

def _refuse_if_tied(user, project_id: int, *, action: str, ip: str | None) -> None:
    """Separation of duties, checked (and a refusal recorded) before the service's transaction."""
    project = Project.objects.select_related("application__company", "application__call__program").get(pk=project_id)
    refuse_if_tied(user, project.application.company, action=action, target=project, ip=ip)


def _refuse_unless_running(project: Project) -> None:
    if project.state not in RUNNING:
        raise ValidationError(_("The project is “%(state)s”: its payments are on hold. Nothing was done.")
                              % {"state": project.get_state_display()}, code="not_running")


REASON_REQUIRED = ("suspend", "terminate")


def project_decide(*, user, project_id: int, name: str, reason: str = "", ip: str | None = None,
                   expected_state: str | None = None) -> Project:
    """The officer accepts the final report (정산 begins), closes the project after settlement,
    suspends or resumes it, or terminates the agreement (협약해약) — with the reason the
    company reads when suspending or terminating."""
    _refuse_if_tied(user, project_id, action="project", ip=ip)
    with transaction.atomic():
        project = project_for_update(project_id)
        step = runner.begin(project, name, user, expected_state=expected_state)
        reason = reason.strip()
        if name in REASON_REQUIRED and not reason:
            raise ValidationError(_("Give the reason; the company is told it. Nothing was done."), code="reason")
        if name == "close" and project.payments.filter(state__in=[PaymentState.REQUESTED, PaymentState.APPROVED]).exists():
            raise ValidationError(_("A payment request is still open (requested or approved, not yet paid): decide and pay it "
                                    "before closing the project. Nothing was done."), code="open_payment")
        step.apply()
        if reason:
            project.reason = reason
        step.finish(ip=ip, message=reason, context={"project": project, "reason": reason}, url=project_url(project))
    return project


def payment_approve(*, user, payment_id: int, ip: str | None = None, expected_state: str | None = None) -> PaymentRequest:
    _refuse_if_tied(user, PaymentRequest.objects.values_list("project_id", flat=True).get(pk=payment_id), action="payment", ip=ip)
    with transaction.atomic():
        project, payment = payment_for_update(payment_id)
        step = runner.begin(payment, "approve", user, expected_state=expected_state)
        _refuse_unless_running(project)
        step.apply()
        payment.approved_at, payment.approved_by = timezone.now(), user
        step.finish(ip=ip, data={"amount": payment.amount}, context={"project": project, "payment": payment}, url=project_url(project))
    return payment


def payment_send_back(*, user, payment_id: int, reason: str, ip: str | None = None, expected_state: str | None = None) -> PaymentRequest:
    """Return the request with the reason; the company corrects what it says and requests again."""
    _refuse_if_tied(user, PaymentRequest.objects.values_list("project_id", flat=True).get(pk=payment_id), action="payment", ip=ip)
    with transaction.atomic():
        project, payment = payment_for_update(payment_id)
        step = runner.begin(payment, "send_back", user, expected_state=expected_state)
        reason = reason.strip()
        if not reason:
            raise ValidationError(_("Give the reason for returning the request; the company is told it. Nothing was done."),
                                  code="reason")
        step.apply()
        payment.return_reason = reason
        step.finish(ip=ip, message=reason, context={"project": project, "payment": payment, "reason": reason},
                    url=project_url(project))
    return payment


def paid_so_far(project: Project) -> int:
    """What the project was paid in all (read under the project's lock, it stays so until it is released)."""
    return Payment.objects.filter(payment_request__project=project).aggregate(total=Sum("amount"))["total"] or 0


def payment_pay(*, user, payment_id: int, paid_on: datetime.date, amount: int, ip: str | None = None,
                expected_state: str | None = PaymentState.APPROVED) -> Payment:
    """Record the money paid into the dedicated account: once per instalment (the project's
    lock, then the one-to-one record), never more than the instalment nor, in all, than the grant."""
    _refuse_if_tied(user, PaymentRequest.objects.values_list("project_id", flat=True).get(pk=payment_id), action="payment", ip=ip)
    with transaction.atomic():
        project, payment = payment_for_update(payment_id)
        step = runner.begin(payment, "pay", user, expected_state=expected_state)
        _refuse_unless_running(project)
        today = timezone.localdate()
        if amount <= 0 or amount > payment.amount:
            raise ValidationError(_("The amount paid must be more than 0원 and at most the instalment, %(amount)s. Nothing was "
                                    "recorded.") % {"amount": won(payment.amount)}, code="amount")
        paid = paid_so_far(project)
        if paid + amount > project.grant:
            raise ValidationError(_("This payment would bring what was paid to %(total)s, more than the grant of %(grant)s "
                                    "(%(paid)s paid so far). Nothing was recorded.")
                                  % {"total": won(paid + amount), "grant": won(project.grant), "paid": won(paid)}, code="over_grant")
        approved_on = timezone.localdate(payment.approved_at)
        if paid_on > today or paid_on < approved_on:
            raise ValidationError(_("The payment date must be between the approval (%(approved)s) and today (%(today)s). Nothing "
                                    "was recorded.") % {"approved": day(approved_on), "today": day(today)}, code="paid_on")
        if not project.has_account:
            raise ValidationError(_("The project has no dedicated account to pay into. Nothing was recorded."), code="no_account")
        step.apply()
        record = Payment.objects.create(payment_request=payment, paid_on=paid_on, amount=amount, account_bank=project.account_bank,
                                        account_number=project.account_number, account_holder=project.account_holder, recorded_by=user)
        step.finish(ip=ip, data={"amount": amount, "paid_on": paid_on.isoformat(), "account": mask_account(project.account_number)},
                    context={"project": project, "payment": payment, "record": record}, url=project_url(project))
    return record
