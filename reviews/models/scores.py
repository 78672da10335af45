"""A reviewer's scores for one assignment: a draft until submitted, then locked."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _
from django_fsm import FSMField, FSMModelMixin, transition

from reviews.models.panels import Assignment
from reviews.models.rubrics import Criterion


class Review(FSMModelMixin, models.Model):
    class Status(models.TextChoices):
        DRAFT = "draft", _("Draft")
        SUBMITTED = "submitted", _("Submitted")

    assignment = models.OneToOneField(Assignment, on_delete=models.CASCADE, related_name="review")
    status = FSMField(max_length=10, choices=Status.choices, default=Status.DRAFT, protected=True)
    comment = models.TextField(_("overall comment"), blank=True)
    # Weighted total out of 100, written when the review is submitted.
    total = models.DecimalField(max_digits=6, decimal_places=3, null=True, blank=True)
    # The application's newest event when it was scored: a review is tied to what it saw.
    application_event_seq = models.PositiveIntegerField(null=True, blank=True)
    submitted_at = models.DateTimeField(null=True, blank=True)
    reopened_reason = models.TextField(blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("review")
        verbose_name_plural = _("reviews")
        indexes = [models.Index(fields=["status"])]

    def __str__(self) -> str:
        return f"review of {self.assignment}"

    # Run through applications.lifecycle.runner (reviews/services/scoring.py), each with the assignment's own transition.
    @transition(field=status, source=Status.DRAFT, target=Status.SUBMITTED, permission="reviews.review_assignment")
    def submit(self) -> None:
        pass

    @transition(field=status, source=Status.SUBMITTED, target=Status.DRAFT, permission="reviews.manage_evaluation")
    def reopen(self) -> None:
        pass


class Score(models.Model):
    review = models.ForeignKey(Review, on_delete=models.CASCADE, related_name="scores")
    criterion = models.ForeignKey(Criterion, on_delete=models.PROTECT, related_name="scores")
    value = models.DecimalField(max_digits=5, decimal_places=2)
    comment = models.TextField(blank=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["review", "criterion"], name="one_score_per_criterion")]

    def __str__(self) -> str:
        return f"{self.criterion}: {self.value}"
