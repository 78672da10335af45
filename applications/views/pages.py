"""The first pages: the portal's home (open calls, the person's companies) and the officer's
desk (what waits, the programs' calls)."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_safe

from applications.models import Program
from applications.selectors import calls_for_officer, desk_items, officer_desk_counts, public_open_calls
from portal.models import CompanyClaim
from portal.selectors import companies_for_user


@require_safe
def home(request: HttpRequest) -> HttpResponse:
    now = timezone.now()
    context = {"open_calls": public_open_calls(now=now)[:12], "now": now}
    if request.user.is_authenticated:
        context["my_companies"] = companies_for_user(request.user)
    return render(request, "pages/home.html", context)


@login_required
@require_safe
def officer_desk(request: HttpRequest) -> HttpResponse:
    if not request.user.has_perm("portal.use_officer_desk"):
        raise PermissionDenied(_("This page is for program officers."))
    calls = list(calls_for_officer(request.user))
    # An administrator on a new installation reaches the desk before any program exists: a
    # call needs a program, so the desk says where programs are made instead of a refusal.
    programs = Program.objects.all() if request.user.is_superuser else Program.objects.filter(officer_links__user=request.user)
    return render(request, "pages/officer_desk.html", {
        "calls": calls, **officer_desk_counts(calls), "has_programs": programs.exists(),
        "claims_pending": CompanyClaim.objects.filter(status=CompanyClaim.Status.PENDING).count(),
        # What the apps above add (projects: payment requests to decide, projects by state).
        "desk_items": desk_items(request.user),
        # Programs whose family is not chosen yet: nothing of theirs is published or agreed until it is.
        "without_family": [program.family_missing() for program in programs.filter(family__isnull=True).order_by("code")],
    })
