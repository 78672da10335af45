"""What a company's people do: start, fill in steps (saved as they type), upload,
submit, follow and withdraw."""

from __future__ import annotations

import datetime

from allauth.core.internal import ratelimit as ratelimit_internal
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import FileResponse, Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from applications import eligibility, lifecycle
from applications.budget import compute_budget, rules_of
from applications.eligibility import OTHER_SUPPORT
from applications.forms import (
    BudgetLineFormSet,
    DeclarationsForm,
    GrantForm,
    OtherSupportFormSet,
    OverviewForm,
    UploadForm,
    WithdrawForm,
    answer_form_class,
)
from applications.models import (
    WITHDRAWABLE,
    Agreement,
    Application,
    ApplicationCopy,
    FieldType,
    FormField,
    FormSection,
    FormStep,
    Notification,
    PlaceOffer,
    State,
    is_section_step,
    section_id_of,
)
from applications.pdf import render_pdf
from applications.selectors import application_for_user, applications_for_user, beside_applications, call_for_public, timeline
from applications.services import submission
from applications.services.copies import copy_context, copy_request
from applications.services.notify import notifications_mark_read
from applications.status import application_status
from applications.views.steps import neighbours, steps_of
from portal.confirm import Confirmation, confirmation_page, confirmed
from portal.formatting import file_size, won
from portal.http import arrived_at, body_limit, client_ip, int_or_none
from portal.identifiers import format_business_number
from portal.limits import REASON_MAX
from portal.models import Company
from portal.uploads import document_response

EDIT = "applications.edit_application"


@login_required
@require_POST
def application_start(request: HttpRequest, code: str) -> HttpResponse:
    call = call_for_public(request.user, code)
    company_id = request.POST.get("company", "")
    pk = int(company_id) if company_id.isascii() and company_id.isdigit() and len(company_id) < 18 else 0
    company = get_object_or_404(Company, pk=pk, memberships__user=request.user)
    try:
        application, created = submission.application_start(user=request.user, call=call, company=company, ip=client_ip(request))
    except ValidationError as exc:
        messages.error(request, exc.messages[0])
        return redirect("call_detail", code=call.code)
    if not created:
        messages.info(request, _("%(company)s already has an application to this call; here it is.") % {"company": company.name})
    return redirect("application_step", pk=application.pk, step=FormStep.OVERVIEW)


@login_required
@require_safe
def dashboard(request: HttpRequest) -> HttpResponse:
    now = timezone.now()
    return render(request, "applications/dashboard.html", {"applications": applications_for_user(request.user, now=now), "now": now,
                                                           "soon": now + datetime.timedelta(days=1)})


def result_context(application) -> dict:
    """The company's own result and breakdown, never the reviewers' names or scores."""
    item = lifecycle.current_item(application)
    if item is None or application.state == State.UNDER_REVIEW:
        return {}
    criteria = {str(c.pk): c for c in item.round.call.rubric.criteria.all()}
    breakdown = [(criteria[k].name, v, criteria[k].max_score, criteria[k].weight) for k, v in item.breakdown.items() if k in criteria]
    deadline = item.appeal_closes_at
    appeals = list(application.appeals.all())
    appealed = any(a.item_id == item.pk for a in appeals)
    return {
        "result": item,
        "breakdown": breakdown,
        "appeal_until": deadline,
        "can_appeal": application.state in (State.REJECTED, State.WAITLISTED) and timezone.now() < deadline and not appealed,
        "appeals": appeals,
        "offer": application.offers.filter(outcome=PlaceOffer.Outcome.OPEN).first() if application.state == State.OFFERED else None,
    }


@login_required
@require_safe
def application_detail(request: HttpRequest, pk: int) -> HttpResponse:
    application = application_for_user(request.user, pk)
    can_withdraw = request.user.has_perm("applications.withdraw_application", application) and application.state in WITHDRAWABLE
    result = result_context(application)
    return render(
        request,
        "applications/detail.html",
        result | {
            "application": application,
            "FormStep": FormStep,
            "status": application_status(state=application.state, decision=result["result"].decision if result else ""),
            "events": timeline(application),
            "can_edit": request.user.has_perm(EDIT, application) and (application.state != State.DRAFT or application.call.is_open()),
            "revision": application.open_revision() if application.state == State.REVISION_REQUESTED else None,
            "agreement": Agreement.objects.filter(application=application).first(),
            # What follows an executed agreement (its project), from the apps above.
            "beside": beside_applications(request.user, [application.pk]).get(application.pk, [])
            if application.state == State.CONTRACTED else [],
            "revision_steps": _revision_steps(application),
            "can_withdraw": can_withdraw,
            "withdraw_form": WithdrawForm(),
            "budget": submission.budget_of(application) if application.budget_lines.exists() else None,
        },
    )


