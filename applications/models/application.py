"""The application a company files against a call, its budget, documents and events."""

from __future__ import annotations

import uuid

from django.conf import settings
from django.core.validators import MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _
from django_fsm import RETURN_VALUE, FSMField, FSMModelMixin, transition

from applications.models.calls import Call, RequiredDocument, SupportLevel
from applications.models.form_definitions import FormVersion
from portal.models import Company


class State(models.TextChoices):
    DRAFT = "draft", _("Draft")
    SUBMITTED = "submitted", _("Submitted")
    SCREENING = "screening", _("Eligibility screening")
    REVISION_REQUESTED = "revision_requested", _("Revision requested")
    INELIGIBLE = "ineligible", _("Ineligible")
    UNDER_REVIEW = "under_review", _("Under evaluation")
    APPEAL = "appeal", _("Appeal")
    SELECTED = "selected", _("Selected")
    WAITLISTED = "waitlisted", _("Waitlisted")
    REJECTED = "rejected", _("Not selected")
    WITHDRAWN = "withdrawn", _("Withdrawn")
    AGREEMENT = "agreement", _("Agreement in progress")
    CONTRACTED = "contracted", _("Agreement executed")


# The applicant may give up (포기) at any point before the agreement.
WITHDRAWABLE = [
    State.DRAFT,
    State.SUBMITTED,
    State.SCREENING,
    State.REVISION_REQUESTED,
    State.UNDER_REVIEW,
    State.APPEAL,
    State.WAITLISTED,
    State.SELECTED,
]


