"""The project an executed agreement opens (수행), its own hash-chained timeline, and the
payments (지급) of the agreement's instalments: one payment request per instalment, and the
record of the money paid that closes it."""

from __future__ import annotations

import re
import uuid

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy
from django_fsm import FSMField, FSMModelMixin, transition


class ProjectState(models.TextChoices):
    IN_PROGRESS = "in_progress", pgettext_lazy("project", "In progress")
    FINAL_REPORT = "final_report", pgettext_lazy("project", "Final report submitted")
    SETTLEMENT = "settlement", pgettext_lazy("project", "In settlement")
    CLOSED = "closed", pgettext_lazy("project", "Closed")
    SUSPENDED = "suspended", pgettext_lazy("project", "Suspended")
    TERMINATED = "terminated", pgettext_lazy("project", "Terminated (협약해약)")


# States in which the project still runs: money may be requested and paid, the account changed.
RUNNING = (ProjectState.IN_PROGRESS, ProjectState.FINAL_REPORT, ProjectState.SETTLEMENT)


def mask_account(number: str) -> str:
    """An account number as pages show it: every digit but the last four hidden, the
    hyphens kept (123-456-789012 → ***-***-**9012)."""
    digits = sum(ch.isdigit() for ch in number)
    seen = 0
    masked = []
    for ch in number:
        if ch.isdigit():
            seen += 1
            masked.append(ch if seen > digits - 4 else "*")
        else:
            masked.append(ch)
    return "".join(masked)


ACCOUNT_NUMBER = re.compile(r"^[0-9]+(?:-[0-9]+)*$")


class Project(FSMModelMixin, models.Model):
    """What an executed agreement opens: the company carries out the project under the
    agreement's terms (frozen here from the version that was executed) until settlement."""

    agreement = models.OneToOneField("applications.Agreement", on_delete=models.PROTECT, related_name="project")
    # The agreement's application (one-to-one too): its company and call, without a join through the agreement.
    application = models.OneToOneField("applications.Application", on_delete=models.PROTECT, related_name="project")
    number = models.CharField(_("project number"), max_length=60, unique=True)
    state = FSMField(_("status"), default=ProjectState.IN_PROGRESS, choices=ProjectState.choices, protected=True, db_index=True)
    grant = models.BigIntegerField(_("government grant (KRW)"))
    starts_on = models.DateField(_("project starts"))
    ends_on = models.DateField(_("project ends"))
    # The dedicated account (전용계좌, 보조금법 §34) the grant is paid into, entered by the company.
    account_bank = models.CharField(_("bank"), max_length=40, blank=True)
    account_number = models.CharField(_("account number"), max_length=30, blank=True)
    account_holder = models.CharField(_("account holder"), max_length=100, blank=True)
    final_report = models.TextField(_("final report summary"), blank=True)
    final_report_at = models.DateTimeField(null=True, blank=True)
    # Why the agency suspended or terminated the project (the latest), as the company is told.
    reason = models.TextField(_("reason"), blank=True)
    opened_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    # Hash of the newest timeline event, and the head the anchor sweep last wrote (portal/services/anchors.py).
    event_head = models.CharField(max_length=64, blank=True, editable=False)
    anchored_head = models.CharField(max_length=64, blank=True, editable=False)
    # The ledger's limits (사업비 집행): a company that recovers VAT (일반과세자, the default) has
    # its VAT recorded but not counted as an eligible cost; no single cash payment above the limit.
    vat_recoverable = models.BooleanField(_("the company recovers VAT"), default=True)
    cash_limit = models.BigIntegerField(_("largest cash payment (KRW)"), default=1_000_000)

    class Meta:
        verbose_name = _("project")
        verbose_name_plural = _("projects")
        constraints = [models.CheckConstraint(condition=models.Q(grant__gte=0), name="project_grant_not_negative")]

    def __str__(self) -> str:
        return self.number

    @property
    def has_account(self) -> bool:
        return bool(self.account_bank and self.account_number and self.account_holder)

    @property
    def account_masked(self) -> str:
        """The dedicated account as pages show it: 국민은행 ***-***-**9012 (에이크미 정밀)."""
        if not self.has_account:
            return ""
        return f"{self.account_bank} {mask_account(self.account_number)} ({self.account_holder})"

    @property
    def account_full(self) -> str:
        return f"{self.account_bank} {self.account_number} ({self.account_holder})" if self.has_account else ""

    # --- Transitions: each checks the source state and the person's permission only; the
    # services of projects/services.py hold the locks, check the guards and write the event.

    @transition(field=state, source=ProjectState.IN_PROGRESS, target=ProjectState.FINAL_REPORT, permission="projects.report_project")
    def submit_report(self) -> None:
        pass

    @transition(field=state, source=ProjectState.FINAL_REPORT, target=ProjectState.SETTLEMENT, permission="projects.manage_project")
    def accept_report(self) -> None:
        pass

    @transition(field=state, source=ProjectState.SETTLEMENT, target=ProjectState.CLOSED, permission="projects.manage_project")
    def close(self) -> None:
        pass

    @transition(field=state, source=ProjectState.IN_PROGRESS, target=ProjectState.SUSPENDED, permission="projects.manage_project")
    def suspend(self) -> None:
        pass

    @transition(field=state, source=ProjectState.SUSPENDED, target=ProjectState.IN_PROGRESS, permission="projects.manage_project")
    def resume(self) -> None:
        pass

    @transition(field=state, source=[ProjectState.IN_PROGRESS, ProjectState.SUSPENDED, ProjectState.FINAL_REPORT, ProjectState.SETTLEMENT],
                target=ProjectState.TERMINATED, permission="projects.manage_project")
    def terminate(self) -> None:
        """협약해약: the project ends early; what was paid is settled (claw-back is a later step)."""