def _step_context(application: Application, slug: str) -> dict:
    steps = steps_of(application)
    revision = application.open_revision() if application.state == State.REVISION_REQUESTED else None
    if revision is not None:
        # Under revision, only the parts the officer named (and the review) are offered.
        steps = [s for s in steps if s.slug in revision.steps or s.slug == FormStep.REVIEW]
    if slug not in {s.slug for s in steps}:
        raise Http404(_("No such step."))
    previous, following = neighbours(steps, slug)
    return {"application": application, "steps": steps, "current": slug, "previous": previous, "next": following,
            "call": application.call, "revision": revision, "FormStep": FormStep}


# One POST carries one file: no call lets a file be larger than 200 MB (Call.max_file_mb), so a
# larger body is refused by its declared length before anything reads it. The call's own,
# smaller limits are checked in _documents.
MAX_STEP_BODY_BYTES = (200 + 1) * 1024 * 1024


def _step_too_large(request: HttpRequest) -> HttpResponse:
    messages.error(request, _("The file is larger than 200 MB, more than any call accepts. Nothing was uploaded."))
    return redirect(request.path)


@body_limit(MAX_STEP_BODY_BYTES, _step_too_large)
@login_required
def application_step(request: HttpRequest, pk: int, step: str) -> HttpResponse:
    application = application_for_user(request.user, pk)
    if not request.user.has_perm("applications.submit_application", application):
        raise PermissionDenied(_("Only the company's members may change its application."))
    if not request.user.has_perm(EDIT, application):
        if application.state != State.DRAFT:
            messages.info(request, _("This application was submitted; it can no longer be edited."))
            return redirect("application_detail", pk=application.pk)
        raise PermissionDenied
    try:
        context = _step_context(application, step)
    except Http404:
        if application.state == State.REVISION_REQUESTED:
            messages.info(request, _("Only the parts named in the revision request can be changed."))
            return redirect("application_detail", pk=application.pk)
        raise
    handler = _section if is_section_step(step) else _STEP_HANDLERS[step]
    if request.method == "POST":
        try:
            return handler(request, application, step, context, post=True)
        except ValidationError as exc:
            messages.error(request, exc.messages[0])
            return redirect("application_detail", pk=application.pk)
    return handler(request, application, step, context, post=False)


def _go_on(request, context, errors: bool) -> HttpResponse | None:
    if errors:
        messages.warning(request, _("Saved. Some answers need attention; they are marked below."))
        return None
    messages.success(request, _("Saved."))
    target = context["next"] if request.POST.get("go") == "next" and context["next"] else None
    if request.POST.get("go") == "previous" and context["previous"]:
        target = context["previous"]
    return redirect(target.url if target else request.path)


def _revision_steps(application: Application) -> list:
    revision = application.open_revision() if application.state == State.REVISION_REQUESTED else None
    if revision is None:
        return []
    return [s for s in steps_of(application) if s.slug in revision.steps]


def _back(request: HttpRequest, application: Application) -> str:
    """Where to return after an upload or removal: the step it came from, if it is one of
    this application's pages."""
    back = request.POST.get("back", "")
    if back.startswith(f"/applications/{application.pk}/") and "//" not in back:
        return back
    return reverse("application_step", args=[application.pk, FormStep.DOCUMENTS])


def _overview(request, application, step, context, *, post: bool):
    if post:
        form = OverviewForm(request.POST, call=application.call)
        form.is_valid()
        level = request.POST.get("support_level") or None
        application, errors = submission.application_save_draft(
            user=request.user, application_id=application.pk, project_title=request.POST.get("project_title", ""),
            support_level_id=int_or_none(level), **_supplier(request, application),
        )
        context["application"] = application
        for key, message in errors.items():
            form.add_error(key if key in form.fields else None, message)
        response = _go_on(request, context, bool(errors))
        if response:
            return response
    else:
        form = OverviewForm(initial={"project_title": application.project_title, "support_level": application.support_level_id,
                                     "supplier_name": application.supplier_name,
                                     "supplier_business_number": format_business_number(application.supplier_business_number)},
                            call=application.call)
    context.update(form=form, autosave=True)
    return render(request, "applications/step_overview.html", context)


