"""The agreement (협약서): versions of its terms, the rendered PDFs, both signatures and the
digitally signed final document."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _
from django_fsm import FSMField, FSMModelMixin, transition

from applications.models.application import Application
from applications.models.calls import Call


class ClauseKind(models.TextChoices):
    OBLIGATIONS = "obligations", _("Obligations and reporting")
    PAYMENT = "payment", _("Payment and the dedicated account")
    CHANGES = "changes", _("Changes to the agreement (협약변경)")
    TERMINATION = "termination", _("Termination (협약해약)")
    SETTLEMENT = "settlement", _("Settlement (정산): unspent money and interest returned")
    CLAWBACK = "clawback", _("Claw-back (환수)")
    IP = "ip", _("Intellectual property")
    OTHER = "other", _("Other")


def validate_clause_body(text: str) -> None:
    from applications.agreement_text import validate_clause_text

    validate_clause_text(text)


class ClauseTemplate(models.Model):
    """A clause of the call's agreements, with placeholders such as {회사명} (see
    applications/agreement_text.py for the allowed ones)."""

    call = models.ForeignKey(Call, on_delete=models.CASCADE, related_name="clause_templates")
    kind = models.CharField(_("kind"), max_length=20, choices=ClauseKind.choices)
    order = models.PositiveSmallIntegerField(default=0)
    title = models.CharField(_("title"), max_length=200)
    body = models.TextField(_("text"), validators=[validate_clause_body])

    class Meta:
        ordering = ["order", "pk"]

    def __str__(self) -> str:
        return self.title


class AgreementState(models.TextChoices):
    DRAFTED = "drafted", _("Drafted")
    ISSUED = "issued", _("Issued to the company")
    SIGNED = "signed", _("Signed by the company")
    COUNTERSIGNED = "countersigned", _("Countersigned")
    EXECUTED = "executed", _("Executed")
    LAPSED = "lapsed", _("Lapsed: not signed in time")


class Agreement(FSMModelMixin, models.Model):
    application = models.OneToOneField(Application, on_delete=models.PROTECT, related_name="agreement")
    number = models.CharField(_("agreement number"), max_length=60, unique=True)
    state = FSMField(default=AgreementState.DRAFTED, choices=AgreementState.choices, protected=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    final_pdf = models.FileField(upload_to="agreements/final/", blank=True)
    final_sha256 = models.CharField(max_length=64, blank=True, db_index=True)
    executed_at = models.DateTimeField(null=True, blank=True)
    execute_error = models.TextField(blank=True)
    # The company signs by this time (set when issued); unsigned then, the agreement lapses
    # and the place is freed for the waiting list (협약 미체결 시 포기 간주).
    sign_due_at = models.DateTimeField(_("sign by"), null=True, blank=True)

    class Meta:
        verbose_name = _("agreement")
        verbose_name_plural = _("agreements")

    def __str__(self) -> str:
        return self.number

    def current_version(self):
        return self.versions.filter(superseded_at__isnull=True).order_by("-number").first()

    @transition(field=state, source=AgreementState.DRAFTED, target=AgreementState.ISSUED, permission="applications.manage_agreement")
    def issue(self) -> None:
        pass

    @transition(field=state, source=AgreementState.ISSUED, target=AgreementState.DRAFTED, permission="applications.manage_agreement")
    def reopen_terms(self) -> None:
        """Terms change before the company signs: a new version is drafted and issued again."""

    @transition(field=state, source=AgreementState.ISSUED, target=AgreementState.SIGNED, permission="applications.sign_agreement")
    def sign(self) -> None:
        pass

    @transition(field=state, source=AgreementState.SIGNED, target=AgreementState.COUNTERSIGNED, permission="applications.countersign_agreement")
    def countersign(self) -> None:
        pass

    @transition(field=state, source=AgreementState.ISSUED, target=AgreementState.LAPSED)
    def lapse(self) -> None:
        """Run by the beat job when the company has not signed by `sign_due_at`."""

    @transition(field=state, source=AgreementState.COUNTERSIGNED, target=AgreementState.EXECUTED)
    def execute(self) -> None:
        """Run by the worker once the final PDF is signed."""


class AgreementVersion(models.Model):
    class Render(models.TextChoices):
        PENDING = "pending", _("Waiting to be rendered")
        DONE = "done", _("Ready")
        FAILED = "failed", _("Failed")

    agreement = models.ForeignKey(Agreement, on_delete=models.CASCADE, related_name="versions")
    number = models.PositiveSmallIntegerField()
    terms = models.JSONField()
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    superseded_at = models.DateTimeField(null=True, blank=True)
    pdf = models.FileField(upload_to="agreements/versions/", blank=True)
    pdf_sha256 = models.CharField(max_length=64, blank=True)
    render_status = models.CharField(max_length=10, choices=Render.choices, default=Render.PENDING)
    render_attempts = models.PositiveSmallIntegerField(default=0)
    render_error = models.TextField(blank=True)
    rendered_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["agreement", "number"]
        constraints = [models.UniqueConstraint(fields=["agreement", "number"], name="one_agreement_version_number")]

    def __str__(self) -> str:
        return f"{self.agreement.number} v{self.number}"


class Signature(models.Model):
    class Role(models.TextChoices):
        COMPANY = "company", _("Company")
        AGENCY = "agency", _("Managing agency")

    version = models.ForeignKey(AgreementVersion, on_delete=models.PROTECT, related_name="signatures")
    role = models.CharField(max_length=10, choices=Role.choices)
    signer = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    signer_name = models.CharField(max_length=100)
    # The signer's job title when they signed (대표이사, 과장 …), shown beside the name.
    signer_position = models.CharField(max_length=50, blank=True, default="")
    signed_at = models.DateTimeField(auto_now_add=True)
    ip_address = models.GenericIPAddressField(null=True, blank=True)
    # The SHA-256 of the exact PDF the signer was shown.
    pdf_sha256 = models.CharField(max_length=64)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["version", "role"], name="one_signature_per_side")]

    def __str__(self) -> str:
        return f"{self.role} {self.signer}"
