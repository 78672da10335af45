"""The applicant's appeal (이의신청) against the result."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from applications.selectors import application_for_user
from applications.services.workflow import StaleState, TransitionRefused
from portal.http import client_ip
from reviews.services import selection


@login_required
@require_POST
def appeal(request: HttpRequest, pk: int) -> HttpResponse:
    arrived = timezone.now()
    application = application_for_user(request.user, pk)
    if not request.user.has_perm("applications.appeal_application", application):
        raise PermissionDenied(_("Only the company's members may appeal."))
    try:
        selection.appeal_file(user=request.user, application_id=application.pk, reason=request.POST.get("reason", ""),
                              now=arrived, ip=client_ip(request))
        messages.success(request, _("Your appeal was received."))
    except (ValidationError, TransitionRefused, StaleState) as exc:
        messages.error(request, exc.messages[0])
    except PermissionDenied:
        messages.error(request, _("Only the company's members may appeal."))
    return redirect("application_detail", pk=application.pk)


def result_context(application) -> dict:
    """The company's own result and breakdown, never the reviewers' names or scores."""
    item = selection.final_item(application)
    if item is None or application.state in ("under_review",):
        return {}
    criteria = {str(c.pk): c for c in item.round.call.rubric.criteria.all()}
    breakdown = [(criteria[k].name, v, criteria[k].max_score, criteria[k].weight) for k, v in item.breakdown.items() if k in criteria]
    deadline = selection.appeal_deadline(item.round)
    return {
        "result": item,
        "breakdown": breakdown,
        "appeal_until": deadline,
        "can_appeal": application.state in ("rejected", "waitlisted") and timezone.now() < deadline,
        "appeals": application.appeals.all(),
    }