def _supplier(request: HttpRequest, application: Application) -> dict:
    """The solution supplier's fields, when the call's program names one (else nothing is saved)."""
    if not application.call.program.names_supplier:
        return {}
    return {"supplier_name": request.POST.get("supplier_name"), "supplier_business_number": request.POST.get("supplier_business_number")}


def _section(request, application, step, context, *, post: bool):
    section = get_object_or_404(FormSection, pk=section_id_of(step), form=application.form_version)
    fields = [f for f in section.fields.order_by("order", "pk") if f.type != FieldType.FILE]
    file_fields = [f for f in section.fields.order_by("order", "pk") if f.type == FieldType.FILE]
    form_class = answer_form_class(fields)
    if post:
        raw = {f.key: (request.POST.getlist(f.key) if f.type == FieldType.MULTI_CHOICE else request.POST.get(f.key, "")) for f in fields}
        application, errors = submission.application_save_draft(user=request.user, application_id=application.pk, answers=raw)
        context["application"] = application
        form = form_class(request.POST)
        form.is_valid()
        for key, message in errors.items():
            form.add_error(key, message)
        response = _go_on(request, context, bool(errors))
        if response:
            return response
    else:
        form = form_class(initial=application.answers)
    uploaded = {d.field_key: d for d in application.documents.exclude(field_key="")}
    errors = _upload_errors(request)
    context.update(form=form, section=section, file_fields=[(f, uploaded.get(f.key), errors.get(f"upload-{f.key}", "")) for f in file_fields],
                   upload_form=UploadForm(), autosave=True)
    return render(request, "applications/step_section.html", context)


@login_required
@require_POST
def budget_preview(request: HttpRequest, pk: int) -> HttpResponse:
    """The budget's totals and what breaks the call's rules, for the lines as typed — nothing
    is saved. static/js/budget-live.js puts the answer in place as the applicant types; the
    rules are the server's, never a copy in the browser."""

    application = application_for_user(request.user, pk, perm=EDIT)
    partner = application.call.min_partner_share_bp > 0
    formset = BudgetLineFormSet(request.POST, prefix="lines")
    grant_form = GrantForm(request.POST, partner=partner)
    if not (formset.is_valid() and grant_form.is_valid()):
        return render(request, "applications/includes/budget_totals.html", {"unreadable": True})
    lines = [(f.cleaned_data["amount"], bool(f.cleaned_data.get("is_in_kind"))) for f in formset if f.cleaned_data.get("amount")]
    budget = compute_budget(rules=rules_of(application), line_amounts=lines, grant=grant_form.cleaned_data.get("grant_requested") or 0,
                            partner=grant_form.cleaned_data.get("partner_amount") or 0)
    return render(request, "applications/includes/budget_totals.html", {"budget": budget, "partner": partner})


def _budget(request, application, step, context, *, post: bool):
    partner = application.call.min_partner_share_bp > 0
    if post:
        formset = BudgetLineFormSet(request.POST, prefix="lines")
        grant_form = GrantForm(request.POST, partner=partner)
        if formset.is_valid() and grant_form.is_valid():
            lines = [f.cleaned_data for f in formset if f.cleaned_data.get("amount")]
            budget = submission.budget_save(user=request.user, application_id=application.pk, lines=lines,
                                     grant_requested=grant_form.cleaned_data.get("grant_requested") or 0,
                                     partner_amount=grant_form.cleaned_data.get("partner_amount") or 0)
            application.refresh_from_db()
            if request.POST.get("go") == "add_rows":
                return redirect(f"{request.path}?rows={len(lines) + 3}")
            response = _go_on(request, context, not budget.is_valid)
            if response:
                return response
        else:
            messages.error(request, _("Some lines could not be read; they are marked below. Nothing was changed."))
            budget = submission.budget_of(application)
            context.update(formset=formset, grant_form=grant_form, budget=budget)
            return render(request, "applications/step_budget.html", context, status=400)
    lines = list(application.budget_lines.all())
    budget = submission.budget_of(application, lines)
    initial = [{"category": l.category, "description": l.description, "amount": l.amount, "is_in_kind": l.is_in_kind} for l in lines]
    try:
        rows = max(int(request.GET.get("rows", 0)), len(initial) + 1)
    except ValueError:
        rows = len(initial) + 3
    formset = BudgetLineFormSet(initial=initial, prefix="lines")
    formset.extra = max(rows - len(initial), 1 if initial else 3)
    if "rows" in request.GET and len(formset.forms) > len(initial):
        # After "save and add rows" the keyboard continues in the first new row.
        formset.forms[len(initial)].fields["category"].widget.attrs["autofocus"] = True
    context.update(formset=formset, budget=budget, grant_form=_grant_form(application, budget, partner),
                   page_errors=bool(budget.errors and (budget.total or budget.grant)))
    return render(request, "applications/step_budget.html", context)


