"""The expenditure ledger's pages: the company's (its expenses, the totals per line, the entry
form, the XLSX template and upload) and the officer's (the same list, with the review). Each
page's queries are the same however many expenses: the list is filtered and paginated in SQL
and the totals are one aggregate."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from portal.http import client_ip
from portal.roles import roles_of
from projects import ledger, ledger_xlsx
from projects.forms import ExpenseFilterForm, ExpenseForm, ExpenseReviewForm, LedgerFileForm
from projects.models import RUNNING, Expense
from projects.selectors import project_for_user

PAGE_SIZE = 50


def require_desk(user) -> None:
    if not user.has_perm("portal.use_officer_desk"):
        raise PermissionDenied(_("This page is for program officers."))


def _expenses(request: HttpRequest, project):
    """The page of expenses the filter asks for, and the filter."""
    form = ExpenseFilterForm(request.GET or None)
    expenses = Expense.objects.filter(project=project).select_related("budget_line").order_by("-spent_on", "-pk")
    if form.is_valid():
        if form.cleaned_data["line"]:
            expenses = expenses.filter(budget_line_id=form.cleaned_data["line"])
        if form.cleaned_data["kind"]:
            expenses = expenses.filter(evidence_kind=form.cleaned_data["kind"])
        review = form.cleaned_data["review"]
        if review:
            expenses = expenses.filter(recognised=None) if review == "open" else expenses.filter(recognised=review == "yes")
    page = Paginator(expenses, PAGE_SIZE).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    return page, form, query.urlencode()


def _context(request: HttpRequest, project, **extra) -> dict:
    page, filter_form, query = _expenses(request, project)
    totals = ledger.line_totals(project)
    member = request.user.has_perm("projects.enter_expense", project) and project.state in RUNNING
    context = {"project": project, "page": page, "filter_form": filter_form, "query": query, "totals": totals, "member": member}
    if member:
        context["form"] = extra.get("form") or ExpenseForm(lines=totals["lines"])
        context["file_form"] = extra.get("file_form") or LedgerFileForm()
    context["file_errors"] = extra.get("file_errors", [])
    return context


def _entry(data: dict) -> ledger.Entry:
    return ledger.Entry(budget_line_id=data["budget_line"], spent_on=data["spent_on"], payee_name=data["payee_name"],
                        payee_business_number=data["payee_business_number"], supply_amount=data["supply_amount"],
                        vat=data["vat"] or 0, evidence_kind=data["evidence_kind"], evidence_number=data["evidence_number"])


@login_required
@require_http_methods(["GET", "POST"])
def company_ledger(request: HttpRequest, pk: int) -> HttpResponse:
    project = project_for_user(request.user, pk)
    if request.method == "GET":
        return render(request, "projects/ledger.html", _context(request, project))
    if not request.user.has_perm("projects.enter_expense", project):
        raise PermissionDenied(_("Only the company's members enter its expenses."))
    form = ExpenseForm(request.POST, request.FILES, lines=ledger.project_lines(project))
    if form.is_valid():
        try:
            ledger.expense_add(user=request.user, project_id=project.pk, entry=_entry(form.cleaned_data),
                               upload=form.cleaned_data["evidence_file"], ip=client_ip(request))
        except ValidationError as exc:
            for message in exc.messages:
                form.add_error(None, message)
        else:
            messages.success(request, _("The expense was entered in the ledger."))
            return redirect("project_ledger", pk=project.pk)
    project.refresh_from_db()
    return render(request, "projects/ledger.html", _context(request, project, form=form), status=400)


@login_required
@require_safe
def ledger_template(request: HttpRequest, pk: int) -> HttpResponse:
    project = project_for_user(request.user, pk)
    if not request.user.has_perm("projects.enter_expense", project):
        raise PermissionDenied(_("Only the company's members enter its expenses."))
    response = HttpResponse(ledger_xlsx.template(ledger.project_lines(project)),
                            content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
    response["Content-Disposition"] = f'attachment; filename="ledger-{project.number}.xlsx"'
    return response


@login_required
@require_POST
def ledger_import(request: HttpRequest, pk: int) -> HttpResponse:
    project = project_for_user(request.user, pk)
    if not request.user.has_perm("projects.enter_expense", project):
        raise PermissionDenied(_("Only the company's members enter its expenses."))
    form = LedgerFileForm(request.POST, request.FILES)
    errors: list[str] = []
    if form.is_valid():
        try:
            entries = ledger_xlsx.read_entries(form.cleaned_data["file"])
            created = ledger.expenses_import(user=request.user, project_id=project.pk, entries=entries, ip=client_ip(request))
        except ValidationError as exc:
            errors = exc.messages
        else:
            messages.success(request, _("%(count)s expenses were imported.") % {"count": len(created)})
            return redirect("project_ledger", pk=project.pk)
    project.refresh_from_db()
    return render(request, "projects/ledger.html", _context(request, project, file_form=form, file_errors=errors), status=400)


@login_required
@require_safe
def officer_ledger(request: HttpRequest, pk: int) -> HttpResponse:
    """The officer's ledger (an administrator reads it; only the program's officers review)."""
    require_desk(request.user)
    project = project_for_user(request.user, pk)
    reviewer = request.user.has_perm("projects.review_expense", project)
    if not (reviewer or roles_of(request.user).is_admin):
        raise Http404(_("No such project."))
    return render(request, "projects/officer_ledger.html", _context(request, project) | {"review_form": ExpenseReviewForm() if reviewer else None})


@login_required
@require_POST
def expense_review(request: HttpRequest, pk: int) -> HttpResponse:
    project_id = Expense.objects.filter(pk=pk).values_list("project_id", flat=True).first()
    if project_id is None:
        raise Http404
    require_desk(request.user)
    project = project_for_user(request.user, project_id)
    if not request.user.has_perm("projects.review_expense", project):
        raise PermissionDenied(_("Only the program's officers review expenses."))
    form = ExpenseReviewForm(request.POST)
    if form.is_valid():
        try:
            ledger.expense_review(user=request.user, expense_id=pk, recognised=form.cleaned_data["recognised"],
                                  reason=form.cleaned_data["reason"], ip=client_ip(request))
        except ValidationError as exc:
            messages.error(request, exc.messages[0])
        else:
            messages.success(request, _("The review was recorded."))
    else:
        messages.error(request, _("Choose recognised or not recognised and give the reason. Nothing was changed."))
    return redirect("officer_project_ledger", pk=project.pk)
