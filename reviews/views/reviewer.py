"""The reviewer's side: assignments, the conflict declaration, scoring."""

from __future__ import annotations

import re

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import FileResponse, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from applications import lifecycle
from applications.services.copies import answer_shown
from applications.services.submission import budget_of
from portal.confirm import Confirmation, confirmation_page, confirmed
from portal.formatting import plain_number
from portal.http import arrived_at, client_ip
from portal.uploads import document_response
from reviews import selectors
from reviews.models import Assignment, Review
from reviews.ranking import weighted_total
from reviews.services import evaluation, scoring

MASK = "○○○"


@login_required
@require_safe
def dashboard(request: HttpRequest) -> HttpResponse:
    if not request.user.has_perm("portal.use_reviewer_desk"):
        raise PermissionDenied(_("This page is for reviewers."))
    assignments = selectors.assignments_for_reviewer(request.user)
    return render(request, "reviews/reviewer/dashboard.html", {"assignments": assignments, "progress": selectors.desk_progress(assignments)})


def _redact(text: str, names: list[str]) -> str:
    for name in names:
        if name:
            text = re.sub(re.escape(name), MASK, text, flags=re.IGNORECASE)
    return text


def _identity_terms(company) -> list[str]:
    """What would reveal the company in a blind review: its name (also without the legal
    form), representative and business numbers."""
    name = company.name
    core = re.sub(r"(주식회사|\(주\)|㈜|유한회사|co\.,? ?ltd\.?|inc\.?)", "", name, flags=re.IGNORECASE).strip()
    return sorted({name, core, company.representative_name, company.business_number, company.business_number_display}, key=len, reverse=True)


def _content(user, assignment: Assignment, blind: bool) -> dict:
    application = assignment.application
    terms = _identity_terms(application.company) if blind else []
    answers = []
    for field in selectors.form_fields_for_reviewer(user, assignment):
        answers.append((field.section.title, field.label, _redact(answer_shown(field, application.answers.get(field.key, "")), terms)))
    return {
        "project_title": _redact(application.project_title, terms),
        "answers": answers,
        "budget": budget_of(application),
        "lines": [(line.get_category_display(), _redact(line.description, terms), line.amount, line.is_in_kind)
                  for line in application.budget_lines.all()],
        "documents": selectors.documents_for_reviewer(user, assignment, blind=blind),
    }


@login_required
@require_safe
def assignment_detail(request: HttpRequest, pk: int) -> HttpResponse:
    assignment = selectors.assignment_to_read(request.user, pk)
    rubric = assignment.panel.call.rubric
    context = {"assignment": assignment, "blind": rubric.blind, "company": None if rubric.blind else assignment.application.company}
    if assignment.status == Assignment.Status.ASSIGNED:
        return render(request, "reviews/reviewer/declare.html", context)
    review = selectors.review_for_reviewer(request.user, assignment)
    existing = {s.criterion_id: s for s in review.scores.all()} if review else {}
    criteria = [(c, existing.get(c.pk)) for c in selectors.criteria_for_reviewer(request.user, assignment)]
    context.update(_content(request.user, assignment, rubric.blind), review=review, criteria=criteria, errors={},
                   locked=review is not None and review.status == Review.Status.SUBMITTED)
    return render(request, "reviews/reviewer/assignment.html", context)


@login_required
@require_POST
def declare(request: HttpRequest, pk: int) -> HttpResponse:
    selectors.assignment_for_reviewer(request.user, pk)  # 404 for anyone else's assignment, before anything is read
    answer = request.POST.get("conflict")
    if answer not in ("yes", "no"):
        # Only an explicit answer counts: a form sent without one declares nothing.
        messages.error(request, _("Choose whether you have a conflict of interest with this applicant; nothing was recorded."))
        return redirect("reviewer_assignment", pk=pk)
    try:
        if answer == "yes":
            evaluation.declare_conflict(user=request.user, assignment_id=pk, reason=request.POST.get("reason", ""), ip=client_ip(request))
            messages.success(request, _("Thank you. The assignment was removed and the officer will reassign it."))
            return redirect("reviewer_desk")
        evaluation.declare_no_conflict(user=request.user, assignment_id=pk, ip=client_ip(request))
    except ValidationError as exc:
        messages.error(request, exc.messages[0])
    return redirect("reviewer_assignment", pk=pk)


