"""The officer's desk: the queue of submitted applications, one application with its
screening actions, the call dashboard and exports."""

from __future__ import annotations

import hashlib

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import FileResponse, Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST, require_safe

from applications import lifecycle
from applications.forms import BulkForm, IneligibleForm, QueueFilter, RevisionRequestForm
from applications.models import Agreement, Export, RevisionRequest, RuleKind, State
from applications.selectors import (
    QUEUE_COLUMNS,
    application_for_user,
    call_for_officer,
    call_statistics,
    calls_for_officer,
    queue_for_officer,
    queue_rows,
    timeline,
)
from applications.services import exports
from applications.services.copies import declared_at_each_sending, other_support_shown, submitted_answers
from applications.services.submission import budget_of, prior_grants
from applications.status import announced_decision, application_status
from applications.views.steps import steps_of
from portal import codelists, page_cache
from portal.duties import ConflictOfInterest, tie_with
from portal.formatting import deadline
from portal.http import client_ip
from portal.models import Region

PAGE_SIZE = 50
QUEUE_FILTER_SECONDS = 300


# The screening decisions the box on the officer's application page offers.
SCREENING_ACTIONS = {"begin_screening", "pass_screening", "request_revision", "declare_ineligible"}


def _require_desk(user) -> None:
    if not user.has_perm("applications.use_queue"):
        raise PermissionDenied(_("This page is for program officers."))


@login_required
@require_safe
def queue(request: HttpRequest) -> HttpResponse:
    _require_desk(request.user)
    calls = list(calls_for_officer(request.user))
    form = QueueFilter(request.GET or None, calls=calls)
    filters = form.cleaned_data if form.is_valid() else {}
    applications = queue_for_officer(
        request.user, call_id=filters.get("call"), state=filters.get("state", ""), region=filters.get("region", ""),
        rule=filters.get("rule", ""), older_than_days=filters.get("older_than_days"), q=filters.get("q", ""),
        sort=filters.get("sort") or "submitted", call_ids=[c.pk for c in calls],
    )
    # Only the columns the table shows, as tuples; the labels from maps built once.
    page = Paginator(applications.values_list(*QUEUE_COLUMNS), PAGE_SIZE).get_page(request.GET.get("page"))
    page.object_list = queue_rows(page.object_list)
    query = request.GET.copy()
    query.pop("page", None)
    return render(request, "officer/queue.html", {"filter_form": _queue_filter_html(request, form), "page": page,
                                                  "query": query.urlencode(), "bulk_form": BulkForm()})


def _queue_filter_html(request: HttpRequest, form: QueueFilter) -> str:
    """The filter form's HTML, cached per officer, language and query: it changes only with
    the calls (the public pages' version, bumped by any call or program change) and the
    officer's programs (roles_version). A form with errors is rendered each time."""
    from django.core.cache import cache
    from django.template.loader import render_to_string
    from django.utils.safestring import mark_safe
    from django.utils.translation import get_language


    if form.is_bound and form.errors:
        return render_to_string("officer/includes/queue_filter.html", {"form": form}, request=request)
    digest = hashlib.sha256(request.GET.urlencode().encode()).hexdigest()[:32]
    key = f"queue-filter:{request.user.pk}:{request.user.roles_version}:{get_language()}:{page_cache.version()}:{digest}"
    html = cache.get(key)
    if html is None:
        html = render_to_string("officer/includes/queue_filter.html", {"form": form}, request=request)
        cache.set(key, html, QUEUE_FILTER_SECONDS)
    return mark_safe(html)


