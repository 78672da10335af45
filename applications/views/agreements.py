"""Agreement pages: the officer prepares, edits and issues; the company signs; the officer
countersigns; anyone verifies."""

from __future__ import annotations

import functools

from allauth.account.decorators import reauthentication_required
from allauth.core import ratelimit
from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import FileResponse, Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from applications import lifecycle
from applications.models import AgreementState
from applications.selectors import agreement_for_user, application_for_user
from applications.services import agreements
from portal.confirm import Confirmation, confirmation_page, confirmed
from portal.duties import ConflictOfInterest
from portal.formatting import won
from portal.forms import KRWField
from portal.http import arrived_at, body_limit, client_ip

# An executed agreement is a few hundred kilobytes; anything far larger is refused unread.
MAX_VERIFY_BYTES = 5 * 1024 * 1024


class TermsForm(forms.Form):
    start = forms.DateField(label=gettext_lazy("agreement starts"), widget=forms.DateInput(attrs={"type": "date"}))
    end = forms.DateField(label=gettext_lazy("agreement ends"), widget=forms.DateInput(attrs={"type": "date"}))
    grant = KRWField(label=gettext_lazy("government grant (KRW)"))
    partner = KRWField(label=gettext_lazy("partner company's share (KRW)"), required=False)
    cash = KRWField(label=gettext_lazy("company share in cash (KRW)"))
    in_kind = KRWField(label=gettext_lazy("company share in kind (KRW)"))
    first_percent = forms.IntegerField(label=gettext_lazy("first instalment (%)"), min_value=1, max_value=100)

    @classmethod
    def for_version(cls, version, data=None):
        terms = version.terms
        first = terms["instalments"][0]["percent"] if terms["instalments"] else 100
        form = cls(data, initial={"start": terms["start"], "end": terms["end"], "grant": terms["grant"], "cash": terms["cash"],
                                  "in_kind": terms["in_kind"], "first_percent": first, "partner": terms.get("partner", 0)})
        if not version.agreement.application.call.min_partner_share_bp:
            del form.fields["partner"]
        return form

    def instalments(self) -> list[dict]:
        first = self.cleaned_data["first_percent"]
        start, end = self.cleaned_data["start"], self.cleaned_data["end"]
        plan = [{"label": "선급금", "percent": first, "due": start.isoformat()}]
        if first < 100:
            plan.append({"label": "잔금", "percent": 100 - first, "due": end.isoformat()})
        return plan


class PartnerSignerForm(forms.Form):
    email = forms.EmailField(label=gettext_lazy("e-mail address of the partner's signer"),
                             help_text=gettext_lazy("The account of the person who signs for the partner company; they can read and "
                                                    "sign this agreement and nothing else."))


def _context(request, agreement, **extra) -> dict:
    version = agreement.current_version()
    signatures = {s.role: s for s in version.signatures.all()} if version else {}
    partner = version.partner if version else None
    # The agency signs last: in a three-party agreement, after the partner too.
    awaiting_partner = bool(partner) and "partner" not in signatures
    can_countersign = (request.user.has_perm("applications.countersign_agreement", agreement) and agreement.state == AgreementState.SIGNED
                       and not awaiting_partner)
    # The officer who drafted it (or signed for the company) is not offered the agency's signature.
    drafted_it = can_countersign and lifecycle.countersign_tie(request.user, agreement.pk) is not None
    is_officer = request.user.has_perm("applications.manage_agreement", agreement)
    can_sign = request.user.has_perm("applications.sign_agreement", agreement) and agreement.state == AgreementState.ISSUED
    can_sign_for_partner = (awaiting_partner and agreement.state in (AgreementState.ISSUED, AgreementState.SIGNED)
                            and request.user.has_perm("applications.sign_agreement_for_partner", agreement))
    signing_for = partner if can_sign_for_partner else (version.terms.get("parties") or {}).get("company") if can_sign else None
    representatives = agreements.representatives(signing_for)
    return {
        "agreement": agreement,
        "version": version,
        "versions": agreement.versions.order_by("-number"),
        "signatures": signatures,
        "parties": agreements.parties_of(version) if version else {},
        "partner": partner,
        "awaiting_partner": awaiting_partner,
        "terms_form": extra.get("terms_form") or (TermsForm.for_version(version) if version else None),
        "is_officer": is_officer,
        "can_issue": (is_officer and agreement.state == AgreementState.DRAFTED and version is not None
                      and version.render_status == "done" and (not partner or agreement.partner_signer_id is not None)),
        # A refused naming shows its form with the reason, whatever the page would offer now.
        "partner_signer_form": extra.get("partner_signer_form") or (PartnerSignerForm(
            initial={"email": agreement.partner_signer.email if agreement.partner_signer else ""})
            if is_officer and awaiting_partner and agreement.state in (AgreementState.DRAFTED, AgreementState.ISSUED, AgreementState.SIGNED)
            else None),
        "can_sign": can_sign,
        "can_sign_for_partner": can_sign_for_partner,
        "can_countersign": can_countersign and not drafted_it,
        "drafted_it": drafted_it,
        # Whoever signs for the company or the partner signs as its representative, or by the
        # representative's delegation (위임), naming them and their own position.
        "representatives": representatives,
        "signs_as_representative": any(agreements.same_name(request.user.name or "", name) for name in representatives),
        "State": AgreementState,
    }


