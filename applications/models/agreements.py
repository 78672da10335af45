"""The agreement (협약서): versions of its terms, the rendered PDFs, both signatures and the
digitally signed final document."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _
from django_fsm import FSMField, FSMModelMixin, transition

from applications.agreement_text import validate_clause_text
from applications.models.application import Application
from applications.models.calls import Call


class ClauseKind(models.TextChoices):
    PURPOSE = "purpose", _("Purpose and legal basis")
    PERIOD = "period", _("Agreement period")
    OBLIGATIONS = "obligations", _("Obligations and reporting")
    PAYMENT = "payment", _("Payment and the dedicated account")
    EXPENSES = "expenses", _("Managing the project money (사업비 관리)")
    CHANGES = "changes", _("Changes to the agreement (협약변경)")
    REPORTING = "reporting", _("Reports and inspections (보고·점검)")
    SETTLEMENT = "settlement", _("Settlement (정산): unspent money and interest returned")
    TERMINATION = "termination", _("Termination (협약해약)")
    CLAWBACK = "clawback", _("Claw-back (환수), surcharge and penalty surcharge")
    BAN = "ban", _("Exclusion from programs (참여제한)")
    ASSIGNMENT = "assignment", _("No assignment of rights and duties")
    OUTCOMES = "outcomes", _("Outcomes and follow-up (성과·사후관리)")
    IP = "ip", _("Intellectual property")
    CONFIDENTIALITY = "confidentiality", _("Confidentiality and personal data")
    DISPUTES = "disputes", _("Disputes and the competent court")
    NOTICES = "notices", _("Notices and the agency's address")
    PROGRAM = "program", _("Duties particular to the program")
    OTHER = "other", _("Other")


def validate_clause_body(text: str) -> None:

    validate_clause_text(text)


class ClauseTemplate(models.Model):
    """A special condition (특약) of the call's agreements, printed after the program family's
    standard clauses (ClauseSet), with placeholders such as {회사명} (see
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
    # A three-party (상생형) agreement: the account that signs for the paying partner, named
    # by the officer. It lets that person read and sign this agreement and nothing else.
    partner_signer = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True,
                                       related_name="partner_agreements", verbose_name=_("partner company's signer"))

    class Meta:
        verbose_name = _("agreement")
        verbose_name_plural = _("agreements")
        # The open data reads executed agreements in the order they came into force (opendata/selectors.py).
        indexes = [models.Index(fields=["state", "executed_at"], name="agreement_executed_order")]

    def __str__(self) -> str:
        return self.number

    @property
    def is_three_party(self) -> bool:
        """The partner of a 상생형 call is a party: its version's parties name it."""
        version = self.current_version()
        return bool(version and version.partner)

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

    @transition(field=state, source=[AgreementState.ISSUED, AgreementState.SIGNED], target=None,
                permission="applications.sign_agreement_for_partner")
    def sign_for_partner(self) -> None:
        """The paying partner of a three-party agreement signs, before or after the company;
        the state stays (the agency countersigns once both have signed)."""

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
    # The standard clauses this version was drafted with; their text is also frozen into
    # `terms`, and a set in use can no longer be edited (only revised as a new version).
    clause_set = models.ForeignKey("applications.ClauseSet", on_delete=models.PROTECT, null=True, blank=True,
                                   related_name="agreement_versions")
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

    @property
    def partner(self) -> dict | None:
        """The paying partner named in this version's parties (three-party agreements), or None."""
        return (self.terms.get("parties") or {}).get("partner") or None


class Signature(models.Model):
    class Role(models.TextChoices):
        COMPANY = "company", _("Company")
        PARTNER = "partner", _("Partner company")
        AGENCY = "agency", _("Managing agency")

    version = models.ForeignKey(AgreementVersion, on_delete=models.PROTECT, related_name="signatures")
    role = models.CharField(max_length=10, choices=Role.choices)
    signer = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    signer_name = models.CharField(max_length=100)
    # The signer's job title when they signed (대표이사, 과장 …), shown beside the name.
    signer_position = models.CharField(max_length=50, blank=True, default="")
    # The company's signer is not its representative: the representative by whose delegation
    # (위임) they signed, as the agreement names them. Empty when the representative signed.
    delegated_by = models.CharField(max_length=100, blank=True, default="")
    signed_at = models.DateTimeField(auto_now_add=True)
    ip_address = models.GenericIPAddressField(null=True, blank=True)
    # The SHA-256 of the exact PDF the signer was shown.
    pdf_sha256 = models.CharField(max_length=64)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["version", "role"], name="one_signature_per_side")]

    def __str__(self) -> str:
        return f"{self.role} {self.signer}"
