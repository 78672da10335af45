"""The payment order (지급명령서) the finance office pays from: rendered with the agreements'
WeasyPrint set-up (applications/pdf.py), in Korean, with the amount in digits and in words."""

from __future__ import annotations

from django.utils import timezone

from applications.pdf import render_pdf
from applications.services.agreements import parties_of
from portal.identifiers import format_business_number
from portal.korean import won_in_words
from projects.models import PaymentRequest, PaymentState
from projects.services import paid_so_far


def payment_order(payment: PaymentRequest) -> bytes:
    """The order of an approved (or paid) instalment: the project and the agreement, the
    company, the instalment with its amount, the dedicated account in full, who approved it
    and when, and the grant paid so far and left."""
    project = payment.project
    version = project.agreement.current_version()
    parties = parties_of(version)
    paid = paid_so_far(project)
    record = getattr(payment, "payment", None) if payment.state == PaymentState.PAID else None
    context = {
        "project": project, "payment": payment, "record": record, "agreement": project.agreement, "parties": parties,
        "company": parties["company"], "business_number": format_business_number(parties["company"].get("business_number") or ""),
        "amount_words": won_in_words(payment.amount), "paid": paid,
        "left": project.grant - paid, "issued_on": timezone.localdate(), "approved_on": timezone.localdate(payment.approved_at),
        "created": timezone.localtime().replace(microsecond=0).isoformat(),
    }
    return render_pdf("projects/payment_order.html", context, title=f"지급명령서 {project.number}-{payment.number}")
