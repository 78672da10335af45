"""The officer's side of evaluation: rubric, panels, assignments, ranking, selection, appeals."""

from __future__ import annotations

from collections import defaultdict
from decimal import Decimal

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from applications import lifecycle
from applications.models import Appeal, SelectionItem
from applications.status import application_status
from portal.confirm import Confirmation, confirmation_page, confirmed
from portal.formatting import plain_number
from portal.http import client_ip
from reviews import selectors
from reviews.forms import (
    BonusForm,
    CriterionForm,
    InviteReviewerForm,
    ManualAssignForm,
    PanelExtendForm,
    PanelForm,
    ReasonForm,
    RubricForm,
    TieForm,
)
from reviews.models import Assignment
from reviews.services import evaluation, scoring, selection


def _evaluation_context(user, call, **forms) -> dict:
    # Reading the page writes nothing: a call without a rubric yet shows the defaults, and
    # the rubric is created by the first change the officer saves.
    rubric = selectors.rubric_of(user, call)
    saved = rubric.pk is not None
    return {
        "call": call,
        "rubric": rubric,
        "problems": evaluation.rubric_problems(rubric) if saved else [_("Add the rubric's criteria.")],
        "criteria": rubric.criteria.all() if saved else [],
        "bonus_items": rubric.bonus_items.all() if saved else [],
        "panels": selectors.panels_of_call(user, call),
        "rubric_form": forms.get("rubric_form") or RubricForm(instance=rubric),
        "criterion_form": forms.get("criterion_form") or CriterionForm(),
        "bonus_form": forms.get("bonus_form") or BonusForm(),
        "panel_form": forms.get("panel_form") or PanelForm(),
    }


@login_required
@require_safe
def evaluation_setup(request: HttpRequest, pk: int) -> HttpResponse:
    call = selectors.call_for_evaluation(request.user, pk, manage=False)
    return render(request, "reviews/officer/evaluation.html", _evaluation_context(request.user, call))


@login_required
@require_POST
def evaluation_post(request: HttpRequest, pk: int, what: str) -> HttpResponse:
    call = selectors.call_for_evaluation(request.user, pk)
    rubric = evaluation.rubric_for(call)
    forms = {
        "rubric": ("rubric_form", RubricForm(request.POST, instance=rubric),
                   lambda d: evaluation.rubric_update(user=request.user, rubric=rubric, data=d)),
        "criterion": ("criterion_form", CriterionForm(request.POST),
                      lambda d: evaluation.criterion_add(user=request.user, rubric=rubric, data=d)),
        "bonus": ("bonus_form", BonusForm(request.POST), lambda d: evaluation.bonus_add(user=request.user, rubric=rubric, data=d)),
        "panel": ("panel_form", PanelForm(request.POST), lambda d: evaluation.panel_create(user=request.user, call=call, **d)),
    }
    if what not in forms:
        raise Http404
    name, form, action = forms[what]
    if form.is_valid():
        try:
            action(dict(form.cleaned_data))
        except ValidationError as exc:
            form.add_error(None, exc.messages[0])
        else:
            messages.success(request, _("Saved."))
            return redirect("officer_evaluation", pk=call.pk)
    rubric.refresh_from_db()
    messages.error(request, _("Not saved: see the messages in the form."))
    return render(request, "reviews/officer/evaluation.html", _evaluation_context(request.user, call, **{name: form}), status=400)


@login_required
@require_http_methods(["GET", "POST"])
def criterion_delete(request: HttpRequest, pk: int, criterion_pk: int) -> HttpResponse:
    """Removing a criterion changes what every score means: GET and an unconfirmed POST show
    the criterion and the weights' total without it; a confirmed POST removes it."""
    call = selectors.call_for_evaluation(request.user, pk)
    rubric = selectors.rubric_of(request.user, call)
    criterion = selectors.criterion_for_officer(request.user, rubric, criterion_pk)
    if rubric.is_locked:
        messages.error(request, _("Reviewing has started: the rubric is fixed."))
        return redirect("officer_evaluation", pk=call.pk)
    if not confirmed(request):
        return confirmation_page(request, _criterion_delete_confirmation(call, rubric, criterion))
    try:
        evaluation.criterion_delete(user=request.user, rubric=rubric, criterion_id=criterion.pk)
    except ValidationError as exc:
        messages.error(request, exc.messages[0])
    else:
        messages.success(request, _("The criterion was removed."))
    return redirect("officer_evaluation", pk=call.pk)


