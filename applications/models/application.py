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
from portal.identifiers import IdentifierField, format_business_number, validate_business_number
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
    OFFERED = "offered", _("Place offered")
    REJECTED = "rejected", _("Not selected")
    WITHDRAWN = "withdrawn", _("Withdrawn")
    AGREEMENT = "agreement", _("Agreement in progress")
    CONTRACTED = "contracted", _("Agreement executed")


# States in which an application holds part of its call's budget (selected, offered a place,
# under agreement or executed).
HOLDS_BUDGET = (State.SELECTED, State.OFFERED, State.AGREEMENT, State.CONTRACTED)

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


class FormStep(models.TextChoices):
    """The fixed steps of the application form, by the slug in their URL, in the order they
    are shown; the call's own sections come between the overview and the budget, each as
    `section_step(section_id)`."""

    OVERVIEW = "overview", _("Project")
    BUDGET = "budget", _("Budget")
    DOCUMENTS = "documents", _("Documents")
    DECLARATIONS = "declarations", _("Declarations")
    REVIEW = "review", _("Review and submit")


# The steps an officer's revision request may name, besides the call's sections (the review
# step is where the applicant sends the revision back).
REVISABLE_STEPS = (FormStep.OVERVIEW, FormStep.BUDGET, FormStep.DOCUMENTS, FormStep.DECLARATIONS)

SECTION_STEP_PREFIX = "section-"


def section_step(section_id: int) -> str:
    """The slug of the step for one of the call's form sections."""
    return f"{SECTION_STEP_PREFIX}{section_id}"


def is_section_step(slug: str) -> bool:
    return slug.startswith(SECTION_STEP_PREFIX)


