from __future__ import annotations

from allauth.core import ratelimit
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST, require_safe

from portal.confirm import Confirmation, confirmation_page, confirmed
from portal.forms import ClaimForm, CompanyForm, InvitationForm, JoinRequestForm
from portal.http import client_ip
from portal.identifiers import digits_only, format_business_number, is_ascii_digits
from portal.models import Company, CompanyInvitation
from portal.selectors import companies_for_user, company_for_user, memberships_of, pending_join_requests
from portal.services.companies import (
    DuplicateCompany,
    company_register,
    company_update,
    invitation_accept,
    invitation_create,
    join_request_create,
    join_request_decide,
    membership_make_owner,
)


@login_required
@require_safe
def company_list(request: HttpRequest) -> HttpResponse:
    return render(request, "companies/list.html", {"companies": companies_for_user(request.user)})


def number_lookup_allowed(request: HttpRequest) -> bool:
    """Every business number someone types to register, join or claim a company counts
    against their limit and their address's (RATE_COMPANY_NUMBER, the sign-in limits'
    mechanism), so the register of companies cannot be walked number by number."""
    return ratelimit.consume(request, action="company_number")


def too_many_lookups(request: HttpRequest) -> HttpResponse:
    return render(request, "429.html", {"reason": _("You entered business registration numbers too many times in a short "
                                                    "time. Wait an hour and try again; nothing was registered or sent.")},
                  status=429)


def duplicate_page(request: HttpRequest, number: str, *, join_form=None, claim_form=None, status: int = 409) -> HttpResponse:
    """The number is registered already: ask the owner to join, or claim the company. The page
    names only the number the person typed — never the company's id or anything else."""
    return render(request, "companies/duplicate.html", {
        "number": number, "number_display": format_business_number(number), "join_form": join_form or JoinRequestForm(),
        "claim_form": claim_form or ClaimForm(initial={"business_number": number}),
    }, status=status)


@login_required
def company_register_view(request: HttpRequest) -> HttpResponse:
    form = CompanyForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        if not number_lookup_allowed(request):
            return too_many_lookups(request)
        try:
            company = company_register(user=request.user, data=form.cleaned_data, ip=client_ip(request))
        except DuplicateCompany as duplicate:
            return duplicate_page(request, duplicate.company.business_number)
        messages.success(request, _("%(company)s is registered. You are its owner.") % {"company": company.name})
        back = _call_to_return_to(request)
        return redirect(back) if back else redirect("company_detail", pk=company.pk)
    return render(request, "companies/form.html", {"form": form, "is_new": True}, status=400 if form.errors else 200)


def _call_to_return_to(request: HttpRequest) -> str:
    """The call page the person came from to apply (`?next=/calls/<code>/`), and nothing else."""
    import re

    target = request.GET.get("next", "")
    return target if re.fullmatch(r"/calls/[A-Z0-9-]{1,20}/", target) else ""


@login_required
@require_safe
def company_detail(request: HttpRequest, pk: int) -> HttpResponse:
    company = company_for_user(request.user, pk)
    is_owner = request.user.has_perm("portal.change_company", company)
    context = {
        "company": company,
        "memberships": memberships_of(company),
        "is_owner": is_owner,
        "join_requests": pending_join_requests(company) if is_owner else [],
        "invitations": company.invitations.filter(accepted_at__isnull=True).order_by("-created_at") if is_owner else [],
        "invite_form": InvitationForm(),
    }
    return render(request, "companies/detail.html", context)


@login_required
def company_edit(request: HttpRequest, pk: int) -> HttpResponse:
    company = company_for_user(request.user, pk, perm="portal.change_company")
    form = CompanyForm(request.POST or None, instance=company)
    if request.method == "POST" and form.is_valid():
        data = {k: v for k, v in form.cleaned_data.items() if k != "business_number"}
        # The form validated a copy; the service writes from the cleaned data only.
        company = company_for_user(request.user, pk, perm="portal.change_company")
        company_update(user=request.user, company=company, data=data, ip=client_ip(request))
        messages.success(request, _("The company profile is saved."))
        return redirect("company_detail", pk=company.pk)
    return render(request, "companies/form.html", {"form": form, "company": company, "is_new": False}, status=400 if form.errors else 200)