class ProjectEventType(models.TextChoices):
    """Everything recorded of a project, in one vocabulary (stored and hashed as they are)."""

    OPENED = "opened", _("Project opened: the agreement was executed")
    ACCOUNT_SET = "account_set", _("Dedicated account entered")
    REPORT_SUBMITTED = "submit_report", _("Final report submitted")
    REPORT_ACCEPTED = "accept_report", _("Final report accepted: settlement begins")
    CLOSED = "close", _("Project closed")
    SUSPENDED = "suspend", _("Project suspended")
    RESUMED = "resume", _("Project resumed")
    TERMINATED = "terminate", _("Agreement terminated (협약해약)")
    PAYMENT_REQUESTED = "payment_requested", _("Payment requested")
    PAYMENT_APPROVED = "payment_approved", _("Payment request approved")
    PAYMENT_RETURNED = "payment_returned", _("Payment request returned")
    PAYMENT_PAID = "payment_paid", _("Payment made")
    EXPENSE_ADDED = "expense_added", _("Expense entered in the ledger")
    EXPENSES_IMPORTED = "expenses_imported", _("Expenses imported from a ledger file")
    EXPENSE_REVIEWED = "expense_reviewed", _("Expense reviewed by the officer")


class ProjectEvent(models.Model):
    """Append-only history of a project. Each row's hash covers its content and the previous
    row's hash (projects/timeline.py); `manage.py verify_events` recomputes the chains."""

    project = models.ForeignKey(Project, on_delete=models.PROTECT, related_name="events")
    seq = models.PositiveIntegerField()
    created_at = models.DateTimeField()
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    action = models.CharField(max_length=40, choices=ProjectEventType.choices)
    from_state = models.CharField(max_length=30, blank=True)
    to_state = models.CharField(max_length=30, blank=True)
    message = models.TextField(blank=True)
    ip_address = models.GenericIPAddressField(null=True, blank=True)
    data = models.JSONField(default=dict, blank=True)
    prev_hash = models.CharField(max_length=64, blank=True)
    hash = models.CharField(max_length=64)

    class Meta:
        verbose_name = _("project event")
        verbose_name_plural = _("project events")
        ordering = ["project", "seq"]
        constraints = [models.UniqueConstraint(fields=["project", "seq"], name="one_project_event_per_seq")]

    def __str__(self) -> str:
        return f"{self.project_id}#{self.seq} {self.action}"

    def save(self, *args, **kwargs) -> None:
        if self.pk is not None:
            raise ValueError("Project events are append-only.")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise ValueError("Project events are append-only.")


class PaymentState(models.TextChoices):
    DRAFT = "draft", pgettext_lazy("payment", "Not requested yet")
    REQUESTED = "requested", pgettext_lazy("payment", "Requested")
    RETURNED = "returned", pgettext_lazy("payment", "Returned for correction")
    APPROVED = "approved", pgettext_lazy("payment", "Approved: to be paid")
    PAID = "paid", pgettext_lazy("payment", "Paid")


class PaymentCondition(models.TextChoices):
    """When the company may request an instalment, as the agreement's schedule reads: the
    first on execution (선급금), the last after the final report (잔금), any between from its due date."""

    EXECUTION = "execution", _("on the agreement's execution")
    FINAL_REPORT = "final_report", _("once the final report is submitted")
    DUE_DATE = "due_date", _("from its due date")