class Application(FSMModelMixin, models.Model):
    call = models.ForeignKey(Call, on_delete=models.PROTECT, related_name="applications")
    company = models.ForeignKey(Company, on_delete=models.PROTECT, related_name="applications")
    form_version = models.ForeignKey(FormVersion, on_delete=models.PROTECT, related_name="applications")
    support_level = models.ForeignKey(
        SupportLevel, on_delete=models.PROTECT, null=True, blank=True, related_name="applications", verbose_name=_("support level")
    )
    state = FSMField(_("status"), default=State.DRAFT, choices=State.choices, protected=True, db_index=True)
    receipt_number = models.CharField(_("receipt number"), max_length=40, unique=True, null=True, blank=True)
    project_title = models.TextField(_("project title"), blank=True)
    answers = models.JSONField(default=dict, blank=True)
    declarations = models.JSONField(default=dict, blank=True)
    grant_requested = models.BigIntegerField(_("government grant requested (KRW)"), default=0, validators=[MinValueValidator(0)])
    eligibility_snapshot = models.JSONField(default=list, blank=True)
    # Kinds of the rules that did not pass at submission (soft rules only; hard ones block),
    # as ",kind,kind," so that the officer's queue can filter on them in SQL.
    rule_issues = models.CharField(max_length=200, blank=True, default="")
    # Bumped by every draft save, so that a save from a stale page is noticed.
    draft_revision = models.PositiveIntegerField(default=0)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    submitted_at = models.DateTimeField(null=True, blank=True)
    withdrawn_at = models.DateTimeField(null=True, blank=True)
    withdraw_reason = models.TextField(blank=True)
    # Hash of the newest event: deleting the last event is noticed too.
    event_head = models.CharField(max_length=64, blank=True, editable=False)

    class Meta:
        verbose_name = _("application")
        verbose_name_plural = _("applications")
        constraints = [models.UniqueConstraint(fields=["call", "company"], name="one_application_per_company_per_call")]
        indexes = [
            models.Index(fields=["call", "state"]),
            # The officer queue's default order: the first page is read off the index instead of
            # sorting the whole call (29 ms → 0.3 ms at 10,000 applications on PostgreSQL).
            models.Index(fields=["call", "submitted_at", "id"], name="application_queue_order"),
        ]

    def __str__(self) -> str:
        return self.receipt_number or f"{self.call.code} / {self.company}"

    # --- Transitions. Each only changes the state; the service that calls it checks the
    # deadline and completeness, holds the row lock and writes the event.

    @transition(field=state, source=State.DRAFT, target=State.SUBMITTED, permission="applications.submit_application")
    def submit(self) -> None:
        pass

    @transition(field=state, source=State.SUBMITTED, target=State.SCREENING, permission="applications.screen_application")
    def begin_screening(self) -> None:
        pass

    @transition(field=state, source=[State.SUBMITTED, State.SCREENING], target=State.UNDER_REVIEW,
                permission="applications.screen_application")
    def pass_screening(self) -> None:
        pass

    @transition(field=state, source=[State.SUBMITTED, State.SCREENING], target=State.REVISION_REQUESTED,
                permission="applications.screen_application")
    def request_revision(self) -> None:
        pass

    @transition(field=state, source=State.REVISION_REQUESTED, target=State.SCREENING, permission="applications.resubmit_application")
    def resubmit(self) -> None:
        pass

    @transition(field=state, source=[State.SUBMITTED, State.SCREENING, State.REVISION_REQUESTED], target=State.INELIGIBLE,
                permission="applications.screen_application")
    def declare_ineligible(self) -> None:
        pass

    # Run by the periodic sweep, not by a person: no permission, a condition instead.
    @transition(field=state, source=State.REVISION_REQUESTED, target=State.INELIGIBLE,
                conditions=[lambda application: application.revision_overdue(getattr(application, "clock", None))])
    def expire_revision(self) -> None:
        pass

    @transition(field=state, source=State.UNDER_REVIEW, target=State.SELECTED, permission="applications.decide_selection")
    def select(self) -> None:
        pass

    @transition(field=state, source=State.UNDER_REVIEW, target=State.WAITLISTED, permission="applications.decide_selection")
    def waitlist(self) -> None:
        pass

    @transition(field=state, source=State.UNDER_REVIEW, target=State.REJECTED, permission="applications.decide_selection")
    def reject(self) -> None:
        pass

    @transition(field=state, source=State.WAITLISTED, target=State.SELECTED, permission="applications.decide_selection")
    def promote(self) -> None:
        pass

    @transition(field=state, source=[State.REJECTED, State.WAITLISTED], target=State.APPEAL, permission="applications.appeal_application")
    def appeal(self) -> None:
        pass

    @transition(field=state, source=State.APPEAL, target=State.UNDER_REVIEW, permission="applications.decide_appeal")
    def order_rereview(self) -> None:
        pass

    @transition(field=state, source=State.APPEAL, target=RETURN_VALUE(State.REJECTED, State.WAITLISTED),
                permission="applications.decide_appeal")
    def dismiss_appeal(self, previous_state: str) -> str:
        """The result stands: back to what the applicant appealed against."""
        return previous_state

    @transition(field=state, source=State.SELECTED, target=State.AGREEMENT, permission="applications.manage_agreement")
    def start_agreement(self) -> None:
        pass

    # Run by the worker when the signed agreement is executed.
    @transition(field=state, source=State.AGREEMENT, target=State.CONTRACTED)
    def execute_agreement(self) -> None:
        pass

    @transition(field=state, source=WITHDRAWABLE, target=State.WITHDRAWN, permission="applications.withdraw_application")
    def withdraw(self) -> None:
        pass

    @property
    def is_editable(self) -> bool:
        return self.state in (State.DRAFT, State.REVISION_REQUESTED)

    def open_revision(self):
        """The revision request the applicant is answering, if any (one query, cached)."""
        if not hasattr(self, "_open_revision"):
            self._open_revision = self.revisions.filter(resolved_at__isnull=True).order_by("-created_at").first()
        return self._open_revision

    def revision_overdue(self, now=None) -> bool:
        from django.utils import timezone

        revision = self.open_revision()
        return revision is not None and (now or timezone.now()) >= revision.due_at


class BudgetCategory(models.TextChoices):
    EQUIPMENT = "equipment", _("Equipment")
    SOFTWARE = "software", _("Software")
    CONSULTING = "consulting", _("Consulting")
    INSTALLATION = "installation", _("Installation and integration")
    TRAINING = "training", _("Training")
    OTHER = "other", _("Other")