@login_required
@require_POST
def queue_bulk(request: HttpRequest) -> HttpResponse:
    _require_desk(request.user)
    form = BulkForm(request.POST)
    back = request.POST.get("back", "")
    back = back if back.startswith("/officer/queue/") and "//" not in back else "officer_queue"  # never off the queue
    if not form.is_valid():
        messages.error(request, _("Choose an action and at least one application."))
        return redirect(back)
    run = {"begin_screening": lifecycle.screening_begin, "pass_screening": lifecycle.screening_pass}[form.cleaned_data["action"]]
    done, refused = 0, []
    for application_id in form.cleaned_data["ids"]:
        label = f"#{application_id}"
        try:
            application = application_for_user(request.user, application_id)
            label = application.receipt_number or label
            run(user=request.user, application_id=application.pk, ip=client_ip(request))
            done += 1
        except (ValidationError, PermissionDenied, Http404) as exc:
            reason = exc.messages[0] if isinstance(exc, ValidationError) else (str(exc) if isinstance(exc, ConflictOfInterest) else _("not allowed"))
            refused.append(f"{label}: {reason}")
    if done:
        messages.success(request, _("%(n)d applications updated.") % {"n": done})
    for line in refused:
        messages.warning(request, line)
    return redirect(back)


def _review_context(request, application, **forms) -> dict:
    steps = steps_of(application)
    tie = tie_with(request.user, application.company)
    events = list(timeline(application, staff=True))
    return {
        "tie": tie,
        "company": application.company_submitted,
        "company_changes": application.company_changes(),
        "application": application,
        "status": application_status(state=application.state, decision=announced_decision(application)),
        "answers": submitted_answers(application),
        "budget": budget_of(application),
        "lines": application.budget_lines.all(),
        "documents": application.documents.select_related("requirement"),
        "events": events,
        "revisions": application.revisions.select_related("requested_by"),
        "can_screen": tie is None and request.user.has_perm("applications.screen_application", application),
        # The screening decisions the state machine allows now (the box shows only these, and none at all after screening).
        "screening_actions": lifecycle.actions_for(application, request.user) & SCREENING_ACTIONS,
        "ineligible_form": forms.get("ineligible_form") or IneligibleForm(initial={"expected_state": application.state}),
        "revision_form": forms.get("revision_form") or RevisionRequestForm(initial={"expected_state": application.state}, steps=steps),
        "region_label": application.company_submitted.site_label,
        "appeals": application.appeals.select_related("filed_by"),
        "agreement": Agreement.objects.filter(application=application).first(),
        "State": State,
        # 중복수혜: what the portal's rules found at submission and the grants it knows of, beside
        # what the company declared about other agencies (which the portal cannot see).
        "duplicate_findings": [r for r in application.eligibility_snapshot if r.get("kind") == RuleKind.PRIOR_FUNDING],
        "portal_grants": prior_grants(company_id=application.company_id, other_than_call_id=application.call_id),
        "other_support": other_support_shown(application),
        "sendings": declared_at_each_sending(events),
    }


@login_required
@require_safe
def application_review(request: HttpRequest, pk: int) -> HttpResponse:
    _require_desk(request.user)
    application = application_for_user(request.user, pk)
    return render(request, "officer/application.html", _review_context(request, application))


