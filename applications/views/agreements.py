"""Agreement pages: the officer prepares, edits and issues; the company signs; the officer
countersigns; anyone verifies."""

from __future__ import annotations

from allauth.account.decorators import reauthentication_required
from allauth.core import ratelimit
from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import FileResponse, Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST, require_safe

from applications.models import AgreementState
from applications.selectors import agreement_for_user
from applications.services import agreements as svc
from applications.services import lifecycle
from portal.duties import ConflictOfInterest
from portal.forms import KRWField
from portal.http import client_ip, int_or_none

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


def _context(request, agreement, **extra) -> dict:
    version = agreement.current_version()
    return {
        "agreement": agreement,
        "version": version,
        "versions": agreement.versions.order_by("-number"),
        "signatures": {s.role: s for s in version.signatures.all()} if version else {},
        "terms_form": extra.get("terms_form") or (TermsForm.for_version(version) if version else None),
        "is_officer": request.user.has_perm("applications.manage_agreement", agreement),
        "can_sign": request.user.has_perm("applications.sign_agreement", agreement) and agreement.state == AgreementState.ISSUED,
        "can_countersign": request.user.has_perm("applications.countersign_agreement", agreement) and agreement.state == AgreementState.SIGNED,
        "State": AgreementState,
    }


@login_required
@require_POST
def prepare(request: HttpRequest, pk: int) -> HttpResponse:
    from applications.selectors import application_for_user

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
            svc.agreement_update_terms(user=request.user, agreement_id=agreement.pk, start=form.cleaned_data["start"],
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
@require_POST
def issue(request: HttpRequest, pk: int) -> HttpResponse:
    agreement = agreement_for_user(request.user, pk)
    try:
        svc.agreement_issue(user=request.user, agreement_id=agreement.pk, ip=client_ip(request))
        messages.success(request, _("The agreement was issued; the company was told to sign it."))
    except ValidationError as exc:
        messages.error(request, exc.messages[0])
    except PermissionDenied:
        raise
    return redirect("agreement_detail", pk=agreement.pk)


@login_required
def sign(request: HttpRequest, pk: int) -> HttpResponse:
    agreement = agreement_for_user(request.user, pk)  # nothing is revealed, not even a re-authentication prompt
    if not (request.user.has_perm("applications.sign_agreement", agreement)
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
    run = svc.agreement_countersign if role == "agency" else svc.agreement_sign
    try:
        if request.POST.get("confirm") != "yes":
            raise ValidationError(_("Confirm that you have read the document."))
        run(user=request.user, agreement_id=agreement.pk, version_id=int(request.POST.get("version", 0) or 0),
            seen_sha256=request.POST.get("sha256", ""), ip=client_ip(request))
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


def verify(request: HttpRequest) -> HttpResponse:
    """Public: is this agreement genuine, unaltered and in force?"""
    result = None
    status = 200
    if request.method == "POST":
        # Anonymous: limited per client address, and the size judged before the body is read.
        if not ratelimit.consume(request, action="verify_agreement"):
            return render(request, "429.html", status=429)
        if (int_or_none(request.META.get("CONTENT_LENGTH")) or 0) > MAX_VERIFY_BYTES:
            form = VerifyForm(data={})
            form.full_clean()
            form.errors.clear()
            form.add_error(None, _("The file is larger than 5 MB; an executed agreement is far smaller."))
            return render(request, "agreements/verify.html", {"form": form, "result": None}, status=413)
    form = VerifyForm(request.POST or None, request.FILES or None)
    if request.method == "POST":
        if form.is_valid():
            upload = form.cleaned_data.get("file")
            result = svc.verify(data=b"".join(upload.chunks()) if upload else None,
                                number=form.cleaned_data.get("number", ""), sha256=form.cleaned_data.get("sha256", ""))
        else:
            status = 400
    return render(request, "agreements/verify.html", {"form": form, "result": result}, status=status)


