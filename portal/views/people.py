"""The privacy policy and the person's own details."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_safe

from portal.forms import ProfileForm
from portal.http import client_ip
from portal.page_cache import cache_for_anonymous
from portal.privacy import CONSENT_ITEMS, VERSION
from portal.services.people import consent_state, profile_update


@require_safe
@cache_for_anonymous
def privacy(request: HttpRequest) -> HttpResponse:
    return render(request, "pages/privacy.html", {"items": CONSENT_ITEMS, "version": VERSION})


@login_required
@require_http_methods(["GET", "POST"])
def profile(request: HttpRequest) -> HttpResponse:
    user = request.user
    if request.method == "POST":
        form = ProfileForm(request.POST)
        if form.is_valid():
            data = form.cleaned_data
            profile_update(user=user, name=data["name"], position=data.get("position", ""), phone=data.get("phone", ""),
                           program_news=data.get("consent_program_news", False), ip=client_ip(request))
            messages.success(request, _("Your details were saved."))
            return redirect("profile")
    else:
        form = ProfileForm(initial={"name": user.name, "position": user.position, "phone": user.phone,
                                    "consent_program_news": consent_state(user, "program_news")})
    consents = user.consents.order_by("-recorded_at", "-pk")[:20]
    return render(request, "pages/profile.html", {"form": form, "consents": consents, "items": {i.key: i for i in CONSENT_ITEMS}})