@login_required
@require_http_methods(["GET", "POST"])
def score(request: HttpRequest, pk: int) -> HttpResponse:
    """Save a draft, or submit. Submitting locks the scores, so it asks first: the draft is
    saved and a confirmation page shows every score and the weighted total; only a POST with
    the box ticked submits. GET shows that page for the saved draft."""
    assignment = selectors.assignment_to_read(request.user, pk)
    criteria = list(selectors.criteria_for_reviewer(request.user, assignment))
    if request.method == "GET":
        review = selectors.review_for_reviewer(request.user, assignment)
        if review is not None and review.status == Review.Status.SUBMITTED:
            messages.info(request, _("This review was submitted and is locked. Ask the officer to reopen it."))
            return redirect("reviewer_assignment", pk=pk)
        saved = {s.criterion_id: s for s in review.scores.all()} if review else {}
        if review is None or any(c.pk not in saved for c in criteria):
            messages.info(request, _("Score every criterion before submitting."))
            return redirect("reviewer_assignment", pk=pk)
        return confirmation_page(request, _submit_confirmation(assignment, criteria, review))
    scores = {c.pk: request.POST.get(f"score-{c.pk}", "") for c in criteria}
    comments = {c.pk: request.POST.get(f"comment-{c.pk}", "") for c in criteria}
    submit = request.POST.get("action") == "submit"
    # Submitting locks the review: only once confirmed, where the transition table says so.
    ready = confirmed(request) or not lifecycle.needs_confirmation("review", "submit")
    try:
        review, errors = scoring.review_save(user=request.user, assignment_id=pk, scores=scores, comments=comments,
                                             comment=request.POST.get("comment", ""), submit=submit and ready,
                                             now=arrived_at(request))
    except ValidationError as exc:
        messages.error(request, exc.messages[0])
        return redirect("reviewer_assignment", pk=pk)
    if errors:
        rubric = assignment.panel.call.rubric
        context = {"assignment": assignment, "blind": rubric.blind, "company": None if rubric.blind else assignment.application.company,
                   "review": review, "errors": errors, "posted": scores, "posted_comments": comments,
                   "criteria": [(c, None) for c in criteria], "locked": False, "posted_comment": request.POST.get("comment", "")}
        context.update(_content(request.user, assignment, rubric.blind))
        messages.error(request, _("Nothing was saved: some scores are out of range. They are marked below."))
        return render(request, "reviews/reviewer/assignment.html", context, status=400)
    if submit and not ready:
        # Saved as a draft; the review is submitted only from the confirmation page.
        if any(not scores[c.pk].strip() for c in criteria):
            messages.error(request, _("Draft saved. Score every criterion before submitting."))
            return redirect("reviewer_assignment", pk=pk)
        return confirmation_page(request, _submit_confirmation(assignment, criteria, review))
    messages.success(request, _("The review was submitted.") if submit else _("Draft saved."))
    return redirect("reviewer_assignment", pk=pk)


def _submit_confirmation(assignment: Assignment, criteria: list, review: Review) -> Confirmation:
    saved = {s.criterion_id: s for s in review.scores.all()}
    total = weighted_total([(saved[c.pk].value, c.max_score, c.weight) for c in criteria])
    hidden = [("action", "submit"), ("comment", review.comment)]
    for c in criteria:
        hidden += [(f"score-{c.pk}", plain_number(saved[c.pk].value)), (f"comment-{c.pk}", saved[c.pk].comment)]
    return Confirmation(
        heading=_("Submit the review"),
        consequences=[
            _("Weighted total: %(total)s of 100 points.") % {"total": plain_number(total)},
            _("Once submitted, the scores are locked and count towards the ranking; only the officer can reopen the "
              "review, with a written reason."),
        ],
        table={"caption": _("Scores to submit"), "head": [_("Criterion"), _("Score"), _("maximum score"), _("weight")],
               "rows": [(c.name, plain_number(saved[c.pk].value), plain_number(c.max_score), plain_number(c.weight)) for c in criteria],
               "foot": (_("Weighted total"), _("%(total)s of 100 points") % {"total": plain_number(total)})},
        hidden=hidden,
        confirm_label=_("I have checked the scores; submit them and lock the review."),
        button=_("Submit the review"),
        action=reverse("reviewer_score", args=[assignment.pk]),
        back_url=reverse("reviewer_assignment", args=[assignment.pk]),
    )


@login_required
@require_safe
def document(request: HttpRequest, pk: int, document_pk: int) -> FileResponse:
    return document_response(selectors.document_for_reviewer(request.user, pk, document_pk))