@login_required
@require_POST
def company_invite(request: HttpRequest, pk: int) -> HttpResponse:
    company = company_for_user(request.user, pk, perm="portal.invite_to_company")
    form = InvitationForm(request.POST)
    if form.is_valid():
        try:
            invitation_create(user=request.user, company=company, email=form.cleaned_data["email"], ip=client_ip(request))
        except ValidationError as exc:
            messages.error(request, exc.messages[0])
        else:
            messages.success(request, _("An invitation was sent to %(email)s.") % {"email": form.cleaned_data["email"]})
    else:
        messages.error(request, _("Enter a valid e-mail address."))
    return redirect("company_detail", pk=company.pk)


@login_required
def invitation_accept_view(request: HttpRequest, token: str) -> HttpResponse:
    invitation = get_object_or_404(CompanyInvitation.objects.select_related("company"), token=token)
    if request.method == "POST":
        try:
            company = invitation_accept(user=request.user, token=token, ip=client_ip(request))
        except (ValidationError, PermissionDenied) as exc:
            messages.error(request, exc.messages[0] if isinstance(exc, ValidationError) else str(exc))
            return render(request, "companies/invitation.html", {"invitation": invitation}, status=400)
        messages.success(request, _("You now act for %(company)s.") % {"company": company.name})
        return redirect("company_detail", pk=company.pk)
    return render(request, "companies/invitation.html", {"invitation": invitation})


@login_required
@require_POST
def company_join_request(request: HttpRequest) -> HttpResponse:
    # Anyone signed in may ask — who knows the company's registration number (they typed it
    # when registering): the number comes back with the request, and no id is ever shown.
    number = digits_only(request.POST.get("business_number", ""))
    if not is_ascii_digits(number, 10):
        raise Http404
    if not number_lookup_allowed(request):
        return too_many_lookups(request)
    company = get_object_or_404(Company, business_number=number)
    form = JoinRequestForm(request.POST)
    if not form.is_valid():
        return duplicate_page(request, number, join_form=form, status=400)
    try:
        join_request_create(user=request.user, company=company, message=form.cleaned_data["message"], ip=client_ip(request))
    except ValidationError as exc:
        messages.error(request, exc.messages[0])
        return redirect("company_list")
    messages.success(request, _("Your request was sent to the owner of %(company)s.") % {"company": company.name})
    return redirect("company_list")


@login_required
@require_POST
def company_join_decide(request: HttpRequest, pk: int, request_pk: int) -> HttpResponse:
    company = company_for_user(request.user, pk, perm="portal.decide_join_request")
    decision = request.POST.get("decision")
    if decision not in ("approve", "decline"):
        messages.error(request, _("Choose to approve or to decline the request."))
        return redirect("company_detail", pk=company.pk)
    approve = decision == "approve"
    try:
        join_request_decide(user=request.user, join_request_id=request_pk, company=company, approve=approve, ip=client_ip(request))
    except ValidationError as exc:
        messages.error(request, exc.messages[0])
    else:
        messages.success(request, _("The request was approved.") if approve else _("The request was declined."))
    return redirect("company_detail", pk=company.pk)


@login_required
@require_POST
def company_make_owner(request: HttpRequest, pk: int, membership_pk: int) -> HttpResponse:
    """An owner makes a member an owner too, after a confirmation: owners change the profile,
    invite and admit people, and may appoint further owners."""
    company = company_for_user(request.user, pk, perm="portal.appoint_owner")
    membership = get_object_or_404(company.memberships.select_related("user"), pk=membership_pk)
    if not confirmed(request):
        return confirmation_page(request, Confirmation(
            heading=_("Make an owner"),
            consequences=[_("An owner edits the company's profile, invites colleagues, decides requests to join and may make further "
                            "owners. Nobody can take ownership away again in the portal.")],
            facts=[(_("Company"), company.name), (_("Person"), f"{membership.user} ({membership.user.email})")],
            confirm_label=_("I want this person to be an owner of the company."),
            button=_("Make an owner"),
            action=request.path,
            back_url=reverse("company_detail", args=[company.pk]),
        ))
    try:
        membership_make_owner(user=request.user, company=company, membership_id=membership.pk, ip=client_ip(request))
    except ValidationError as exc:
        messages.error(request, exc.messages[0])
    else:
        messages.success(request, _("Made an owner of the company: %(person)s.") % {"person": membership.user})
    return redirect("company_detail", pk=company.pk)
