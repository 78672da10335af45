"""The officer's project pages: the list by state, a project with the payment requests that
wait for a decision or a payment, the decisions on the project, and the payment order PDF."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseNotAllowed
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST, require_safe
from django_fsm import can_proceed

from applications.lifecycle import actions_for
from portal.confirm import Confirmation, confirmation_page, confirmed
from portal.formatting import won
from portal.http import client_ip
from portal.roles import roles_of
from projects import pdf, selectors, services
from projects.forms import ExpectedStateForm, PaymentForm, ReasonForm
from projects.models import PaymentState, ProjectState
from projects.selectors import payment_for_user, project_for_user
from projects.views.common import paid_total, payment_rows, timeline

PER_PAGE = 50
# The decisions on a project the officer's page offers, and whether each asks for a reason.
DECISIONS = {"accept_report": False, "close": False, "suspend": True, "resume": False, "terminate": True}


def _require_desk(user) -> None:
    if not user.has_perm("portal.use_officer_desk"):
        raise PermissionDenied(_("This page is for program officers."))


@login_required
@require_safe
def project_list(request: HttpRequest) -> HttpResponse:
    _require_desk(request.user)
    state = request.GET.get("state", "")
    if state not in ProjectState.values:
        state = ""
    waiting = request.GET.get("waiting") == "1"
    page = Paginator(selectors.project_list(request.user, state=state, waiting=waiting), PER_PAGE).get_page(request.GET.get("page"))
    return render(request, "projects/officer_list.html", {"page": page, "state": state, "waiting": waiting,
                                                          "states": selectors.state_counts(request.user)})


def _page_context(request: HttpRequest, project, *, pay_forms: dict | None = None, reason_forms: dict | None = None) -> dict:
    rows = payment_rows(project, request.user, officer=True, pay_forms=pay_forms)
    decisions = actions_for(project, request.user) if request.user.has_perm("projects.manage_project", project) else set()
    reason_forms = reason_forms or {}
    return {
        "project": project, "rows": rows, "paid": paid_total(rows), "events": timeline(project),
        "decisions": [(name, reason_forms.get(name) or (ReasonForm(initial={"expected_state": project.state}, prefix=name)
                                                        if DECISIONS[name] else ExpectedStateForm(initial={"expected_state": project.state},
                                                                                                   prefix=name)))
                      for name in DECISIONS if name in decisions],
        "return_form": ReasonForm(initial={"expected_state": PaymentState.REQUESTED}, prefix="return"),
    }


@login_required
@require_safe
def project_page(request: HttpRequest, pk: int) -> HttpResponse:
    _require_desk(request.user)
    project = project_for_user(request.user, pk)
    if not (request.user.has_perm("projects.manage_project", project) or roles_of(request.user).is_admin):
        raise Http404(_("No such project."))
    return render(request, "projects/officer_detail.html", _page_context(request, project))


@login_required
@require_http_methods(["GET", "POST"])
def project_action(request: HttpRequest, pk: int, action: str) -> HttpResponse:
    """accept_report, close, suspend, resume: a POST. terminate (협약해약) ends the agreement for
    good: GET and an unconfirmed POST show what follows; a confirmed POST with the reason does it."""
    _require_desk(request.user)
    if action not in DECISIONS:
        raise Http404
    project = project_for_user(request.user, pk)
    if not request.user.has_perm("projects.manage_project", project):
        raise PermissionDenied(_("Only the program's officers decide on its projects."))
    if action != "terminate" and request.method != "POST":
        return HttpResponseNotAllowed(["POST"])
    if not can_proceed(getattr(project, action)):
        messages.error(request, _("This cannot be done while the project is “%(state)s”.") % {"state": project.get_state_display()})
        return redirect("officer_project", pk=project.pk)
    form_class = ReasonForm if DECISIONS[action] else ExpectedStateForm
    form = form_class(request.POST or None, prefix=action)
    if action == "terminate" and (not confirmed(request) or not form.is_valid()):
        if request.method == "POST" and request.POST.get("step") != "confirm":
            form = ReasonForm(initial={"reason": request.POST.get(f"{action}-reason", ""),
                                      "expected_state": request.POST.get(f"{action}-expected_state", project.state)}, prefix=action)
        elif request.method == "GET":
            form = ReasonForm(initial={"expected_state": project.state}, prefix=action)
        return confirmation_page(request, _termination(project, form), status=400 if confirmed(request) else 200)
    if not form.is_valid():
        messages.error(request, _("Give the reason; the company is told it. Nothing was done."))
        project.refresh_from_db()
        return render(request, "projects/officer_detail.html", _page_context(request, project, reason_forms={action: form}), status=400)
    try:
        services.project_decide(user=request.user, project_id=project.pk, name=action, reason=form.cleaned_data.get("reason", ""),
                                expected_state=form.cleaned_data["expected_state"], ip=client_ip(request))
    except ValidationError as exc:
        messages.error(request, exc.messages[0])
    else:
        messages.success(request, DONE[action]())
    return redirect("officer_project", pk=project.pk)


DONE = {
    "accept_report": lambda: _("The final report was accepted; the project is in settlement."),
    "close": lambda: _("The project was closed."),
    "suspend": lambda: _("The project was suspended; its payments are on hold."),
    "resume": lambda: _("The project was resumed."),
    "terminate": lambda: _("The agreement was terminated."),
}


def _termination(project, form) -> Confirmation:
    paid = services.paid_so_far(project)
    return Confirmation(
        heading=_("Terminate the agreement (협약해약)"),
        consequences=[
            _("Project %(number)s of %(company)s ends for good: no further payment of the grant of %(grant)s is requested, "
              "approved or paid.") % {"number": project.number, "company": project.application.company.name, "grant": won(project.grant)},
            _("%(paid)s has been paid so far; what is to be returned is settled afterwards. The company is told the reason.")
            % {"paid": won(paid)},
        ],
        facts=[(_("Company"), project.application.company.name), (_("Government grant"), won(project.grant)), (_("Paid so far"), won(paid))],
        form=form,
        confirm_label=_("I understand that the agreement is terminated for good."),
        button=_("Terminate the agreement"),
        action=reverse("officer_project_action", args=[project.pk, "terminate"]),
        back_url=reverse("officer_project", args=[project.pk]),
    )


@login_required
@require_POST
def payment_action(request: HttpRequest, pk: int, action: str) -> HttpResponse:
    """approve, return (with the reason) or pay (the date and the amount) one payment request."""
    _require_desk(request.user)
    if action not in ("approve", "return", "pay"):
        raise Http404
    payment = payment_for_user(request.user, pk)
    project = payment.project
    if not request.user.has_perm("projects.manage_payments", payment):
        raise PermissionDenied(_("Only the program's officers decide on its payments."))
    ip = client_ip(request)
    try:
        if action == "approve":
            form = ExpectedStateForm(request.POST)
            expected = form.cleaned_data["expected_state"] if form.is_valid() else None
            services.payment_approve(user=request.user, payment_id=payment.pk, expected_state=expected, ip=ip)
            done = _("The %(label)s of %(amount)s was approved.") % {"label": payment.label, "amount": won(payment.amount)}
        elif action == "return":
            form = ReasonForm(request.POST, prefix="return")
            if not form.is_valid():
                raise ValidationError(_("Give the reason for returning the request; the company is told it. Nothing was done."))
            services.payment_send_back(user=request.user, payment_id=payment.pk, reason=form.cleaned_data["reason"],
                                       expected_state=form.cleaned_data["expected_state"], ip=ip)
            done = _("The %(label)s was returned to the company with the reason.") % {"label": payment.label}
        else:
            form = PaymentForm(request.POST, prefix=f"pay-{payment.pk}")
            if not form.is_valid():
                project.refresh_from_db()
                return render(request, "projects/officer_detail.html", _page_context(request, project, pay_forms={payment.pk: form}),
                              status=400)
            record = services.payment_pay(user=request.user, payment_id=payment.pk, paid_on=form.cleaned_data["paid_on"],
                                          amount=form.cleaned_data["amount"], expected_state=form.cleaned_data["expected_state"], ip=ip)
            done = _("The payment of %(amount)s was recorded.") % {"amount": won(record.amount)}
    except ValidationError as exc:
        messages.error(request, exc.messages[0])
    else:
        messages.success(request, done)
    return redirect("officer_project", pk=project.pk)


@login_required
@require_safe
def payment_order_pdf(request: HttpRequest, pk: int) -> HttpResponse:
    """The payment order (지급명령서) for the finance office: an approved or paid instalment."""
    _require_desk(request.user)
    payment = payment_for_user(request.user, pk)
    if not (request.user.has_perm("projects.manage_payments", payment) or roles_of(request.user).is_admin):
        raise Http404(_("No such payment request."))
    if payment.state not in (PaymentState.APPROVED, PaymentState.PAID):
        messages.error(request, _("A payment order is made once the request is approved."))
        return redirect("officer_project", pk=payment.project_id)
    data = pdf.payment_order(payment)
    response = HttpResponse(data, content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="{payment.project.number}-{payment.number}.pdf"'
    return response