def section_id_of(slug: str) -> str:
    """The section's id as written in a section step's slug (not checked: the caller looks it up)."""
    return slug.removeprefix(SECTION_STEP_PREFIX)


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
    # Three-party funding: what the partner company pays (calls with a partner share only).
    partner_amount = models.BigIntegerField(_("partner company's share (KRW)"), default=0, validators=[MinValueValidator(0)])
    # Programs that name a solution supplier (Program.names_supplier, smart factories): the
    # supplier (공급기업) the company chose to build with, named again on the agreement.
    supplier_name = models.CharField(_("solution supplier (공급기업)"), max_length=200, blank=True)
    supplier_business_number = IdentifierField(_("supplier's business registration number"), max_length=10, blank=True,
                                               validators=[validate_business_number])
    eligibility_snapshot = models.JSONField(default=list, blank=True)
    # The company's facts as they were when the application was (re)submitted
    # (Company.facts()): screening, ranking and the agreement use these, never the live
    # profile, so a later edit cannot move a score (the officer is shown the difference).
    company_facts = models.JSONField(default=dict, blank=True, editable=False)
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
    # The grant this application holds while selected, offered a place or under agreement:
    # what the call's budget has committed to it (set by the decision and the offer).
    grant_awarded = models.BigIntegerField(null=True, blank=True, editable=False)
    # Hash of the newest event: deleting the last event is noticed too.
    event_head = models.CharField(max_length=64, blank=True, editable=False)
    # The head the per-minute sweep last wrote to the anchor store (portal/services/anchors.py):
    # only tells the sweep what is new; the check reads the store itself, never this.
    anchored_head = models.CharField(max_length=64, blank=True, editable=False)
    # When the uploaded documents were destroyed because the program's period for the
    # documents of an application never selected ended (applications/personal_data.py).
    documents_destroyed_at = models.DateTimeField(_("documents destroyed"), null=True, blank=True, editable=False)

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

    # --- Transitions. Each only checks the source state and the person's permission and
    # changes the state; the service in applications/lifecycle/ that runs it
    # holds the row locks, checks the business guards (deadlines, budget) and writes the
    # one event. Transitions without a permission are run by the system (beat jobs, the
    # worker), never from a view.

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

    @transition(field=state, source=State.REVISION_REQUESTED, target=State.INELIGIBLE)
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

    # A place freed by a selected application is offered to the next on the waiting list;
    # the company accepts or declines by a deadline, or is taken to have given up (포기 간주).
    @transition(field=state, source=State.WAITLISTED, target=State.OFFERED, permission="applications.decide_selection")
    def offer_place(self) -> None:
        pass

    @transition(field=state, source=State.OFFERED, target=State.SELECTED, permission="applications.answer_offer")
    def accept_offer(self) -> None:
        pass

    @transition(field=state, source=State.OFFERED, target=State.WITHDRAWN, permission="applications.answer_offer")
    def decline_offer(self) -> None:
        pass

    @transition(field=state, source=State.OFFERED, target=State.WITHDRAWN)
    def lapse_offer(self) -> None:
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

    @transition(field=state, source=State.AGREEMENT, target=State.CONTRACTED)
    def execute_agreement(self) -> None:
        pass

    @transition(field=state, source=State.AGREEMENT, target=State.WITHDRAWN)
    def lapse_agreement(self) -> None:
        pass

    @transition(field=state, source=WITHDRAWABLE, target=State.WITHDRAWN, permission="applications.withdraw_application")
    def withdraw(self) -> None:
        pass

    @property
    def company_submitted(self) -> Company:
        """The company as it was when the application was submitted (the live company for a draft)."""
        if not self.company_facts:
            return self.company
        if not hasattr(self, "_company_submitted"):
            self._company_submitted = Company.from_facts(self.company_facts, pk=self.company_id)
        return self._company_submitted

    def company_changes(self) -> list[tuple[str, str, str]]:
        """What the company changed in its profile since submission: (fact, then, now)."""
        return self.company.changes_since(self.company_facts) if self.company_facts else []

    @property
    def supplier_display(self) -> str:
        """The solution supplier as written on paper: 스마트솔루션(주) (124-81-00998)."""

        if not self.supplier_name:
            return ""
        number = format_business_number(self.supplier_business_number) if self.supplier_business_number else ""
        return f"{self.supplier_name} ({number})" if number else self.supplier_name

    @property
    def is_editable(self) -> bool:
        return self.state in (State.DRAFT, State.REVISION_REQUESTED)

    def open_revision(self):
        """The revision request the applicant is answering, if any (one query, cached)."""
        if not hasattr(self, "_open_revision"):
            self._open_revision = self.revisions.filter(resolved_at__isnull=True).order_by("-created_at").first()
        return self._open_revision


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


class OtherAgencySupport(models.Model):
    """Support for the same project from another agency, as the applicant declared it
    (중복수혜 beyond this portal, which sees only its own grants): one row per agency and
    program. Rows exist only when the declaration `other_support` is yes; they change only in
    the declarations step (of a draft, or of a revision that names it), so what the officer
    reads is what was submitted."""

    application = models.ForeignKey(Application, on_delete=models.CASCADE, related_name="other_agency_support")
    agency = models.CharField(_("agency"), max_length=100)
    program = models.CharField(_("program name"), max_length=200)
    amount = models.BigIntegerField(_("amount of support (KRW)"), validators=[MinValueValidator(1)])
    order = models.PositiveSmallIntegerField(default=0)

    class Meta:
        verbose_name = _("support from another agency")
        verbose_name_plural = _("support from other agencies")
        ordering = ["order", "pk"]
        constraints = [models.CheckConstraint(condition=models.Q(amount__gte=1), name="other_support_amount_positive")]

    def __str__(self) -> str:
        return f"{self.agency} {self.program}: {self.amount}"


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