class PaymentRequest(FSMModelMixin, models.Model):
    """One instalment of the agreement's payment schedule, and the company's request for it."""

    project = models.ForeignKey(Project, on_delete=models.PROTECT, related_name="payments")
    number = models.PositiveSmallIntegerField(_("instalment"))
    label = models.CharField(_("instalment"), max_length=40)
    percent = models.PositiveSmallIntegerField()
    amount = models.BigIntegerField(_("amount (KRW)"))
    due_on = models.DateField(_("due"), null=True, blank=True)
    condition = models.CharField(_("condition"), max_length=20, choices=PaymentCondition.choices)
    state = FSMField(_("status"), default=PaymentState.DRAFT, choices=PaymentState.choices, protected=True, db_index=True)
    requested_at = models.DateTimeField(null=True, blank=True)
    requested_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    # Why the officer returned it (the latest return), as the company reads it.
    return_reason = models.TextField(_("reason for returning"), blank=True)
    approved_at = models.DateTimeField(null=True, blank=True)
    approved_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+")

    class Meta:
        verbose_name = _("payment request")
        verbose_name_plural = _("payment requests")
        ordering = ["project", "number"]
        constraints = [
            models.UniqueConstraint(fields=["project", "number"], name="one_request_per_instalment"),
            models.CheckConstraint(condition=models.Q(amount__gte=0), name="payment_request_amount_not_negative"),
        ]

    def __str__(self) -> str:
        return f"{self.project_id} {self.label}"

    @transition(field=state, source=[PaymentState.DRAFT, PaymentState.RETURNED], target=PaymentState.REQUESTED,
                permission="projects.request_payment")
    def submit(self) -> None:
        """The company requests the instalment (again, after a return)."""

    @transition(field=state, source=PaymentState.REQUESTED, target=PaymentState.APPROVED, permission="projects.manage_payments")
    def approve(self) -> None:
        pass

    @transition(field=state, source=PaymentState.REQUESTED, target=PaymentState.RETURNED, permission="projects.manage_payments")
    def send_back(self) -> None:
        """Returned to the company with a reason; it corrects and requests again."""

    @transition(field=state, source=PaymentState.APPROVED, target=PaymentState.PAID, permission="projects.manage_payments")
    def pay(self) -> None:
        pass


class Payment(models.Model):
    """The record of money paid (지급 기록) that closes a request: once per request (the
    one-to-one), into the dedicated account as it stood when the officer recorded it."""

    payment_request = models.OneToOneField(PaymentRequest, on_delete=models.PROTECT, related_name="payment")
    paid_on = models.DateField(_("paid on"))
    amount = models.BigIntegerField(_("amount paid (KRW)"))
    account_bank = models.CharField(max_length=40)
    account_number = models.CharField(max_length=30)
    account_holder = models.CharField(max_length=100)
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    recorded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("payment")
        verbose_name_plural = _("payments")
        constraints = [models.CheckConstraint(condition=models.Q(amount__gt=0), name="payment_amount_positive")]

    def __str__(self) -> str:
        return f"{self.payment_request} {self.amount}"

    @property
    def account_masked(self) -> str:
        return f"{self.account_bank} {mask_account(self.account_number)} ({self.account_holder})"


class EvidenceKind(models.TextChoices):
    """What proves an expense (증빙): its number is unique within the project."""

    TAX_INVOICE = "tax_invoice", _("Electronic tax invoice (전자세금계산서)")
    CARD = "card", _("Card slip")
    TRANSFER = "transfer", _("Transfer record")
    CASH = "cash", _("Cash receipt")


TAX_INVOICE_NUMBER = re.compile(r"^[0-9]{24}$")


def _evidence_path(instance: Expense, filename: str) -> str:
    # Never the uploader's name: a server-made name with the extension of the detected format.
    return f"expenses/{instance.project_id}/{uuid.uuid4().hex}.{instance.evidence_format}"


class Expense(models.Model):
    """One expense of the ledger (사업비 집행) against a budget line of the agreement. The
    eligible amount is what counts against the line: the supply value, plus the VAT only for a
    company that does not recover it."""

    project = models.ForeignKey(Project, on_delete=models.PROTECT, related_name="expenses")
    budget_line = models.ForeignKey("applications.BudgetLine", on_delete=models.PROTECT, related_name="expenses", verbose_name=_("budget line"))
    spent_on = models.DateField(_("date"))
    payee_name = models.CharField(_("payee"), max_length=100)
    payee_business_number = models.CharField(_("payee's business registration number"), max_length=10)
    supply_amount = models.BigIntegerField(_("supply value (KRW)"))
    vat = models.BigIntegerField(_("VAT (KRW)"), default=0)
    eligible_amount = models.BigIntegerField(_("eligible amount (KRW)"))
    evidence_kind = models.CharField(_("evidence"), max_length=20, choices=EvidenceKind.choices)
    evidence_number = models.CharField(_("evidence number"), max_length=40)
    evidence_file = models.FileField(upload_to=_evidence_path, max_length=200, blank=True)
    evidence_name = models.CharField(max_length=150, blank=True)
    evidence_format = models.CharField(max_length=10, blank=True)
    evidence_sha256 = models.CharField(max_length=64, blank=True)
    entered_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    entered_at = models.DateTimeField(auto_now_add=True)
    # The officer's sample check (인정 / 불인정): None until reviewed, once.
    recognised = models.BooleanField(null=True, blank=True)
    review_reason = models.TextField(blank=True)
    reviewed_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    reviewed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("expense")
        verbose_name_plural = _("expenses")
        ordering = ["project", "-spent_on", "-pk"]
        indexes = [models.Index(fields=["project", "budget_line"], name="expense_project_line")]
        constraints = [
            models.UniqueConstraint(fields=["project", "evidence_number"], name="one_expense_per_evidence_number"),
            models.CheckConstraint(condition=models.Q(supply_amount__gt=0, vat__gte=0, eligible_amount__gte=0),
                                   name="expense_amounts_valid"),
        ]

    def __str__(self) -> str:
        return f"{self.project_id} {self.spent_on} {self.payee_name} {self.eligible_amount}"

    @property
    def total(self) -> int:
        return self.supply_amount + self.vat
