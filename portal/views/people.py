"""The privacy policy, the person's own details, their own copy of the data held about them,
and leaving the portal."""

from __future__ import annotations

from allauth.account.decorators import reauthentication_required
from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse, StreamingHttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_safe

from portal.confirm import Confirmation, confirmation_page, confirmed
from portal.forms import ProfileForm
from portal.http import client_ip
from portal.models import CompanyClaim
from portal.page_cache import cache_for_anonymous
from portal.privacy import CONSENT_ITEMS, VERSION
from portal.retention import rules as retention_rules
from portal.retention import years_text
from portal.services.audit import audit_record
from portal.services.leaving import account_leave, leaving_obstacles
from portal.services.own_data import own_copy_json, own_sections
from portal.services.people import consent_state, profile_update

# Rows of each section the page shows; the download holds all of them.
PAGE_ROWS = 50


@require_safe
@cache_for_anonymous
def privacy(request: HttpRequest) -> HttpResponse:
    return render(request, "pages/privacy.html", {"items": CONSENT_ITEMS, "version": VERSION, "retention": retention_rules()})


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


@login_required
@require_http_methods(["GET", "POST"])
def own_data(request: HttpRequest) -> HttpResponse:
    """개인정보 열람 (§35): GET shows every section's newest rows; POST downloads all of it as
    JSON and records that the copy was given (who asked, when)."""
    user = request.user
    if request.method == "POST":
        now = timezone.now()
        audit_record(actor=user, action="personal_data.copied", target=user, ip=client_ip(request))
        response = StreamingHttpResponse(own_copy_json(user, now=now), content_type="application/json; charset=utf-8")
        response["Content-Disposition"] = f'attachment; filename="my-data-{timezone.localdate(now):%Y-%m-%d}.json"'
        return response
    sections = [(section, section.first_rows(PAGE_ROWS)) for section in own_sections(user)]
    return render(request, "pages/own_data.html", {"sections": sections, "page_rows": PAGE_ROWS})


@login_required
@require_http_methods(["GET", "POST"])
def leave(request: HttpRequest) -> HttpResponse:
    """회원 탈퇴. What stops the person is said first, before any password is asked."""
    reasons = leaving_obstacles(request.user)
    if reasons:
        return render(request, "pages/leave_refused.html", {"reasons": reasons}, status=400 if request.method == "POST" else 200)
    return _leave(request)


@reauthentication_required
def _leave(request: HttpRequest) -> HttpResponse:
    """The password again, then a confirmation saying what goes and what stays, then leaving."""
    if not confirmed(request):
        return confirmation_page(request, _leaving_confirmation(request.user))
    try:
        account_leave(user_id=request.user.pk)
    except ValidationError as exc:
        return render(request, "pages/leave_refused.html", {"reasons": exc.messages}, status=400)
    logout(request)
    messages.success(request, _("You have left the portal. Your account is closed and your personal details are deleted."))
    return redirect("home")


def _leaving_confirmation(user) -> Confirmation:
    companies = [m.company.name for m in user.memberships.select_related("company").order_by("company__name")]
    consequences = [
        _("Your account is closed at once: you can no longer sign in, and your name, e-mail address, phone, position, password and "
          "second factors are deleted."),
        _("Records the law requires to be kept — applications, agreements and their histories — stay, naming you by a pseudonym "
          "(an agreement keeps the name you signed with), for the periods the privacy policy lists."),
        _("Your consents are kept for %(period)s as evidence, then destroyed.") % {"period": years_text(settings.RETENTION_CONSENTS_YEARS)},
        _("Download your own copy of your data first if you want to keep it. You may sign up again later as a new member."),
    ]
    if companies:
        consequences.insert(1, _("You stop acting for these companies: %(companies)s.") % {"companies": ", ".join(companies)})
    claimed = list(CompanyClaim.objects.filter(claimant=user, status=CompanyClaim.Status.PENDING).order_by("company__name")
                   .values_list("company__name", flat=True))
    if claimed:
        consequences.insert(1, _("Your claims to the ownership of these companies are cancelled, and their documents destroyed: "
                                 "%(companies)s.") % {"companies": ", ".join(claimed)})
    return Confirmation(
        heading=_("Leave the portal"),
        consequences=consequences,
        facts=[(_("E-mail address"), user.email), (_("Name"), user.name or "—")],
        confirm_label=_("I understand that leaving closes my account for good."),
        button=_("Leave the portal"),
        action=reverse("leave"),
        back_url=reverse("profile"),
    )