def _criterion_delete_confirmation(call, rubric, criterion) -> Confirmation:
    remaining = sum((c.weight for c in rubric.criteria.exclude(pk=criterion.pk)), Decimal(0))
    return Confirmation(
        heading=_("Remove a criterion"),
        consequences=[
            _("The criterion “%(name)s” (maximum %(max)s points, weight %(weight)s) is removed from the rubric, with its "
              "description and its place in the tie-break order. This cannot be undone.")
            % {"name": criterion.name, "max": plain_number(criterion.max_score), "weight": plain_number(criterion.weight)},
            _("Without it the weights add up to %(sum)s of 100; reviewing cannot start until they add up to 100.")
            % {"sum": plain_number(remaining)},
        ],
        facts=[(_("Criterion"), criterion.name), (_("maximum score"), plain_number(criterion.max_score)),
               (_("weight"), plain_number(criterion.weight)), (_("Weights without it"), plain_number(remaining))],
        confirm_label=_("I want to remove this criterion."),
        button=_("Remove the criterion"),
        action=reverse("officer_criterion_delete", args=[call.pk, criterion.pk]),
        back_url=reverse("officer_evaluation", args=[call.pk]),
    )


@login_required
@require_http_methods(["GET", "POST"])
def criterion_edit(request: HttpRequest, pk: int, criterion_pk: int) -> HttpResponse:
    call = selectors.call_for_evaluation(request.user, pk)
    rubric = evaluation.rubric_for(call)
    criterion = selectors.criterion_for_officer(request.user, rubric, criterion_pk)
    form = CriterionForm(request.POST if request.method == "POST" else None, instance=criterion)
    if request.method == "POST" and form.is_valid():
        try:
            evaluation.criterion_update(user=request.user, rubric=rubric, criterion_id=criterion.pk,
                                        data={name: form.cleaned_data[name] for name in form.Meta.fields})
        except ValidationError as exc:
            form.add_error(None, exc.messages[0])
        else:
            messages.success(request, _("The criterion was changed."))
            return redirect("officer_evaluation", pk=call.pk)
    return render(request, "reviews/officer/criterion_edit.html", {"call": call, "criterion": criterion, "form": form, "rubric": rubric},
                  status=400 if form.errors else 200)


def _panel_context(user, panel, **forms) -> dict:
    members = selectors.panel_members(user, panel)
    assignments = selectors.panel_assignments(user, panel)
    return {
        "panel": panel,
        "call": panel.call,
        "members": members,
        "assignments": assignments,
        "conflicts": [a for a in assignments if a.status == Assignment.Status.CONFLICT],
        "progress": selectors.panel_progress(user, panel),
        "invite_form": forms.get("invite_form") or InviteReviewerForm(),
        "assign_form": forms.get("assign_form") or ManualAssignForm(members=members),
        "tie_form": forms.get("tie_form") or TieForm(members=members),
        "extend_form": forms.get("extend_form") or PanelExtendForm(),
        "blind": panel.call.rubric.blind if hasattr(panel.call, "rubric") else False,
    }


@login_required
@require_safe
def panel_detail(request: HttpRequest, pk: int) -> HttpResponse:
    panel = selectors.panel_for_officer(request.user, pk)
    return render(request, "reviews/officer/panel.html", _panel_context(request.user, panel))


