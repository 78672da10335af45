"""이의신청: the company appeals against the decision it was told; the agency decides it."""

from __future__ import annotations

import datetime

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from applications.lifecycle import runner
from applications.lifecycle.decision import current_item
from applications.models import Appeal, State
from portal.formatting import deadline
from portal.limits import reason_text


def appeal_file(*, user, application_id: int, reason: str, now: datetime.datetime, ip: str | None = None):
    """이의신청 against the decision the company was told, within the window from that
    notice; one appeal per decision."""
    reason = reason_text(reason, what=_("the reason for the appeal"))
    with transaction.atomic():
        application = runner.lock_application(application_id)
        step = runner.begin(application, "appeal", user)
        item = current_item(application)
        if item is None:
            raise ValidationError(_("There is no result to appeal against yet."), code="no_result")
        if Appeal.objects.filter(item=item).exists():
            raise ValidationError(_("An appeal against this decision was filed already; a decision can be appealed once."), code="once")
        closes = item.appeal_closes_at
        if now >= closes:
            raise ValidationError(_("The appeal window closed on %(time)s (KST).") % {"time": deadline(closes)}, code="window_closed")
        step.apply()
        appeal = Appeal.objects.create(application=application, item=item, reason=reason, filed_by=user, previous_state=step.before)
        step.finish(message=reason, ip=ip, data={"appeal": appeal.pk}, context={"message": reason})
    return appeal


# The appeal's outcome, as (the appeal's transition, the application's transition).
_CLOSE = {"dismissed": ("dismiss", "dismiss_appeal"), "rereview": ("order_rereview", "order_rereview")}


def _appeal_close(*, user, appeal_id: int, outcome: str, note: str, ip: str | None):
    note = reason_text(note, what=_("the reasons for the decision"))
    application_id = Appeal.objects.values_list("application_id", flat=True).get(pk=appeal_id)
    runner.refuse_if_tied_to(user, application_id, action="appeal", ip=ip)
    with transaction.atomic():
        application = runner.lock_application(application_id)
        appeal = Appeal.objects.select_for_update().get(pk=appeal_id)
        if appeal.outcome != Appeal.Outcome.PENDING:
            raise ValidationError(_("This appeal was decided already."), code="decided")
        own, name = _CLOSE[outcome]
        step = runner.begin(application, name, user, expected_state=State.APPEAL)
        step.apply(*((appeal.previous_state,) if name == "dismiss_appeal" else ()))
        runner.begin(appeal, own, None).apply()
        appeal.decision_note, appeal.decided_by, appeal.decided_at = note, user, timezone.now()
        appeal.save(update_fields=["outcome", "decision_note", "decided_by", "decided_at"])
        step.finish(message=note, ip=ip, data={"appeal": appeal.pk}, context={"outcome": outcome, "message": note})
    return appeal


def appeal_dismiss(*, user, appeal_id: int, note: str, ip: str | None = None):
    """The result stands: back to what the company appealed against."""
    return _appeal_close(user=user, appeal_id=appeal_id, outcome="dismissed", note=note, ip=ip)


def appeal_order_rereview(*, user, appeal_id: int, note: str, ip: str | None = None):
    """The appeal is upheld: the application is evaluated again and decided anew in a
    re-decision round (reviews.services.selection.redecision_open)."""
    return _appeal_close(user=user, appeal_id=appeal_id, outcome="rereview", note=note, ip=ip)
