"""The company's project page: its state, grant and instalments, the requests for them, the
dedicated account and the final report."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST, require_safe

from portal.http import client_ip
from projects import services
from projects.forms import AccountForm, ReportForm
from projects.models import RUNNING, ProjectState
from projects.selectors import payment_for_user, project_for_user
from projects.views.common import paid_total, payment_rows, timeline


def _context(request: HttpRequest, project, **forms) -> dict:
    rows = payment_rows(project, request.user)
    member = request.user.has_perm("projects.set_account", project)
    return {
        "project": project, "rows": rows, "paid": paid_total(rows), "events": timeline(project),
        "account_form": forms.get("account_form") or (AccountForm(initial={"bank": project.account_bank, "holder": project.account_holder})
                                                      if member and project.state in RUNNING else None),
        "report_form": forms.get("report_form") or (ReportForm(initial={"expected_state": project.state})
                                                    if request.user.has_perm("projects.report_project", project)
                                                    and project.state == ProjectState.IN_PROGRESS else None),
    }


@login_required
@require_safe
def project_detail(request: HttpRequest, pk: int) -> HttpResponse:
    project = project_for_user(request.user, pk)
    return render(request, "projects/detail.html", _context(request, project))


@login_required
@require_POST
def account(request: HttpRequest, pk: int) -> HttpResponse:
    project = project_for_user(request.user, pk)
    if not request.user.has_perm("projects.set_account", project):
        raise PermissionDenied(_("Only the company's members enter its dedicated account."))
    form = AccountForm(request.POST)
    if form.is_valid():
        try:
            services.project_account_set(user=request.user, project_id=project.pk, bank=form.cleaned_data["bank"],
                                         number=form.cleaned_data["number"], holder=form.cleaned_data["holder"], ip=client_ip(request))
        except ValidationError as exc:
            form.add_error(None, exc.messages[0])
        else:
            messages.success(request, _("The dedicated account was saved."))
            return redirect("project_detail", pk=project.pk)
    project.refresh_from_db()
    return render(request, "projects/detail.html", _context(request, project, account_form=form), status=400)


@login_required
@require_POST
def report(request: HttpRequest, pk: int) -> HttpResponse:
    project = project_for_user(request.user, pk)
    if not request.user.has_perm("projects.report_project", project):
        raise PermissionDenied(_("Only the company's members submit its final report."))
    form = ReportForm(request.POST)
    if form.is_valid():
        try:
            services.project_submit_report(user=request.user, project_id=project.pk, summary=form.cleaned_data["summary"],
                                           expected_state=form.cleaned_data["expected_state"], ip=client_ip(request))
        except ValidationError as exc:
            messages.error(request, exc.messages[0])
        else:
            messages.success(request, _("The final report was submitted. The balance can now be requested."))
        return redirect("project_detail", pk=project.pk)
    project.refresh_from_db()
    return render(request, "projects/detail.html", _context(request, project, report_form=form), status=400)


@login_required
@require_POST
def payment_request(request: HttpRequest, pk: int, payment_pk: int) -> HttpResponse:
    project = project_for_user(request.user, pk)
    payment = payment_for_user(request.user, payment_pk)
    if payment.project_id != project.pk:
        raise PermissionDenied(_("This payment request belongs to another project."))
    if not request.user.has_perm("projects.request_payment", payment):
        raise PermissionDenied(_("Only the company's members request its payments."))
    try:
        services.payment_submit(user=request.user, payment_id=payment.pk, expected_state=request.POST.get("expected_state") or None,
                                ip=client_ip(request))
    except ValidationError as exc:
        messages.error(request, exc.messages[0])
    else:
        messages.success(request, _("The %(label)s was requested; the program officer decides on it.") % {"label": payment.label})
    return redirect("project_detail", pk=project.pk)