@login_required
@require_POST
def panel_post(request: HttpRequest, pk: int, what: str) -> HttpResponse:
    panel = selectors.panel_for_officer(request.user, pk)
    selectors.call_for_evaluation(request.user, panel.call_id)
    members = selectors.panel_members(request.user, panel)
    try:
        if what == "invite":
            form = InviteReviewerForm(request.POST)
            if not form.is_valid():
                raise ValidationError(_("Enter a valid e-mail address."))
            evaluation.reviewer_invite(user=request.user, panel=panel, **form.cleaned_data)
            messages.success(request, _("The reviewer was invited."))
        elif what == "auto":
            created, short = evaluation.auto_assign(user=request.user, panel=panel, ip=client_ip(request))
            messages.success(request, _("%(n)d assignments made.") % {"n": created})
            if short:
                messages.warning(request, _("%(n)d applications could not get enough reviewers without a conflict (e.g. %(first)s). Invite more reviewers.")
                                 % {"n": len(short), "first": short[0]})
        elif what == "assign":
            form = ManualAssignForm(request.POST, members=members)
            if not form.is_valid():
                raise ValidationError(_("Choose a reviewer and give a receipt number."))
            application = selectors.application_by_receipt(request.user, panel.call, form.cleaned_data["receipt_number"].strip())
            if application is None:
                raise ValidationError(_("No application of this call has that receipt number."))
            evaluation.assign(user=request.user, panel=panel, application=application,
                              reviewer=selectors.panel_reviewer(request.user, panel, form.cleaned_data["reviewer"]))
            messages.success(request, _("Assigned."))
        elif what == "tie":
            form = TieForm(request.POST, members=members)
            if not form.is_valid():
                raise ValidationError(next(iter(form.errors.values()))[0])
            evaluation.tie_record(user=request.user, reviewer=selectors.panel_reviewer(request.user, panel, form.cleaned_data["reviewer"]),
                                  business_number=form.cleaned_data["business_number"], kind=form.cleaned_data["kind"],
                                  note=form.cleaned_data["note"], ip=client_ip(request))
            messages.success(request, _("The tie was recorded; any assignment it affects was removed."))
        elif what == "extend":
            form = PanelExtendForm(request.POST)
            if not form.is_valid():
                raise ValidationError(next(iter(form.errors.values()))[0])
            evaluation.panel_extend(user=request.user, panel=panel, due_at=form.cleaned_data["due_at"], reason=form.cleaned_data["reason"],
                                    ip=client_ip(request))
            messages.success(request, _("The due time was extended."))
        else:
            raise Http404
    except ValidationError as exc:
        messages.error(request, exc.messages[0])
    return redirect("officer_panel", pk=panel.pk)


@login_required
@require_POST
def review_reopen(request: HttpRequest, pk: int) -> HttpResponse:
    review = selectors.review_for_officer(request.user, pk)
    form = ReasonForm(request.POST)
    try:
        if not form.is_valid():
            raise ValidationError(_("Write why the review is reopened."))
        scoring.review_reopen(user=request.user, review_id=review.pk, reason=form.cleaned_data["reason"], ip=client_ip(request))
        messages.success(request, _("The review was reopened; the reviewer can change it and submit again."))
    except ValidationError as exc:
        messages.error(request, exc.messages[0])
    return redirect("officer_panel", pk=review.assignment.panel_id)


@login_required
@require_safe
def ranking(request: HttpRequest, pk: int) -> HttpResponse:
    call = selectors.call_for_evaluation(request.user, pk, manage=False)
    return render(request, "reviews/officer/ranking.html", selectors.ranking_for_officer(request.user, call) | {
        "call": call, "cutoff": call.rubric.cutoff if hasattr(call, "rubric") else None,
        # Before the call closes the page says why no selection can be proposed yet, instead of a button that is refused.
        "not_closed": selection.closing_problem(call),
        "refused": selection.refused_decisions(call),
    })


@login_required
@require_POST
def selection_run(request: HttpRequest, pk: int) -> HttpResponse:
    call = selectors.call_for_evaluation(request.user, pk)
    try:
        selection_round = selection.selection_run(user=request.user, call=call)
    except ValidationError as exc:
        messages.error(request, exc.messages[0])
        return redirect("officer_ranking", pk=call.pk)
    return redirect("officer_selection", pk=selection_round.pk)