def _grant_form(application: Application, budget, partner: bool) -> GrantForm:
    """The grant fields as saved. A grant over the call's limits is that field's error: shown
    under its label, and the input marked invalid and described by it."""
    if not (budget.grant_errors and budget.total):
        return GrantForm(initial={"grant_requested": application.grant_requested, "partner_amount": application.partner_amount},
                         partner=partner)
    form = GrantForm({"grant_requested": f"{application.grant_requested:,}", "partner_amount": f"{application.partner_amount:,}"},
                     partner=partner)
    form.is_valid()
    for error in budget.grant_errors:
        form.add_error("grant_requested", error)
    return form


def _documents(request, application, step, context, *, post: bool):
    if post:
        form = UploadForm(request.POST, request.FILES)
        requirement = request.POST.get("requirement")
        field_key = request.POST.get("field_key", "")
        total_limit = application.call.max_total_mb * 1024 * 1024
        # The file input the upload came from: its error is shown under it (_upload_errors).
        target = f"upload-{field_key}" if field_key else f"upload-{int_or_none(requirement)}"
        if int(request.META.get("CONTENT_LENGTH") or 0) > total_limit + 1024 * 1024:
            messages.error(request, _("The upload is larger than the application's limit of %(limit)d MB.") % {"limit": application.call.max_total_mb},
                           extra_tags=target)
        elif not form.is_valid():
            messages.error(request, _("Choose a file to upload."), extra_tags=target)
        else:
            try:
                document = submission.document_upload(
                    user=request.user, application_id=application.pk, upload=form.cleaned_data["file"],
                    requirement_id=int_or_none(requirement),
                    field_key=field_key, ip=client_ip(request),
                )
            except ValidationError as exc:
                messages.error(request, exc.messages[0], extra_tags=target)
            else:
                messages.success(request, _("%(name)s was uploaded.") % {"name": document.original_name})
        return redirect(_back(request, application))
    documents = list(application.documents.select_related("requirement"))
    by_requirement: dict[int, list] = {}
    for document in documents:
        if document.requirement_id:
            by_requirement.setdefault(document.requirement_id, []).append(document)
    errors = _upload_errors(request)
    requirements = [(r, by_requirement.get(r.pk, []), errors.get(f"upload-{r.pk}", "")) for r in application.call.required_documents.all()]
    used = sum(d.size for d in documents)
    context.update(requirements=requirements, upload_form=UploadForm(), used_size=file_size(used),
                   multi_file_kinds=submission.MULTI_FILE_KINDS)
    return render(request, "applications/step_documents.html", context)


def _upload_errors(request: HttpRequest) -> dict[str, str]:
    """The upload errors reported on this page, by the id of the file input they concern
    (the message's extra tag), so that each is shown under its input and described by it."""
    return {message.extra_tags: str(message) for message in messages.get_messages(request)
            if message.level == messages.ERROR and message.extra_tags.startswith("upload-")}