@login_required
@require_POST
def prepare(request: HttpRequest, pk: int) -> HttpResponse:

    if not request.user.has_perm("applications.use_queue"):
        raise PermissionDenied(_("This page is for program officers."))
    application = application_for_user(request.user, pk)
    if not request.user.has_perm("applications.manage_agreement", application):
        raise PermissionDenied(_("Only the program's officers prepare agreements."))
    try:
        agreement = lifecycle.agreement_start(user=request.user, application_id=application.pk, ip=client_ip(request))
    except (ValidationError, PermissionDenied) as exc:
        messages.error(request, exc.messages[0] if isinstance(exc, ValidationError) else str(exc))
        return redirect("officer_application", pk=pk)
    return redirect("agreement_detail", pk=agreement.pk)


@login_required
@require_safe
def detail(request: HttpRequest, pk: int) -> HttpResponse:
    agreement = agreement_for_user(request.user, pk)
    if request.headers.get("Accept") == "application/json":
        version = agreement.current_version()
        return JsonResponse({"state": agreement.state, "render_status": version.render_status if version else None,
                             "render_error": version.render_error if version else "", "executed": bool(agreement.final_sha256)})
    return render(request, "agreements/detail.html", _context(request, agreement))


@login_required
@require_POST
def terms(request: HttpRequest, pk: int) -> HttpResponse:
    agreement = agreement_for_user(request.user, pk)
    if not request.user.has_perm("applications.manage_agreement", agreement):
        raise PermissionDenied(_("Only the program's officers prepare agreements."))
    form = TermsForm.for_version(agreement.current_version(), request.POST)
    if form.is_valid():
        try:
            lifecycle.agreement_update_terms(user=request.user, agreement_id=agreement.pk, start=form.cleaned_data["start"],
                                       end=form.cleaned_data["end"], grant=form.cleaned_data["grant"], cash=form.cleaned_data["cash"],
                                       in_kind=form.cleaned_data["in_kind"], instalments=form.instalments(),
                                       partner=form.cleaned_data.get("partner"), ip=client_ip(request))
            messages.success(request, _("A new version with these terms is being rendered."))
            return redirect("agreement_detail", pk=agreement.pk)
        except ValidationError as exc:
            form.add_error(None, exc.messages[0])
        except PermissionDenied:
            raise
    agreement.refresh_from_db()
    return render(request, "agreements/detail.html", _context(request, agreement, terms_form=form), status=400)