class EventType(models.TextChoices):
    """Everything that is recorded of an application, in one vocabulary: its own changes,
    screening, the evaluation, the selection, appeals and the agreement. The values are
    stored (and hashed) as they are; labels are what the timeline shows."""

    CREATED = "created", _("Application started")
    DOCUMENT_UPLOADED = "document_uploaded", _("Document uploaded")
    DOCUMENT_REMOVED = "document_removed", _("Document removed")
    SUBMITTED = "submitted", _("Submitted")
    WITHDRAWN = "withdrawn", _("Withdrawn")
    SCREENING_STARTED = "begin_screening", _("Screening started")
    SCREENING_PASSED = "pass_screening", _("Eligible: passed to evaluation")
    REVISION_REQUESTED = "request_revision", _("Revision requested")
    REVISION_SENT = "resubmit", _("Revision sent")
    DECLARED_INELIGIBLE = "declare_ineligible", _("Declared ineligible")
    REVISION_EXPIRED = "expire_revision", _("Revision not sent in time: ineligible")
    REVIEWER_ASSIGNED = "reviewer_assigned", _("Reviewer assigned")
    NO_CONFLICT_DECLARED = "no_conflict_declared", _("Reviewer declared no conflict of interest")
    CONFLICT_DECLARED = "conflict_declared", _("Reviewer declared a conflict of interest")
    REVIEW_SUBMITTED = "review_submitted", _("Review submitted")
    REVIEW_REOPENED = "review_reopened", _("Review reopened")
    ASSIGNMENT_WAIVED = "assignment_waived", _("Review waived")
    DECISION_ADJUSTED = "decision_adjusted", _("Proposed decision adjusted")
    SELECTED = "select", _("Selected")
    WAITLISTED = "waitlist", _("Waitlisted")
    REJECTED = "reject", _("Not selected")
    PLACE_OFFERED = "offer_place", _("Place offered from the waiting list")
    OFFER_ACCEPTED = "accept_offer", _("Offer accepted: selected")
    OFFER_DECLINED = "decline_offer", _("Offer declined")
    OFFER_LAPSED = "lapse_offer", _("Offer not answered in time: taken as given up")
    APPEAL_FILED = "appeal", _("Appeal filed")
    APPEAL_DISMISSED = "dismiss_appeal", _("Appeal dismissed")
    REREVIEW_ORDERED = "order_rereview", _("Re-review ordered")
    AGREEMENT_PREPARED = "start_agreement", _("Agreement prepared")
    AGREEMENT_TERMS_CHANGED = "agreement_terms_changed", _("Agreement terms changed")
    AGREEMENT_ISSUED = "agreement_issued", _("Agreement issued for signature")
    AGREEMENT_PARTNER_SIGNER = "agreement_partner_signer", _("Partner company's signer named")
    AGREEMENT_SIGNED = "agreement_signed", _("Agreement signed by the company")
    AGREEMENT_PARTNER_SIGNED = "agreement_partner_signed", _("Agreement signed by the partner company")
    AGREEMENT_COUNTERSIGNED = "agreement_countersigned", _("Agreement countersigned")
    AGREEMENT_EXECUTED = "agreement_executed", _("Agreement executed")
    AGREEMENT_LAPSED = "lapse_agreement", _("Agreement not signed in time: taken as given up")
    DOCUMENTS_DESTROYED = "documents_destroyed", _("Documents destroyed: the period the program keeps them ended")


# The evaluation's inner workings: shown to officers, never to the applicant (who a
# reviewer is, and what one reviewer gave, stay with the agency).
INTERNAL_EVENTS = frozenset({
    EventType.REVIEWER_ASSIGNED, EventType.NO_CONFLICT_DECLARED, EventType.CONFLICT_DECLARED, EventType.REVIEW_SUBMITTED, EventType.REVIEW_REOPENED,
    EventType.ASSIGNMENT_WAIVED, EventType.DECISION_ADJUSTED,
})


class ApplicationEvent(models.Model):
    """Append-only history of an application. Each row's hash covers its content and the
    previous row's hash; `manage.py verify_events` recomputes the chains."""

    application = models.ForeignKey(Application, on_delete=models.PROTECT, related_name="events")
    seq = models.PositiveIntegerField()
    created_at = models.DateTimeField()
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    action = models.CharField(max_length=40, choices=EventType.choices)
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
    # The slugs of the steps the applicant may edit: `REVISABLE_STEPS` and `section_step(id)`.
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