@login_required
@require_POST
def application_action(request: HttpRequest, pk: int, action: str) -> HttpResponse:
    _require_desk(request.user)
    application = application_for_user(request.user, pk)
    if not request.user.has_perm("applications.screen_application", application):
        raise PermissionDenied(_("Only the program's officers screen its applications."))
    ip = client_ip(request)
    expected = request.POST.get("expected_state") or None
    form = None
    try:
        if expected is None:  # every screening form sends the state it showed; a bare POST decides nothing
            raise lifecycle.StaleState(_("This page is out of date. Nothing was done; look at the application again."), code="stale")
        if action == "begin":
            lifecycle.screening_begin(user=request.user, application_id=pk, expected_state=expected, ip=ip)
        elif action == "pass":
            lifecycle.screening_pass(user=request.user, application_id=pk, expected_state=expected, ip=ip)
        elif action == "ineligible":
            form = IneligibleForm(request.POST)
            if not form.is_valid():
                raise ValidationError(_("Write the reason."))
            lifecycle.screening_declare_ineligible(user=request.user, application_id=pk, reason=form.cleaned_data["reason"],
                                                  expected_state=form.cleaned_data["expected_state"], ip=ip)
        elif action == "revision":
            form = RevisionRequestForm(request.POST, steps=steps_of(application))
            if not form.is_valid():
                raise ValidationError(_("Not saved: see the messages in the form."))
            lifecycle.revision_request(user=request.user, application_id=pk, message=form.cleaned_data["message"],
                                      days=form.cleaned_data["days"], steps=form.cleaned_data["steps"],
                                      expected_state=form.cleaned_data["expected_state"], ip=ip)
        else:
            raise Http404
    except ValidationError as exc:
        messages.error(request, exc.messages[0])
        forms = {"ineligible_form": form} if action == "ineligible" else {"revision_form": form} if action == "revision" else {}
        if form is not None and not isinstance(exc, (lifecycle.StaleState, lifecycle.TransitionRefused)):
            if not form.errors:
                form.add_error(None, exc.messages[0])
            application.refresh_from_db()
            return render(request, "officer/application.html", _review_context(request, application, **forms), status=400)
        return redirect("officer_application", pk=pk)
    messages.success(request, _action_done(action, pk))
    return redirect("officer_application", pk=pk)


def _action_done(action: str, pk: int) -> str:
    """What the officer's action did, said back in full: the state it moved to and who was told."""
    if action == "revision":
        due = RevisionRequest.objects.filter(application_id=pk).order_by("-pk").values_list("due_at", flat=True).first()
        return _("Revision requested. The company has been told and may send the revised parts until %(due)s.") % {"due": deadline(due)}
    return {
        "begin": _("Screening started. The company has been told."),
        "pass": _("The application passed screening and goes to evaluation. The company has been told."),
        "ineligible": _("The application was declared ineligible. The company has been told, with the reason."),
    }[action]


@login_required
@require_safe
def call_dashboard(request: HttpRequest, pk: int) -> HttpResponse:
    call = call_for_officer(request.user, pk)
    stats = call_statistics(call)
    states = [(State(value).label, stats["by_state"].get(value, 0), value) for value in State.values]
    regions = [(Region(code).label if code in Region.values else code, n) for code, n in stats["by_region"]]
    return render(request, "officer/dashboard.html", {
        "call": call,
        "states": states,
        "total": sum(stats["by_state"].values()),
        "per_day": stats["per_day"],
        "regions": regions,
        "industries": [(codelists.ksic_label(code), n) for code, n in stats["by_industry"]],
        "exports": call.exports.all()[:5],
    })


@login_required
@require_POST
def export_create(request: HttpRequest, pk: int) -> HttpResponse:
    call = call_for_officer(request.user, pk)
    format = request.POST.get("format")
    kind = request.POST.get("kind", "queue")
    if format not in Export.Format.values or kind not in exports.KINDS:
        messages.error(request, _("Choose CSV or XLSX."))
        return redirect("officer_call_dashboard", pk=pk)
    export = exports.export_request(user=request.user, call=call, format=format, kind=kind)
    return redirect("officer_export", pk=export.pk)


def _export_for(user, pk: int) -> Export:
    export = get_object_or_404(Export.objects.select_related("call__program"), pk=pk)
    call_for_officer(user, export.call_id)
    return export


@login_required
@require_safe
def export_detail(request: HttpRequest, pk: int) -> HttpResponse:
    export = _export_for(request.user, pk)
    if request.headers.get("Accept") == "application/json":
        return JsonResponse({"status": export.status, "label": str(export.get_status_display()), "percent": export.percent,
                             "done": export.done, "total": export.total, "error": export.error})
    return render(request, "officer/export.html", {"export": export})


@login_required
@require_safe
def export_download(request: HttpRequest, pk: int) -> FileResponse:
    export = _export_for(request.user, pk)
    if export.status != Export.Status.DONE:
        raise Http404(_("The file is not ready yet."))
    return FileResponse(export.file.open("rb"), as_attachment=True, filename=export.file.name.rsplit("/", 1)[-1])