@login_required
@require_http_methods(["GET", "POST"])
def issue(request: HttpRequest, pk: int) -> HttpResponse:
    """Issuing sends the agreement to the company to sign, with a deadline: GET and an
    unconfirmed POST show what is issued, with its amounts; a confirmed POST issues it."""
    agreement = agreement_for_user(request.user, pk)
    if not request.user.has_perm("applications.manage_agreement", agreement):
        raise PermissionDenied(_("Only the program's officers prepare agreements."))
    version = agreement.current_version()
    if agreement.state != AgreementState.DRAFTED or version is None or version.render_status != version.Render.DONE:
        messages.error(request, _("This agreement cannot be issued now."))
        return redirect("agreement_detail", pk=agreement.pk)
    if request.method != "POST" or (lifecycle.needs_confirmation("agreement", "issue") and not confirmed(request)):
        return confirmation_page(request, _issue_confirmation(agreement, version))
    try:
        lifecycle.agreement_issue(user=request.user, agreement_id=agreement.pk, ip=client_ip(request))
        messages.success(request, _("The agreement was issued; the company was told to sign it."))
    except ValidationError as exc:
        messages.error(request, exc.messages[0])
    return redirect("agreement_detail", pk=agreement.pk)


def _issue_confirmation(agreement, version) -> Confirmation:
    terms = version.terms
    company = agreement.application.company.name
    return Confirmation(
        heading=_("Issue the agreement"),
        consequences=[
            _("Version %(n)s of agreement %(number)s is sent to the company to sign: a government grant of %(grant)s "
              "in a total project cost of %(total)s.") % {"n": version.number, "number": agreement.number,
                                                          "grant": won(terms["grant"]), "total": won(terms["total"])},
            _("The company's members are notified at once and the signing period starts. To change the terms "
              "afterwards, a new version must be issued."),
        ],
        facts=[(_("Company"), company), (_("Government grant"), won(terms["grant"])), (_("Total project cost"), won(terms["total"]))],
        confirm_label=_("I have checked the terms and amounts of this version."),
        button=_("Issue to the company for signature"),
        action=reverse("agreement_issue", args=[agreement.pk]),
        back_url=reverse("agreement_detail", args=[agreement.pk]),
    )


@login_required
@require_POST
def partner_signer(request: HttpRequest, pk: int) -> HttpResponse:
    """The officer names the account that signs a three-party agreement for the partner."""
    agreement = agreement_for_user(request.user, pk)
    if not request.user.has_perm("applications.manage_agreement", agreement):
        raise PermissionDenied(_("Only the program's officers prepare agreements."))
    form = PartnerSignerForm(request.POST)
    if form.is_valid():
        try:
            lifecycle.agreement_partner_signer_set(user=request.user, agreement_id=agreement.pk, email=form.cleaned_data["email"],
                                             ip=client_ip(request))
            messages.success(request, _("The partner company's signer was named."))
            return redirect("agreement_detail", pk=agreement.pk)
        except ValidationError as exc:
            form.add_error("email", exc.messages[0])
        except ConflictOfInterest as exc:
            form.add_error(None, str(exc))
    agreement.refresh_from_db()
    return render(request, "agreements/detail.html", _context(request, agreement, partner_signer_form=form), status=400)


@login_required
def sign(request: HttpRequest, pk: int) -> HttpResponse:
    agreement = agreement_for_user(request.user, pk)  # nothing is revealed, not even a re-authentication prompt
    if not (request.user.has_perm("applications.sign_agreement", agreement)
            or request.user.has_perm("applications.sign_agreement_for_partner", agreement)
            or request.user.has_perm("applications.countersign_agreement", agreement)):
        raise PermissionDenied(_("You do not have the authority to sign for this party."))
    return _sign(request, pk)