def _declarations(request, application, step, context, *, post: bool):
    if post:
        form = DeclarationsForm(request.POST)
        form.is_valid()
        # The rows of support from other agencies; a post without the table leaves them as they are.
        formset = OtherSupportFormSet(request.POST, prefix="support") if "support-TOTAL_FORMS" in request.POST else None
        if formset is not None and not formset.is_valid():
            messages.error(request, _("Some lines could not be read; they are marked below. Nothing was changed."))
            context.update(form=form, formset=formset)
            return render(request, "applications/step_declarations.html", context, status=400)
        declared = {k: v for k, v in form.cleaned_data.items() if v is not None}
        rows = None if formset is None else [row for row in (f.row() for f in formset) if row]
        try:
            application, errors = submission.application_save_draft(user=request.user, application_id=application.pk,
                                                              declarations=declared, other_support=rows)
        except ValidationError as exc:
            if not (exc.code or "").startswith("other_support"):
                raise
            messages.error(request, exc.messages[0])
            form.add_error(OTHER_SUPPORT, exc.messages[0])
            context.update(form=form, formset=formset)
            return render(request, "applications/step_declarations.html", context, status=400)
        context["application"] = application
        if errors:
            form.add_error(OTHER_SUPPORT, errors[OTHER_SUPPORT])
        response = _go_on(request, context, bool(errors))
        if response:
            return response
    else:
        form = DeclarationsForm(initial={k: ("yes" if v else "no") for k, v in application.declarations.items()})
    rows = list(application.other_agency_support.all())
    formset = OtherSupportFormSet(initial=[{"agency": r.agency, "program": r.program, "amount": r.amount} for r in rows], prefix="support")
    formset.extra = max(3 - len(rows), 1)
    context.update(form=form, formset=formset)
    return render(request, "applications/step_declarations.html", context)


def _review(request, application, step, context, *, post: bool):
    problems, results = submission.submission_problems(application, arrived=arrived_at(request))
    context.update(copy_context(application), problems=problems, results=results, PASS=eligibility.PASS, FAIL=eligibility.FAIL)
    return render(request, "applications/step_review.html", context)


@login_required
@require_safe
def preview_pdf(request: HttpRequest, pk: int) -> HttpResponse:
    """The review step as a PDF, marked 제출 전 미리보기: the copy's own template and renderer,
    rendered here and now rather than by the worker like the copy — a draft changes as the
    applicant types, so there is nothing worth storing, and the applicant is waiting for it."""

    application = application_for_user(request.user, pk)
    if not request.user.has_perm("applications.submit_application", application):
        raise PermissionDenied(_("Only the company's members may change its application."))
    if not request.user.has_perm(EDIT, application):
        messages.info(request, _("This application was submitted; it can no longer be edited."))
        return redirect("application_detail", pk=application.pk)
    # allauth's public consume() leaves GET alone; its rates and counters serve a page too.
    if not ratelimit_internal.consume(request, app="allauth.account", action="preview_pdf", limit_get=True):
        return render(request, "429.html", status=429)
    _problems, results = submission.submission_problems(application)
    data = render_pdf("applications/pdf/copy.html", copy_context(application) | {
        "printed_at": timezone.now(), "draft": True, "results": results, "PASS": eligibility.PASS, "FAIL": eligibility.FAIL},
        title=f"{application.call.title} 제출 전 미리보기")
    response = HttpResponse(data, content_type="application/pdf")
    response["Content-Disposition"] = 'inline; filename="preview.pdf"'
    response["Cache-Control"] = "no-store"
    return response


_STEP_HANDLERS = {
    FormStep.OVERVIEW: _overview,
    FormStep.BUDGET: _budget,
    FormStep.DOCUMENTS: _documents,
    FormStep.DECLARATIONS: _declarations,
    FormStep.REVIEW: _review,
}


def autosave(request: HttpRequest, pk: int) -> JsonResponse:
    """Called by static/js/autosave.js as the applicant types. Answers in JSON, never a
    redirect: the page must know when the session has ended so it can keep the text."""
    if not request.user.is_authenticated:
        return JsonResponse({"error": _("Your session has ended. Sign in again; what you typed is kept in this browser.")}, status=401)
    if request.method != "POST":
        return JsonResponse({"error": "POST only"}, status=405)
    step = request.POST.get("step", "")
    try:
        application = application_for_user(request.user, pk, perm=EDIT)
        if step == FormStep.OVERVIEW:
            level = request.POST.get("support_level") or None
            application, errors = submission.application_save_draft(
                user=request.user, application_id=pk, project_title=request.POST.get("project_title"),
                support_level_id=int_or_none(level), **_supplier(request, application),
            )
        elif is_section_step(step):
            application = application_for_user(request.user, pk, perm=EDIT)
            keys = FormField.objects.filter(section_id=section_id_of(step), section__form=application.form_version)
            raw = {f.key: (request.POST.getlist(f.key) if f.type == FieldType.MULTI_CHOICE else request.POST.get(f.key, ""))
                   for f in keys if f.key in request.POST or f.type == FieldType.MULTI_CHOICE}
            application, errors = submission.application_save_draft(user=request.user, application_id=pk, answers=raw)
        else:
            return JsonResponse({"error": "unknown step"}, status=400)
    except ValidationError as exc:
        return JsonResponse({"error": exc.messages[0]}, status=409)
    except (PermissionDenied, Http404):
        return JsonResponse({"error": _("This application can no longer be edited.")}, status=403)
    saved_at = timezone.localtime(application.updated_at).strftime("%H:%M:%S")
    return JsonResponse({"saved_at": saved_at, "revision": application.draft_revision, "errors": errors})


