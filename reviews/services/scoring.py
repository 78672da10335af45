"""A reviewer scores an assignment: drafts, submission (then locked), reopening by the officer."""

from __future__ import annotations

import datetime
from decimal import Decimal, InvalidOperation

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _

from applications.lifecycle import lock_application, runner
from applications.models import Application, State
from portal.duties import refuse_if_tied
from portal.formatting import deadline, plain_number
from portal.limits import reason_text
from portal.models import User
from reviews.models import Assignment, Criterion, Review, Score
from reviews.ranking import weighted_total
from reviews.selectors import assignment_for_reviewer
from reviews.services.evaluation import assignment_for_change


def _parse(raw, criterion: Criterion) -> tuple[Decimal | None, str | None]:
    text = str(raw if raw is not None else "").strip().replace(",", ".")
    if text == "":
        return None, None
    try:
        value = Decimal(text)
    except InvalidOperation:
        return None, _("Enter a number.")
    if not value.is_finite() or value < 0 or value > criterion.max_score:
        return None, _("Enter a score from 0 to %(max)s.") % {"max": plain_number(criterion.max_score)}
    if value.as_tuple().exponent < -2:
        return None, _("Use at most two decimal places.")
    return value, None


def _removed_for_conflict() -> ValidationError:
    return ValidationError(_("This review was removed for a conflict of interest, so it cannot be scored; nothing was saved."),
                           code="conflict")


def review_save(*, user: User, assignment_id: int, scores: dict[int, str], comments: dict[int, str], comment: str,
                submit: bool = False, now: datetime.datetime | None = None) -> tuple[Review, dict[int, str]]:
    """Save the reviewer's scores; with `submit`, every criterion must be scored in range and
    the review is locked. Nothing is stored when a score is out of range. A reviewer who
    has become tied to the company since the assignment is refused (portal/duties.py). The
    panel's due time is judged by when the request arrived (`now`), under the lock."""
    now = now or timezone.now()
    assignment = assignment_for_reviewer(user, assignment_id)
    refuse_if_tied(user, assignment.application.company, action="review", target=assignment)
    with transaction.atomic():
        try:
            assignment = assignment_for_change(user, assignment_id)
        except Http404:
            # Removed for a conflict (declared, or a tie the officer recorded) since the page was read.
            if Assignment.objects.filter(pk=assignment_id, reviewer=user, status=Assignment.Status.CONFLICT).exists():
                raise _removed_for_conflict() from None
            raise
        # Scored only from "no conflict declared" (a submitted review is refused below): an
        # officer's waiver or a conflict that came first under the lock stands.
        if assignment.status == Assignment.Status.ASSIGNED:
            raise ValidationError(_("Declare first that you have no conflict of interest with this application."), code="undeclared")
        if assignment.status == Assignment.Status.WAIVED:
            raise ValidationError(_("The officer waived this review, so it can no longer be scored; nothing was saved."), code="waived")
        if assignment.status not in (Assignment.Status.CLEARED, Assignment.Status.SUBMITTED):
            raise _removed_for_conflict()
        review, _created = Review.objects.get_or_create(assignment=assignment)
        if review.status == Review.Status.SUBMITTED:
            raise ValidationError(_("This review was submitted and is locked. Ask the officer to reopen it."), code="locked")
        if now >= assignment.panel.due_at:
            raise ValidationError(_("Reviews for this panel were due at %(time)s (KST); nothing was saved. Ask the officer to extend the due time.")
                                  % {"time": deadline(assignment.panel.due_at)}, code="late")
        criteria = list(assignment.panel.call.rubric.criteria.all())
        errors: dict[int, str] = {}
        values: dict[int, Decimal] = {}
        for criterion in criteria:
            value, error = _parse(scores.get(criterion.pk), criterion)
            if error:
                errors[criterion.pk] = error
            elif value is None and submit:
                errors[criterion.pk] = _("Score every criterion before submitting.")
            elif value is not None:
                values[criterion.pk] = value
        if len(comment) > 10_000 or any(len(c) > 5_000 for c in comments.values()):
            raise ValidationError(_("A comment is too long (at most 5,000 characters per criterion, 10,000 overall)."), code="too_long")
        if errors:
            return review, errors
        for criterion in criteria:
            if criterion.pk in values:
                Score.objects.update_or_create(review=review, criterion=criterion,
                                               defaults={"value": values[criterion.pk], "comment": comments.get(criterion.pk, "")[:5000]})
        review.comment = comment
        if submit:
            review.assignment = assignment
            step = runner.begin(review, "submit", user)
            step.apply()
            review.total = weighted_total([(values[c.pk], c.max_score, c.weight) for c in criteria])
            review.submitted_at = now
            review.application_event_seq = assignment.application.events.order_by("-seq").values_list("seq", flat=True).first()
            if assignment.status == Assignment.Status.CLEARED:
                runner.begin(assignment, "submit_review", user).apply()
                assignment.save(update_fields=["status"])
            step.finish(data={"assignment": assignment.pk, "total": str(review.total)})
        else:
            review.save()
    return review, {}


def review_reopen(*, user: User, review_id: int, reason: str, ip: str | None = None) -> Review:
    """The officer sends a submitted review back to its reviewer — never an officer tied to
    the company (portal/duties.py: refused and recorded before the transaction)."""
    reason = reason_text(reason, what=_("why the review is reopened"))
    application = Application.objects.select_related("company", "call__program").get(assignments__review__pk=review_id)
    refuse_if_tied(user, application.company, action="reopen", target=application, ip=ip)
    return _review_reopen(user=user, review_id=review_id, reason=reason, application_id=application.pk)


@transaction.atomic
def _review_reopen(*, user: User, review_id: int, reason: str, application_id: int) -> Review:
    application = lock_application(application_id)
    review = Review.objects.select_for_update(of=("self",)).select_related("assignment__panel__call").get(pk=review_id)
    if not user.has_perm("reviews.manage_evaluation", review.assignment.panel.call):
        raise PermissionDenied
    if review.status != Review.Status.SUBMITTED:
        raise ValidationError(_("Only a submitted review can be reopened."), code="not_submitted")
    if application.state != State.UNDER_REVIEW:
        # Decided (or beyond): the scores are what the decision was made on. A re-review after an
        # upheld appeal brings the application back under evaluation first.
        raise ValidationError(_("%(receipt)s is no longer under evaluation (it is “%(state)s”): the reviews its decision was made on "
                                "cannot be reopened. Nothing was changed.")
                              % {"receipt": application.receipt_number, "state": application.get_state_display()}, code="decided")
    review.assignment.application = application
    assignment = Assignment.objects.select_for_update(of=("self",)).get(pk=review.assignment_id)
    assignment.application = application
    step = runner.begin(review, "reopen", user)
    step.apply()
    review.total = None
    review.reopened_reason = reason
    if assignment.status == Assignment.Status.SUBMITTED:
        runner.begin(assignment, "reopen_review", user).apply()
        assignment.save(update_fields=["status"])
    step.finish(message=reason, data={"review": review.pk})
    return review