@reauthentication_required
def _sign(request: HttpRequest, pk: int) -> HttpResponse:
    """Signing asks for the password again (allauth's re-authentication) first."""
    agreement = agreement_for_user(request.user, pk)
    if request.method != "POST":
        return redirect("agreement_detail", pk=agreement.pk)
    role = request.POST.get("role")
    # Who signs for the company or the partner without being its representative names the
    # representative who delegated (위임) and their own position; left out, the service
    # takes the agreement's one representative and the position on the person's account.
    capacity = {"delegated_by": request.POST.get("delegated_by"), "position": request.POST.get("position")}
    if role == "agency":
        transition, run = "countersign", lifecycle.agreement_countersign
    elif role == "partner":
        transition, run = "sign_for_partner", functools.partial(lifecycle.agreement_sign_for_partner, **capacity)
    else:  # The company's signature is judged against its deadline by when the request arrived.
        transition, run = "sign", functools.partial(lifecycle.agreement_sign, now=arrived_at(request), **capacity)
    try:
        if lifecycle.needs_confirmation("agreement", transition) and not confirmed(request):
            raise ValidationError(_("Confirm that you have read the document."))
        run(user=request.user, agreement_id=agreement.pk, version_id=int(request.POST.get("version", 0) or 0),
            seen_sha256=request.POST.get("sha256", ""), ip=client_ip(request))
        if agreement.is_three_party:
            messages.success(request, _("Signed. The agreement takes effect when all three parties have signed."))
        else:
            messages.success(request, _("Signed. The agreement takes effect when both sides have signed."))
    except ValidationError as exc:
        messages.error(request, exc.messages[0])
    except PermissionDenied as exc:
        messages.error(request, str(exc) if isinstance(exc, ConflictOfInterest) else _("You do not have the authority to sign for this party."))
    return redirect("agreement_detail", pk=agreement.pk)


@login_required
@require_safe
def version_pdf(request: HttpRequest, pk: int, version: int) -> FileResponse:
    agreement = agreement_for_user(request.user, pk)
    item = get_object_or_404(agreement.versions, number=version)
    if not item.pdf:
        raise Http404(_("The PDF is not ready yet."))
    return FileResponse(item.pdf.open("rb"), as_attachment=True, filename=f"{agreement.number}-v{item.number}.pdf", content_type="application/pdf")


@login_required
@require_safe
def final_pdf(request: HttpRequest, pk: int) -> FileResponse:
    agreement = agreement_for_user(request.user, pk)
    if not agreement.final_pdf:
        raise Http404(_("The agreement is not executed yet."))
    return FileResponse(agreement.final_pdf.open("rb"), as_attachment=True, filename=f"{agreement.number}.pdf", content_type="application/pdf")


class VerifyForm(forms.Form):
    file = forms.FileField(label=gettext_lazy("agreement PDF"), required=False)
    number = forms.CharField(label=gettext_lazy("agreement number"), max_length=60, required=False)
    sha256 = forms.CharField(label=gettext_lazy("SHA-256"), max_length=64, required=False)

    def clean(self):
        data = super().clean()
        if not data.get("file") and not (data.get("number") and data.get("sha256")):
            raise forms.ValidationError(_("Upload the PDF, or enter both the agreement number and its SHA-256."))
        return data


def _verify_too_large(request: HttpRequest) -> HttpResponse:
    """A body over the limit, refused by its declared length without reading it."""
    if not ratelimit.consume(request, action="verify_agreement"):
        return render(request, "429.html", status=429)
    form = VerifyForm(data={})
    form.full_clean()
    form.errors.clear()
    form.add_error(None, _("The file is larger than 5 MB; an executed agreement is far smaller."))
    return render(request, "agreements/verify.html", {"form": form, "result": None}, status=413)


@body_limit(MAX_VERIFY_BYTES, _verify_too_large)
def verify(request: HttpRequest) -> HttpResponse:
    """Public: is this agreement genuine, unaltered and in force?"""
    result = None
    status = 200
    if request.method == "POST":
        # Anonymous: limited per client address; a body over the limit never reaches here
        # (portal.middleware.BodyLimitMiddleware answers it by its length, unread).
        if not ratelimit.consume(request, action="verify_agreement"):
            return render(request, "429.html", status=429)
    form = VerifyForm(request.POST or None, request.FILES or None)
    if request.method == "POST":
        if form.is_valid():
            upload = form.cleaned_data.get("file")
            result = agreements.verify(data=b"".join(upload.chunks()) if upload else None,
                                number=form.cleaned_data.get("number", ""), sha256=form.cleaned_data.get("sha256", ""))
        else:
            status = 400
    return render(request, "agreements/verify.html", {"form": form, "result": result}, status=status)


