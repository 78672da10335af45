"""Program officers create calls and set them up in the portal's own pages."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST, require_safe

from applications.forms import CallForm, ClauseForm, FieldForm, LevelForm, RequirementForm, RuleForm, SectionForm
from applications.models import Program
from applications.selectors import call_for_officer, current_form, rules_described, standard_clauses
from applications.services import calls
from portal.http import client_ip, int_or_none


def _officer_programs(user):
    programs = Program.objects.order_by("name_ko")
    return programs if user.is_superuser else programs.filter(officer_links__user=user)


@login_required
def call_create(request: HttpRequest) -> HttpResponse:
    programs = _officer_programs(request.user)
    if not programs.exists():
        raise PermissionDenied(_("This page is for program officers."))
    program = None
    form = CallForm(request.POST or None)
    if request.method == "POST":
        chosen = request.POST.get("program", "")
        program = programs.filter(pk=int_or_none(chosen)).first() if int_or_none(chosen) is not None else None
        if form.is_valid() and program is None:
            form.add_error(None, _("Choose one of your programs."))
    if request.method == "POST" and form.is_valid():
        try:
            call = calls.call_create(user=request.user, program=program, data=form.cleaned_data, ip=client_ip(request))
        except ValidationError as exc:
            form.add_error(None, exc.messages[0])
        else:
            messages.success(request, _("The call was created. Set up its levels, documents, rules and form before it opens."))
            return redirect("officer_call_setup", pk=call.pk)
    return render(request, "officer/call_form.html", {"form": form, "programs": programs, "program": program},
                  status=400 if form.errors else 200)


def _setup_context(call, **forms) -> dict:
    form_version = current_form(call)
    sections = list(form_version.sections.prefetch_related("fields")) if form_version else []
    rules = rules_described(list(call.rules.all()))
    clause_set, next_clause_set = standard_clauses(call, today=timezone.localdate())
    return {
        "call": call,
        "opened": call.has_opened(),
        "publish_problems": [] if call.is_published else calls.publish_problems(call),
        "call_form": forms.get("call_form") or CallForm(instance=call),
        "level_form": forms.get("level_form") or LevelForm(),
        "requirement_form": forms.get("requirement_form") or RequirementForm(),
        "rule_form": forms.get("rule_form") or RuleForm(),
        "section_form": forms.get("section_form") or SectionForm(),
        "field_form": forms.get("field_form") or FieldForm(),
        "clause_form": forms.get("clause_form") or ClauseForm(),
        "clauses": call.clause_templates.all(),
        "clause_set": clause_set,
        "next_clause_set": next_clause_set,
        "family_missing": call.program.family_missing(),
        "levels": call.levels.all(),
        "requirements": call.required_documents.all(),
        "rules": rules,
        "form_version": form_version,
        "sections": sections,
        "attachments": call.attachments.all(),
    }


@login_required
@require_safe
def call_setup(request: HttpRequest, pk: int) -> HttpResponse:
    call = call_for_officer(request.user, pk)
    return render(request, "officer/call_setup.html", _setup_context(call))


def _setup_post(request: HttpRequest, pk: int, form_name: str, form, action) -> HttpResponse:
    """Validate `form`, run `action(call, cleaned_data)` with the call locked, come back."""
    call = call_for_officer(request.user, pk)
    if form.is_valid():
        try:
            action(call, form.cleaned_data)
        except ValidationError as exc:
            for message in exc.messages:
                form.add_error(None, message)
        else:
            messages.success(request, _("Saved."))
            return redirect("officer_call_setup", pk=call.pk)
        call.refresh_from_db()
    messages.error(request, _("Not saved: see the messages in the form."))
    return render(request, "officer/call_setup.html", _setup_context(call, **{form_name: form}), status=400)


@login_required
@require_POST
def call_basics(request: HttpRequest, pk: int) -> HttpResponse:
    form = CallForm(request.POST, instance=call_for_officer(request.user, pk))

    def update(call, data):
        # Only what the officer changed; fixed fields are disabled and never "changed".
        calls.call_update(user=request.user, call=call, data={k: data[k] for k in form.changed_data}, ip=client_ip(request),
                        confirmed=request.POST.get("confirm_publish") == "yes")

    return _setup_post(request, pk, "call_form", form, update)


@login_required
@require_POST
def level_add(request: HttpRequest, pk: int) -> HttpResponse:
    return _setup_post(request, pk, "level_form", LevelForm(request.POST),
                       lambda call, data: calls.level_add(user=request.user, call=call, data=data))


@login_required
@require_POST
def requirement_add(request: HttpRequest, pk: int) -> HttpResponse:
    return _setup_post(request, pk, "requirement_form", RequirementForm(request.POST),
                       lambda call, data: calls.requirement_add(user=request.user, call=call, data=data))


@login_required
@require_POST
def rule_add(request: HttpRequest, pk: int) -> HttpResponse:
    return _setup_post(request, pk, "rule_form", RuleForm(request.POST),
                       lambda call, data: calls.rule_add(user=request.user, call=call, kind=data["kind"], params=data["params"],
                                                       is_hard=data["is_hard"], group=data["group"], points=data["points"],
                                                       ip=client_ip(request)))


@login_required
@require_POST
def section_add(request: HttpRequest, pk: int) -> HttpResponse:
    return _setup_post(request, pk, "section_form", SectionForm(request.POST),
                       lambda call, data: calls.form_section_add(user=request.user, call=call, **data))


@login_required
@require_POST
def field_add(request: HttpRequest, pk: int, section_pk: int) -> HttpResponse:
    def add(call, data):
        fields = {k: v for k, v in data.items() if k not in {"choices_text"}}
        calls.form_field_add(user=request.user, call=call, section_id=section_pk, data=fields)

    return _setup_post(request, pk, "field_form", FieldForm(request.POST), add)


@login_required
@require_POST
def clause_add(request: HttpRequest, pk: int) -> HttpResponse:
    from django.core.exceptions import ValidationError as ModelValidationError

    def add(call, data):
        try:
            calls.clause_add(user=request.user, call=call, **data)
        except ModelValidationError as exc:
            raise ValidationError(exc.messages) from exc

    return _setup_post(request, pk, "clause_form", ClauseForm(request.POST), add)


@login_required
@require_POST
def item_delete(request: HttpRequest, pk: int, kind: str, item_pk: int) -> HttpResponse:
    deleters = {
        "level": lambda call: calls.level_delete(user=request.user, call=call, level_id=item_pk),
        "requirement": lambda call: calls.requirement_delete(user=request.user, call=call, requirement_id=item_pk),
        "rule": lambda call: calls.rule_delete(user=request.user, call=call, rule_id=item_pk, ip=client_ip(request)),
        "field": lambda call: calls.form_field_delete(user=request.user, call=call, field_id=item_pk),
        "clause": lambda call: calls.clause_delete(user=request.user, call=call, clause_id=item_pk),
    }
    call = call_for_officer(request.user, pk)
    try:
        deleters[kind](call)
    except ValidationError as exc:
        messages.error(request, exc.messages[0])
    else:
        messages.success(request, _("Removed."))
    return redirect("officer_call_setup", pk=pk)


@login_required
@require_POST
def attachment_add(request: HttpRequest, pk: int) -> HttpResponse:
    call = call_for_officer(request.user, pk)
    upload = request.FILES.get("file")
    title = (request.POST.get("title") or "").strip()[:200]
    if upload is None or not title:
        messages.error(request, _("Give a title and choose a PDF file."))
    else:
        try:
            calls.attachment_add(user=request.user, call=call, title=title, upload=upload)
        except ValidationError as exc:
            messages.error(request, exc.messages[0])
        else:
            messages.success(request, _("Saved."))
    return redirect("officer_call_setup", pk=pk)