@login_required
@require_safe
def selection_detail(request: HttpRequest, pk: int) -> HttpResponse:
    selection_round = selectors.round_for_officer(request.user, pk)
    items = selectors.round_items(request.user, selection_round)
    for item in items:
        item.status = application_status(state=item.application.state, decision=item.decision)
    # Counted by each application's status now: a withdrawn one is no longer among the selected.
    totals, counts = defaultdict(int), defaultdict(int)
    for decision, grant, state in selectors.round_decisions(request.user, selection_round):
        code = application_status(state=state, decision=decision).result_code
        totals[code] += grant
        counts[code] += 1
    return render(request, "reviews/officer/selection.html", {
        "round": selection_round, "call": selection_round.call, "items": items, "totals": totals, "counts": counts,
        "budget": selection.selection_budget(selection_round), "Decision": SelectionItem.Decision,
        "finalize_problems": [] if selection_round.finalized_at else selection.finalize_problems(selection_round),
        "proposal": selection.proposal_digest(selection_round),
    })


@login_required
@require_POST
def selection_override(request: HttpRequest, pk: int, item_pk: int) -> HttpResponse:
    selectors.round_for_officer(request.user, pk)
    try:
        grant = int(request.POST.get("grant", "").replace(",", "") or 0)
        selection.item_override(user=request.user, item_id=item_pk, decision=request.POST.get("decision", ""),
                                grant=grant, reason=request.POST.get("reason", ""))
        messages.success(request, _("Saved."))
    except ValueError:
        messages.error(request, _("Enter the grant as a whole number of won."))
    except ValidationError as exc:
        messages.error(request, exc.messages[0])
    return redirect("officer_selection", pk=pk)


@login_required
@require_POST
def selection_finalize(request: HttpRequest, pk: int) -> HttpResponse:
    selectors.round_for_officer(request.user, pk)
    try:
        # The decisions it applies are confirmed first where the transition table says so.
        decisions = lifecycle.decision.DECISION_TRANSITIONS.values()
        selection.selection_finalize(user=request.user, round_id=pk, ip=client_ip(request), seen_proposal=request.POST.get("proposal", ""),
                                     confirmed=confirmed(request) or not lifecycle.needs_confirmation("application", *decisions))
        messages.success(request, _("The selection is final. Every applicant is being notified with their own result."))
    except ValidationError as exc:
        for message in exc.messages:
            messages.error(request, message)
    return redirect("officer_selection", pk=pk)


@login_required
@require_POST
def appeal_decide(request: HttpRequest, pk: int) -> HttpResponse:
    appeal = selectors.appeal_for_officer(request.user, pk)
    decide = {Appeal.Outcome.DISMISSED: lifecycle.appeal_dismiss, Appeal.Outcome.REREVIEW: lifecycle.appeal_order_rereview}
    try:
        outcome = request.POST.get("outcome", "")
        if outcome not in decide:
            raise ValidationError(_("Choose dismiss or re-review."))
        decide[outcome](user=request.user, appeal_id=appeal.pk, note=request.POST.get("note", ""), ip=client_ip(request))
        messages.success(request, _("The appeal was decided and the company told."))
    except ValidationError as exc:
        messages.error(request, exc.messages[0])
    return redirect("officer_application", pk=appeal.application_id)


@login_required
@require_POST
def offer_next(request: HttpRequest, pk: int) -> HttpResponse:
    call = selectors.call_for_evaluation(request.user, pk)
    try:
        application = lifecycle.offer_next(user=request.user, call_id=call.pk, ip=client_ip(request))
        messages.success(request, _("The place was offered to %(receipt)s; the company has been told.") % {"receipt": application.receipt_number})
    except ValidationError as exc:
        messages.error(request, exc.messages[0])
    final = selectors.final_round(request.user, call)
    return redirect("officer_selection", pk=final.pk) if final else redirect("officer_ranking", pk=call.pk)


@login_required
@require_POST
def assignment_waive(request: HttpRequest, pk: int) -> HttpResponse:
    assignment = selectors.assignment_for_officer(request.user, pk)
    try:
        evaluation.assignment_waive(user=request.user, assignment_id=assignment.pk, reason=request.POST.get("reason", ""),
                                    ip=client_ip(request))
        messages.success(request, _("The review was waived; the decision will be made without it."))
    except ValidationError as exc:
        messages.error(request, exc.messages[0])
    return redirect("officer_panel", pk=assignment.panel_id)