class BudgetLine(models.Model):
    application = models.ForeignKey(Application, on_delete=models.CASCADE, related_name="budget_lines")
    category = models.CharField(_("category"), max_length=20, choices=BudgetCategory.choices)
    description = models.CharField(_("item"), max_length=200)
    amount = models.BigIntegerField(_("amount (KRW)"), validators=[MinValueValidator(1)])
    # In-kind lines are paid by the company in kind (its own staff, equipment it owns).
    is_in_kind = models.BooleanField(_("in kind"), default=False)
    order = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["order", "pk"]

    def __str__(self) -> str:
        return f"{self.description}: {self.amount}"


def _document_path(instance: ApplicationDocument, filename: str) -> str:
    # Never the uploader's name: a server-made name with the extension of the detected format.
    return f"applications/{instance.application_id}/{uuid.uuid4().hex}.{instance.detected_format}"


class ApplicationDocument(models.Model):
    application = models.ForeignKey(Application, on_delete=models.CASCADE, related_name="documents")
    requirement = models.ForeignKey(RequiredDocument, on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    field_key = models.CharField(max_length=40, blank=True)
    file = models.FileField(upload_to=_document_path, max_length=200)
    original_name = models.CharField(_("file name"), max_length=200)
    detected_format = models.CharField(max_length=10)
    size = models.PositiveBigIntegerField()
    sha256 = models.CharField(max_length=64)
    uploaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    uploaded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("document")
        verbose_name_plural = _("documents")
        ordering = ["uploaded_at"]

    def __str__(self) -> str:
        return self.original_name


class ApplicationEvent(models.Model):
    """Append-only history of an application. Each row's hash covers its content and the
    previous row's hash; `manage.py verify_events` recomputes the chains."""

    application = models.ForeignKey(Application, on_delete=models.PROTECT, related_name="events")
    seq = models.PositiveIntegerField()
    created_at = models.DateTimeField()
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    action = models.CharField(max_length=40)
    from_state = models.CharField(max_length=30, blank=True)
    to_state = models.CharField(max_length=30, blank=True)
    message = models.TextField(blank=True)
    ip_address = models.GenericIPAddressField(null=True, blank=True)
    data = models.JSONField(default=dict, blank=True)
    prev_hash = models.CharField(max_length=64, blank=True)
    hash = models.CharField(max_length=64)

    class Meta:
        verbose_name = _("application event")
        verbose_name_plural = _("application events")
        ordering = ["application", "seq"]
        constraints = [models.UniqueConstraint(fields=["application", "seq"], name="one_event_per_seq")]

    def __str__(self) -> str:
        return f"{self.application_id}#{self.seq} {self.action}"

    def save(self, *args, **kwargs) -> None:
        if self.pk is not None:
            raise ValueError("Application events are append-only.")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise ValueError("Application events are append-only.")


class RevisionRequest(models.Model):
    """보완요청: what the officer asks the applicant to change, and by when."""

    application = models.ForeignKey(Application, on_delete=models.CASCADE, related_name="revisions")
    requested_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    message = models.TextField(_("what to change"))
    # Step slugs the applicant may edit: "overview", "section-<id>", "budget", "documents", "declarations".
    steps = models.JSONField(default=list)
    due_at = models.DateTimeField(_("due"))
    created_at = models.DateTimeField(auto_now_add=True)
    resolved_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("revision request")
        verbose_name_plural = _("revision requests")
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.application} / {self.due_at:%Y-%m-%d}"


class Notification(models.Model):
    """An in-app notice to one person, written with the change it reports."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notifications")
    application = models.ForeignKey(Application, on_delete=models.CASCADE, null=True, blank=True, related_name="+")
    message_ko = models.TextField()
    message_en = models.TextField()
    url = models.CharField(max_length=200, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    read_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["user", "read_at"])]

    def __str__(self) -> str:
        return self.message_ko[:50]

    @property
    def message(self) -> str:
        from django.utils import translation

        return self.message_en if translation.get_language() == "en" else self.message_ko
