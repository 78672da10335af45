"""What both project pages show: the project's facts, its instalments with what this person may
do with each now, and its timeline — in a constant number of queries, however many payments."""

from __future__ import annotations

from dataclasses import dataclass

from django_fsm import can_proceed

from portal.duties import tie_with
from projects.forms import PaymentForm
from projects.models import RUNNING, PaymentRequest, PaymentState, Project
from projects.services import requestable


@dataclass
class PaymentRow:
    payment: PaymentRequest
    can_request: bool = False
    why_not: str = ""
    can_decide: bool = False
    can_pay: bool = False
    has_order: bool = False
    pay_form: object | None = None


def payment_rows(project: Project, user, *, officer: bool = False, pay_forms: dict | None = None) -> list[PaymentRow]:
    payments = list(project.payments.select_related("payment").order_by("number"))
    member = user.has_perm("projects.request_payment", project)
    manager = user.has_perm("projects.manage_payments", project)
    # Someone tied to the company is never offered the agency's decisions (portal/duties.py).
    tied = manager and tie_with(user, project.application.company) is not None
    rows = []
    for payment in payments:
        payment.project = project
        row = PaymentRow(payment=payment, has_order=officer and payment.state in (PaymentState.APPROVED, PaymentState.PAID))
        if member and not officer and can_proceed(payment.submit):
            row.why_not = requestable(project, payment) or ""
            row.can_request = not row.why_not
        if officer and manager and not tied and project.state in RUNNING:
            row.can_decide = payment.state == PaymentState.REQUESTED
            row.can_pay = payment.state == PaymentState.APPROVED
            if row.can_pay:
                row.pay_form = (pay_forms or {}).get(payment.pk) or PaymentForm.for_payment(payment)
        rows.append(row)
    return rows


def timeline(project: Project):
    return project.events.select_related("actor").order_by("seq")


def paid_total(rows: list[PaymentRow]) -> int:
    return sum(row.payment.payment.amount for row in rows if hasattr(row.payment, "payment"))
