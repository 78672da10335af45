"""The applicant's side of the result: the appeal (이의신청) and the answer to an offered place."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from applications import lifecycle
from applications.selectors import application_for_user
from portal.confirm import confirmed
from portal.http import arrived_at, client_ip


@login_required
@require_POST
def appeal(request: HttpRequest, pk: int) -> HttpResponse:
    arrived = arrived_at(request)
    application = application_for_user(request.user, pk)
    if not request.user.has_perm("applications.appeal_application", application):
        raise PermissionDenied(_("Only the company's members may appeal."))
    try:
        lifecycle.appeal_file(user=request.user, application_id=application.pk, reason=request.POST.get("reason", ""),
                              now=arrived, ip=client_ip(request))
        messages.success(request, _("Your appeal was received."))
    except ValidationError as exc:
        messages.error(request, exc.messages[0])
    except PermissionDenied:
        messages.error(request, _("Only the company's members may appeal."))
    return redirect("application_detail", pk=application.pk)


@login_required
@require_POST
def offer_answer(request: HttpRequest, pk: int) -> HttpResponse:
    """The company accepts or declines the place offered from the waiting list."""
    arrived = arrived_at(request)
    application = application_for_user(request.user, pk)
    if not request.user.has_perm("applications.answer_offer", application):
        raise PermissionDenied(_("Only the company's members may answer the offer."))
    answers = {"accept": ("accept_offer", lifecycle.offer_accept, _("You accepted the place: the application is selected.")),
               "decline": ("decline_offer", lifecycle.offer_decline, _("You declined the place."))}
    transition, run, done = answers.get(request.POST.get("answer"), (None, None, ""))
    try:
        if run is None or (lifecycle.needs_confirmation("application", transition) and not confirmed(request)):
            messages.error(request, _("Choose to accept the place, or tick the box and decline it."))
        else:
            run(user=request.user, application_id=application.pk, now=arrived, ip=client_ip(request))
            messages.success(request, done)
    except ValidationError as exc:
        messages.error(request, exc.messages[0])
    return redirect("application_detail", pk=application.pk)


