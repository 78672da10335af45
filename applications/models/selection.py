"""The decision: selection within the budget, place offers from the waiting list, and appeals
against the result — the rows the life cycle's decision and appeal stages move
(applications/lifecycle/). Their tables keep the names they were created with in the reviews
app (`reviews_…`), so moving them here changed no data."""

from __future__ import annotations

import datetime

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _
from django_fsm import FSMField, FSMModelMixin, transition

from applications.models.application import Application
from applications.models.calls import Call
from portal.periods import period_end


class SelectionRound(models.Model):
    """One run of selection for a call: a proposal the officer may adjust, finalized once.

    The first round decides the whole call. A re-decision round decides again only the
    applications whose appeal was upheld and that were evaluated again, within what the
    budget has left; it never touches the others."""

    class Kind(models.TextChoices):
        INITIAL = "initial", _("Selection")
        REDECISION = "redecision", _("Re-decision after re-review")

    kind = models.CharField(max_length=12, choices=Kind.choices, default=Kind.INITIAL)
    call = models.ForeignKey(Call, on_delete=models.CASCADE, related_name="selection_rounds")
    budget = models.BigIntegerField(_("government budget (KRW)"))
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    finalized_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    finalized_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        db_table = "reviews_selectionround"
        ordering = ["-created_at"]
        constraints = [
            # Finalizing happens once per call, even if two officers press the button together.
            models.UniqueConstraint(fields=["call"], condition=models.Q(finalized_at__isnull=False, kind="initial"),
                                    name="one_final_selection_per_call"),

        ]

    def __str__(self) -> str:
        return f"{self.call.code} selection {self.created_at:%Y-%m-%d %H:%M}"


class SelectionItem(models.Model):
    class Decision(models.TextChoices):
        SELECTED = "selected", _("Selected")
        WAITLISTED = "waitlisted", _("Waitlisted")
        REJECTED = "rejected", _("Not selected")

    round = models.ForeignKey(SelectionRound, on_delete=models.CASCADE, related_name="items")
    application = models.ForeignKey(Application, on_delete=models.PROTECT, related_name="selection_items")
    rank = models.PositiveIntegerField()
    aggregated = models.DecimalField(max_digits=7, decimal_places=3)
    bonus = models.DecimalField(max_digits=5, decimal_places=2)
    final = models.DecimalField(max_digits=7, decimal_places=3)
    reviews = models.PositiveSmallIntegerField()
    grant = models.BigIntegerField(_("grant (KRW)"))
    decision = models.CharField(max_length=10, choices=Decision.choices)
    proposed_decision = models.CharField(max_length=10, choices=Decision.choices)
    override_reason = models.TextField(blank=True)
    # Per-criterion means, for the applicant's own breakdown: {criterion_id: mean}.
    breakdown = models.JSONField(default=dict)
    # When the application was moved to this decision and told (the notice): the appeal
    # window runs from here. Set once; a later re-review does not make it apply again.
    applied_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        db_table = "reviews_selectionitem"
        ordering = ["round", "rank"]
        constraints = [models.UniqueConstraint(fields=["round", "application"], name="one_item_per_application")]

    def __str__(self) -> str:
        return f"{self.rank}. {self.application}"

    @property
    def appeal_closes_at(self) -> datetime.datetime | None:
        """The end of the appeal window: the rubric's days from the notice of this decision
        (`applied_at`), counted as every citizen's period is; None until the company is told."""
        if self.applied_at is None:
            return None
        return period_end(self.applied_at, days=self.round.call.rubric.appeal_days)


class Appeal(FSMModelMixin, models.Model):
    """이의신청 against the result, within the call's window after the notice."""

    class Outcome(models.TextChoices):
        PENDING = "pending", _("Pending")
        DISMISSED = "dismissed", _("Dismissed: the result stands")
        REREVIEW = "rereview", _("Re-review ordered")

    application = models.ForeignKey(Application, on_delete=models.CASCADE, related_name="appeals")
    # The decision appealed against: one appeal per decision.
    item = models.ForeignKey(SelectionItem, on_delete=models.PROTECT, null=True, related_name="appeals")
    reason = models.TextField(_("reason"))
    filed_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    filed_at = models.DateTimeField(auto_now_add=True)
    previous_state = models.CharField(max_length=30)
    outcome = FSMField(max_length=10, choices=Outcome.choices, default=Outcome.PENDING, protected=True)
    decision_note = models.TextField(blank=True)
    decided_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    decided_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        db_table = "reviews_appeal"
        ordering = ["-filed_at"]
        constraints = [
            models.UniqueConstraint(fields=["application"], condition=models.Q(outcome="pending"), name="one_pending_appeal"),
            models.UniqueConstraint(fields=["item"], name="one_appeal_per_decision"),
        ]

    def __str__(self) -> str:
        return f"appeal {self.application}"

    # Run by applications/lifecycle/appeals.py together with the application's transition.
    @transition(field=outcome, source=Outcome.PENDING, target=Outcome.DISMISSED, permission="applications.decide_appeal")
    def dismiss(self) -> None:
        pass

    @transition(field=outcome, source=Outcome.PENDING, target=Outcome.REREVIEW, permission="applications.decide_appeal")
    def order_rereview(self) -> None:
        pass


class PlaceOffer(FSMModelMixin, models.Model):
    """A place freed in the selection, offered to a waitlisted application with a deadline."""

    class Outcome(models.TextChoices):
        OPEN = "open", _("Waiting for the answer")
        ACCEPTED = "accepted", _("Accepted")
        DECLINED = "declined", _("Declined")
        LAPSED = "lapsed", _("Not answered in time")

    application = models.ForeignKey(Application, on_delete=models.CASCADE, related_name="offers")
    item = models.ForeignKey(SelectionItem, on_delete=models.PROTECT, related_name="offers")
    grant = models.BigIntegerField(_("grant (KRW)"))
    due_at = models.DateTimeField(_("answer by"))
    made_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    made_at = models.DateTimeField(auto_now_add=True)
    outcome = FSMField(max_length=10, choices=Outcome.choices, default=Outcome.OPEN, protected=True)
    answered_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        db_table = "reviews_placeoffer"
        ordering = ["-made_at"]
        constraints = [
            models.UniqueConstraint(fields=["application"], condition=models.Q(outcome="open"), name="one_open_offer"),
        ]

    def __str__(self) -> str:
        return f"offer {self.application}"

    # Run by applications/lifecycle/decision.py together with the application's transition.
    @transition(field=outcome, source=Outcome.OPEN, target=Outcome.ACCEPTED, permission="applications.answer_offer")
    def accept(self, when) -> None:
        self.answered_at = when

    @transition(field=outcome, source=Outcome.OPEN, target=Outcome.DECLINED, permission="applications.answer_offer")
    def decline(self, when) -> None:
        self.answered_at = when

    @transition(field=outcome, source=Outcome.OPEN, target=Outcome.LAPSED)
    def lapse(self, when) -> None:
        self.answered_at = when
