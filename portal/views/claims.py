"""Claims to a company's ownership: filed by its real holder, checked by an officer or administrator."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST, require_safe

from portal.confirm import Confirmation, confirmation_page, confirmed
from portal.forms import ClaimDecisionForm, ClaimForm
from portal.http import client_ip
from portal.models import CompanyClaim, CompanyMembership
from portal.services.claims import CLAIM_TRANSITIONS, approval_refusal, claim_create, claim_decide
from portal.uploads import document_response
from portal.views.companies import number_lookup_allowed, too_many_lookups

CLAIM_ERROR_FIELDS = {"unknown": "business_number", "owner": "business_number", "pending": "business_number", "left": None}


@login_required
def company_claim(request: HttpRequest) -> HttpResponse:
    """File a claim: the business number, the representative's confirmation, a note."""
    form = ClaimForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        if not number_lookup_allowed(request):
            return too_many_lookups(request)
        try:
            claim_create(user=request.user, business_number=form.cleaned_data["business_number"], upload=form.cleaned_data["document"],
                         message=form.cleaned_data["message"], ip=client_ip(request))
        except ValidationError as exc:
            # About the number (none registered, already the person's, a claim waiting), about the
            # person's account, or else about the document (its content, its size, the store).
            form.add_error(CLAIM_ERROR_FIELDS.get(exc.code, "document"), exc)
        else:
            messages.success(request, _("Your claim was sent. An officer checks the document and tells you the decision by e-mail."))
            return redirect("company_list")
    return render(request, "companies/claim.html", {"form": form}, status=400 if form.errors else 200)


def _require_checker(user) -> None:
    if not user.has_perm("portal.decide_company_claim"):
        raise PermissionDenied(_("Only program officers and administrators check ownership claims."))


def _claim(user, pk: int) -> CompanyClaim:
    _require_checker(user)
    return get_object_or_404(CompanyClaim.objects.select_related("company", "claimant", "decided_by"), pk=pk)


@login_required
@require_safe
def claim_list(request: HttpRequest) -> HttpResponse:
    _require_checker(request.user)
    claims = CompanyClaim.objects.select_related("company", "claimant").order_by("-created_at")
    return render(request, "companies/claims.html", {
        "pending": claims.filter(status=CompanyClaim.Status.PENDING), "decided": claims.exclude(status=CompanyClaim.Status.PENDING)[:50],
    })


@login_required
@require_safe
def claim_detail(request: HttpRequest, pk: int) -> HttpResponse:
    claim = _claim(request.user, pk)
    members = CompanyMembership.objects.filter(company=claim.company).select_related("user").order_by("role", "pk")
    return render(request, "companies/claim_detail.html", {"claim": claim, "members": members, "form": ClaimDecisionForm()})


@login_required
@require_safe
def claim_document(request: HttpRequest, pk: int) -> HttpResponse:
    claim = _claim(request.user, pk)
    if claim.evidence_destroyed_at is not None:
        raise Http404(_("The document was destroyed when its retention period ended."))
    return document_response(claim)


@login_required
@require_POST
def claim_decide_view(request: HttpRequest, pk: int) -> HttpResponse:
    claim = _claim(request.user, pk)
    approve = request.POST.get("decision") == "approve"
    form = ClaimDecisionForm(request.POST)
    if not form.is_valid():
        return render(request, "companies/claim_detail.html", {"claim": claim, "form": form,
                                                              "members": CompanyMembership.objects.filter(company=claim.company)}, status=400)
    if approve and (refusal := approval_refusal(claim)):
        messages.error(request, refusal)
        return redirect("staff_claim", pk=claim.pk)
    if approve and CLAIM_TRANSITIONS["approve"].confirm and not confirmed(request):
        return confirmation_page(request, _approval(claim))
    try:
        claim_decide(user=request.user, claim_id=claim.pk, approve=approve, note=form.cleaned_data["note"], ip=client_ip(request))
    except ValidationError as exc:
        messages.error(request, exc.messages[0])
    else:
        messages.success(request, _("Ownership moved; both sides were told by e-mail.") if approve else
                         _("The claim was declined; the claimant was told the reason."))
    return redirect("staff_claim", pk=claim.pk)


def _approval(claim: CompanyClaim) -> Confirmation:
    owners = ", ".join(CompanyMembership.objects.filter(company=claim.company, role=CompanyMembership.Role.OWNER)
                       .exclude(user=claim.claimant).values_list("user__email", flat=True)) or "—"
    return Confirmation(
        heading=_("Move the ownership of the company"),
        consequences=[
            _("%(person)s becomes the owner of %(company)s on the portal, with the authority to sign its agreements.")
            % {"person": f"{claim.claimant.name} ({claim.claimant.email})", "company": claim.company.name},
            _("The current owners (%(owners)s) leave the company and are told by e-mail; its applications stay with the company.")
            % {"owners": owners},
        ],
        facts=[(_("Company"), claim.company.name), (_("business registration number"), claim.company.business_number_display)],
        hidden=[("decision", "approve")],
        confirm_label=_("I checked that the document shows the representative's confirmation for this business registration number."),
        button=_("Move the ownership"),
        action=reverse("staff_claim_decide", args=[claim.pk]),
        back_url=reverse("staff_claim", args=[claim.pk]),
    )