@login_required
@require_POST
def document_delete(request: HttpRequest, pk: int, document_pk: int) -> HttpResponse:
    application = application_for_user(request.user, pk, perm=EDIT)
    try:
        submission.document_delete(user=request.user, application_id=application.pk, document_id=document_pk, ip=client_ip(request))
    except ValidationError as exc:
        messages.error(request, exc.messages[0])
    else:
        messages.success(request, _("The file was removed."))
    return redirect(_back(request, application))


@login_required
@require_safe
def document_download(request: HttpRequest, pk: int, document_pk: int) -> FileResponse:
    application = application_for_user(request.user, pk)
    document = get_object_or_404(application.documents, pk=document_pk)
    return document_response(document)


@login_required
@require_POST
def submit(request: HttpRequest, pk: int) -> HttpResponse:
    arrived = arrived_at(request)
    if confirmed(request) or not lifecycle.needs_confirmation("application", "submit", "resubmit"):
        try:
            # One locked read of the application, which is also the access check.
            application, resent = lifecycle.application_send(user=request.user, application_id=pk, now=arrived, ip=client_ip(request))
        except (lifecycle.TransitionRefused, lifecycle.StaleState) as exc:
            messages.error(request, exc.messages[0])
            return redirect("application_detail", pk=pk)
        except lifecycle.SubmissionRefused as refused:
            return _review_again(request, application_for_user(request.user, pk), problems=refused.problems, refused=True)
        if resent:
            messages.success(request, _("The revised application was sent back for screening."))
            return redirect("application_detail", pk=application.pk)
        return redirect("application_receipt", pk=application.pk)
    application = application_for_user(request.user, pk)
    if not request.user.has_perm("applications.submit_application", application):
        raise PermissionDenied(_("Only the company's members may change its application."))
    # Irreversible: the applicant ticks that they have read what submission means.
    return _review_again(request, application, problems=None, confirm_missing=True)


def _review_again(request: HttpRequest, application: Application, *, problems: list[str] | None, **flags) -> HttpResponse:
    """The review step again (status 400): what stands in the way (`problems`, or those found
    now), or the unticked box."""
    found, results = submission.submission_problems(application, arrived=arrived_at(request)) if application.is_editable else ([], [])
    context = _step_context(application, FormStep.REVIEW)
    context.update(copy_context(application), problems=found if problems is None else problems, results=results,
                   PASS=eligibility.PASS, FAIL=eligibility.FAIL, **flags)
    return render(request, "applications/step_review.html", context, status=400)


@login_required
@require_safe
def receipt(request: HttpRequest, pk: int) -> HttpResponse:
    application = application_for_user(request.user, pk)
    if not application.receipt_number:
        return redirect("application_detail", pk=application.pk)
    return render(request, "applications/receipt.html", {"application": application})


@login_required
@require_safe
def copy(request: HttpRequest, pk: int) -> HttpResponse:
    """The applicant's own copy: exactly what was submitted, read-only, with its PDF."""

    application = application_for_user(request.user, pk)
    if not application.receipt_number:
        messages.info(request, _("A copy exists once the application is submitted."))
        return redirect("application_detail", pk=application.pk)
    pdf = ApplicationCopy.objects.filter(application=application, event_head=application.event_head).first()
    return render(request, "applications/copy.html", copy_context(application) | {
        "pdf": pdf, "can_request_pdf": request.user.has_perm("applications.submit_application", application)})


