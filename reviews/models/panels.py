"""Panels of outside reviewers, their assignments and conflicts of interest."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _
from django_fsm import FSMField, FSMModelMixin, transition

from applications.models import Application, Call


class Panel(models.Model):
    class Stage(models.TextChoices):
        WRITTEN = "written", _("Written evaluation (서면)")
        ONSITE = "onsite", _("On-site evaluation (현장)")
        PRESENTATION = "presentation", _("Presentation (발표)")

    call = models.ForeignKey(Call, on_delete=models.CASCADE, related_name="panels")
    name = models.CharField(_("name"), max_length=100)
    stage = models.CharField(_("stage"), max_length=20, choices=Stage.choices, default=Stage.WRITTEN)
    reviewers_per_application = models.PositiveSmallIntegerField(_("reviewers per application"), default=5)
    due_at = models.DateTimeField(_("reviews due"))
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["call", "pk"]
        verbose_name = _("panel")
        verbose_name_plural = _("panels")

    def __str__(self) -> str:
        return self.name


class PanelMember(models.Model):
    panel = models.ForeignKey(Panel, on_delete=models.CASCADE, related_name="members")
    reviewer = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="panel_memberships")
    invited_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["panel", "reviewer"], name="one_membership_per_panel")]

    def __str__(self) -> str:
        return f"{self.reviewer} @ {self.panel}"


class Assignment(FSMModelMixin, models.Model):
    class Status(models.TextChoices):
        ASSIGNED = "assigned", _("Assigned")
        CLEARED = "cleared", _("No conflict declared")
        CONFLICT = "conflict", _("Conflict declared: removed")
        SUBMITTED = "submitted", _("Review submitted")
        WAIVED = "waived", _("Waived by the officer")

    panel = models.ForeignKey(Panel, on_delete=models.CASCADE, related_name="assignments")
    application = models.ForeignKey(Application, on_delete=models.CASCADE, related_name="assignments")
    reviewer = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="assignments")
    status = FSMField(max_length=10, choices=Status.choices, default=Status.ASSIGNED, protected=True)
    assigned_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    declared_at = models.DateTimeField(null=True, blank=True)
    conflict_reason = models.TextField(blank=True)
    # Why the officer decided without this review (a reviewer fell ill, could not be reached).
    waive_reason = models.TextField(blank=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["panel", "application", "reviewer"], name="one_assignment_per_reviewer")]
        indexes = [models.Index(fields=["reviewer", "status"]), models.Index(fields=["application", "status"])]

    def __str__(self) -> str:
        return f"{self.reviewer} → {self.application}"

    @property
    def is_active(self) -> bool:
        return self.status != self.Status.CONFLICT

    # The transitions, run through applications.lifecycle.runner (the reviewer's declarations, scoring, the
    # officer's waiver and reopening, a tie recorded after assignment), each guarded by the permission of
    # whoever runs it (a tie the reviewer declares themselves runs as the system's).
    @transition(field=status, source=Status.ASSIGNED, target=Status.CLEARED, permission="reviews.review_assignment")
    def clear(self) -> None:
        pass

    @transition(field=status, source=[Status.ASSIGNED, Status.CLEARED], target=Status.CONFLICT, permission="reviews.review_assignment")
    def declare_conflict(self) -> None:
        pass

    @transition(field=status, source=[Status.ASSIGNED, Status.CLEARED], target=Status.CONFLICT, permission="reviews.manage_evaluation")
    def record_tie(self) -> None:
        pass

    @transition(field=status, source=Status.CLEARED, target=Status.SUBMITTED, permission="reviews.review_assignment")
    def submit_review(self) -> None:
        pass

    @transition(field=status, source=Status.SUBMITTED, target=Status.CLEARED, permission="reviews.manage_evaluation")
    def reopen_review(self) -> None:
        pass

    @transition(field=status, source=[Status.ASSIGNED, Status.CLEARED], target=Status.WAIVED, permission="reviews.manage_evaluation")
    def waive(self) -> None:
        pass
