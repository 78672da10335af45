"""이해관계 신고: officers and reviewers declare their own ties to companies (here, in the
top app, because a tie recorded after assignment moves the person's review assignments)."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from portal.forms import OwnTieForm
from portal.http import client_ip
from portal.roles import roles_of
from reviews.selectors import ties_of
from reviews.services.evaluation import tie_record


@login_required
def own_ties(request: HttpRequest) -> HttpResponse:
    roles = roles_of(request.user)
    if not (roles.is_officer or roles.is_reviewer):
        raise PermissionDenied(_("This page is for program officers and reviewers."))
    form = OwnTieForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        tie_record(user=request.user, reviewer=request.user, ip=client_ip(request), **form.cleaned_data)
        messages.success(request, _("Your tie was recorded. You will not be asked to screen, review, select or sign for this company."))
        return redirect("own_ties")
    ties = ties_of(request.user)
    return render(request, "pages/ties.html", {"form": form, "ties": ties}, status=400 if form.errors else 200)
