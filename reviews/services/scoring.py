"""A reviewer scores an assignment: drafts, submission (then locked), reopening by the officer."""

from __future__ import annotations

from decimal import Decimal, InvalidOperation

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from applications.models import EventType
from applications.services.events import event_record
from applications.services.lifecycle import lock_application
from portal.duties import refuse_if_tied
from portal.formatting import deadline, plain_number
from portal.limits import reason_text
from portal.models import User
from reviews.models import Assignment, Criterion, Review, Score
from reviews.ranking import weighted_total
from reviews.services.evaluation import assignment_for_change, assignment_for_reviewer


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


def review_save(*, user: User, assignment_id: int, scores: dict[int, str], comments: dict[int, str], comment: str,
                submit: bool = False) -> tuple[Review, dict[int, str]]:
    """Save the reviewer's scores; with `submit`, every criterion must be scored in range and
    the review is locked. Nothing is stored when a score is out of range. A reviewer who
    has become tied to the company since the assignment is refused (portal/duties.py)."""
    assignment = assignment_for_reviewer(user, assignment_id)
    refuse_if_tied(user, assignment.application.company, action="review", target=assignment)
    with transaction.atomic():
        assignment = assignment_for_change(user, assignment_id)
        if assignment.status == Assignment.Status.ASSIGNED:
            raise ValidationError(_("Declare first that you have no conflict of interest with this application."), code="undeclared")
        review, _created = Review.objects.get_or_create(assignment=assignment)
        if review.status == Review.Status.SUBMITTED:
            raise ValidationError(_("This review was submitted and is locked. Ask the officer to reopen it."), code="locked")
        if timezone.now() >= assignment.panel.due_at:
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
            review.total = weighted_total([(values[c.pk], c.max_score, c.weight) for c in criteria])
            review.status = Review.Status.SUBMITTED
            review.submitted_at = timezone.now()
            review.application_event_seq = assignment.application.events.order_by("-seq").values_list("seq", flat=True).first()
            assignment.status = Assignment.Status.SUBMITTED
            assignment.save(update_fields=["status"])
            event_record(application=assignment.application, actor=user, action=EventType.REVIEW_SUBMITTED,
                         data={"assignment": assignment.pk, "total": str(review.total)})
        review.save()
    return review, {}


@transaction.atomic
def review_reopen(*, user: User, review_id: int, reason: str) -> Review:
    reason = reason_text(reason, what=_("why the review is reopened"))
    application_id = Review.objects.values_list("assignment__application_id", flat=True).get(pk=review_id)
    application = lock_application(application_id)
    review = Review.objects.select_for_update(of=("self",)).select_related("assignment__panel__call").get(pk=review_id)
    if not user.has_perm("reviews.manage_evaluation", review.assignment.panel.call):
        from django.core.exceptions import PermissionDenied

        raise PermissionDenied
    if review.status != Review.Status.SUBMITTED:
        raise ValidationError(_("Only a submitted review can be reopened."), code="not_submitted")
    review.status = Review.Status.DRAFT
    review.total = None
    review.reopened_reason = reason
    review.save(update_fields=["status", "total", "reopened_reason", "updated_at"])
    Assignment.objects.filter(pk=review.assignment_id).update(status=Assignment.Status.CLEARED)
    event_record(application=application, actor=user, action=EventType.REVIEW_REOPENED, message=reason, data={"review": review.pk})
    return review