@login_required
@require_http_methods(["GET", "POST"])
def copy_pdf(request: HttpRequest, pk: int) -> HttpResponse:
    """POST: ask for the PDF (rendered by the worker); GET: download it once it is ready."""

    application = application_for_user(request.user, pk)
    if not application.receipt_number:
        return redirect("application_detail", pk=application.pk)
    if request.method == "POST":
        if not request.user.has_perm("applications.submit_application", application):
            raise PermissionDenied(_("Only the company's members may ask for its copy."))
        copy_request(user=request.user, application=application)
        messages.success(request, _("Your PDF copy is being prepared; it appears on this page in a moment."))
        return redirect("application_copy", pk=application.pk)
    pdf = ApplicationCopy.objects.filter(application=application, event_head=application.event_head,
                                         status=ApplicationCopy.Status.DONE).first()
    if pdf is None:
        messages.info(request, _("The PDF copy is not ready yet."))
        return redirect("application_copy", pk=application.pk)
    return FileResponse(pdf.pdf.open("rb"), as_attachment=True, filename=f"{application.receipt_number}.pdf",
                        content_type="application/pdf")


@login_required
@require_http_methods(["GET", "POST"])
def withdraw(request: HttpRequest, pk: int) -> HttpResponse:
    """Giving up (포기) ends the application for good: GET and an unconfirmed POST show what
    is lost, with the grant; a POST with the box ticked withdraws."""
    application = application_for_user(request.user, pk)
    if not request.user.has_perm("applications.withdraw_application", application):
        raise PermissionDenied(_("Only the company's members may change its application."))
    if application.state not in WITHDRAWABLE:
        messages.error(request, _("This application can no longer be withdrawn."))
        return redirect("application_detail", pk=application.pk)
    form = WithdrawForm(request.POST if request.method == "POST" else None)
    # The state the confirmation described comes back with it; without it nothing is done.
    expected = request.POST.get("expected_state", "")
    if (lifecycle.needs_confirmation("application", "withdraw") and not (confirmed(request) and expected)) or not form.is_valid():
        if request.method == "POST" and request.POST.get("step") != "confirm":
            form = WithdrawForm(initial={"reason": request.POST.get("reason", "")[:REASON_MAX]})
        return confirmation_page(request, _withdrawal_confirmation(application, form),
                                 status=400 if confirmed(request) else 200)
    try:
        lifecycle.application_withdraw(user=request.user, application_id=application.pk, reason=form.cleaned_data["reason"],
                                       expected_state=expected or None, ip=client_ip(request))
    except ValidationError as exc:
        messages.error(request, exc.messages[0])
    except PermissionDenied as exc:
        messages.error(request, str(exc) or _("This application can no longer be withdrawn."))
    else:
        messages.success(request, _("The application was withdrawn."))
    return redirect("application_detail", pk=application.pk)


def _withdrawal_confirmation(application: Application, form: WithdrawForm) -> Confirmation:
    if application.state == State.SELECTED:
        stake = _("This application was selected with a government grant of %(grant)s. Withdrawing gives up that grant; "
                  "the place may be offered to another company.") % {"grant": won(application.grant_awarded)}
        facts = [(_("Grant awarded"), won(application.grant_awarded))]
    else:
        stake = _("Withdrawing also gives up the government grant of %(grant)s requested.") % {"grant": won(application.grant_requested)}
        facts = [(_("Grant requested"), won(application.grant_requested))]
    return Confirmation(
        heading=_("Withdraw the application"),
        consequences=[stake, _("Withdrawing ends this application. It cannot be undone, and the company cannot apply to this call again.")],
        facts=[(_("Call"), application.call.title), (_("Company"), application.company.name)] + facts,
        form=form,
        confirm_label=_("I understand that the application is withdrawn for good."),
        button=_("Withdraw the application"),
        action=reverse("application_withdraw", args=[application.pk]),
        back_url=reverse("application_detail", args=[application.pk]),
        hidden=[("expected_state", application.state)],
    )


@login_required
@require_safe
def notifications(request: HttpRequest) -> HttpResponse:

    notices = list(Notification.objects.filter(user=request.user).order_by("-created_at")[:100])
    return render(request, "applications/notifications.html", {"notices": notices})


@login_required
@require_POST
def notifications_read(request: HttpRequest) -> HttpResponse:
    notifications_mark_read(user=request.user)
    return redirect("notifications")
