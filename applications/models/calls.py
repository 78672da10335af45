"""A call (공고) and what it is configured with: support levels, required documents,
eligibility rules, notice attachments. Form, rules and documents are fixed once it opens."""

from __future__ import annotations

import datetime

from django.core.validators import MaxValueValidator, MinValueValidator, RegexValidator
from django.db import models
from django.utils import timezone, translation
from django.utils.translation import gettext_lazy as _

from applications.models.programs import Program
from portal.file_formats import FileFormat
from portal.formatting import last_day
from portal.identifiers import IdentifierField, validate_business_number
from portal.models import Region


def open_window(moment) -> models.Q:
    """The calls whose window holds `moment`: open from `opens_at`, closed from `closes_at` on
    (Call.is_open is the same for one call, with its publication)."""
    return models.Q(opens_at__lte=moment, closes_at__gt=moment)


class CallQuerySet(models.QuerySet["Call"]):
    def open_at(self, moment) -> CallQuerySet:
        return self.filter(open_window(moment))

    def published(self) -> CallQuerySet:
        return self.filter(is_published=True)


class CallPhase(models.TextChoices):
    """Where a call stands, as its officer reads it on the desk (a company sees only
    published calls)."""

    UNPUBLISHED = "unpublished", _("Not published")
    UPCOMING = "upcoming", _("Not open yet")
    OPEN = "open", _("Open now")
    CLOSED = "closed", _("Closed")


def _bp_validators():
    return [MinValueValidator(0), MaxValueValidator(10_000)]


class Call(models.Model):
    """A call for applications (공고) of a program, open between two instants."""

    program = models.ForeignKey(Program, on_delete=models.PROTECT, related_name="calls", verbose_name=_("program"))
    code = models.CharField(
        _("call code"),
        max_length=20,
        unique=True,
        validators=[RegexValidator(r"^[A-Z0-9-]+$", _("Use capital letters, digits and hyphens."))],
        help_text=_("Used in receipt numbers, e.g. SF-2026-1."),
    )
    title = models.CharField(_("title"), max_length=200)
    round = models.PositiveSmallIntegerField(_("round"), default=1)
    notice = models.TextField(_("notice"), blank=True)
    opens_at = models.DateTimeField(_("opens at"))
    closes_at = models.DateTimeField(_("closes at"))
    budget_total = models.BigIntegerField(_("total government budget (KRW)"), validators=[MinValueValidator(0)])
    max_grant = models.BigIntegerField(_("maximum grant per application (KRW)"), validators=[MinValueValidator(0)])
    # Matching rule, in basis points (5000 = 50%): the grant's share of the total cost at
    # most, and the cash part of the company's share at least.
    max_grant_share_bp = models.PositiveIntegerField(
        _("maximum government share of total cost (basis points)"), default=5_000, validators=_bp_validators()
    )
    min_cash_share_bp = models.PositiveIntegerField(
        _("minimum cash part of the company share (basis points)"), default=0, validators=_bp_validators()
    )
    min_partner_share_bp = models.PositiveIntegerField(
        _("partner company's share of the total cost, at least (basis points)"), default=0, validators=_bp_validators(),
        # xgettext:no-python-format
        help_text=_("Three-party funding (상생형, 자상한 기업): 3000 means the partner pays at least 30% of the total cost. 0: no partner share."),
    )
    max_company_share_bp = models.PositiveIntegerField(
        _("company's own share of the total cost, at most (basis points)"), default=10_000, validators=_bp_validators(),
        # xgettext:no-python-format
        help_text=_("4000 means the company itself pays at most 40% (three-party funding); 10000: no cap."),
    )
    # The paying partner of a three-party (상생형, 자상한 기업) call: the large company that
    # funds part of each project, is a party to each agreement and signs it.
    partner_name = models.CharField(_("partner company"), max_length=200, blank=True,
                                    help_text=_("Three-party funding only: the company that pays the partner share and signs the agreements."))
    partner_business_number = IdentifierField(_("partner's business registration number"), max_length=10, blank=True,
                                              validators=[validate_business_number])
    partner_representative = models.CharField(_("partner's representative"), max_length=100, blank=True)
    max_file_mb = models.PositiveSmallIntegerField(_("size limit per file (MB)"), default=20, validators=[MinValueValidator(1), MaxValueValidator(200)])
    max_total_mb = models.PositiveSmallIntegerField(_("size limit per application (MB)"), default=100,
                                                    validators=[MinValueValidator(1), MaxValueValidator(2000)])
    max_files = models.PositiveSmallIntegerField(_("files per application, at most"), default=30, validators=[MinValueValidator(1), MaxValueValidator(500)])
    is_published = models.BooleanField(_("published"), default=False)
    # The waiting list: how long a company has to answer the offer of a freed place, and
    # whether a freed place is offered to the next in rank without the officer pressing.
    offer_days = models.PositiveSmallIntegerField(_("days to answer an offered place"), default=7,
                                                  validators=[MinValueValidator(1), MaxValueValidator(60)])
    sign_days = models.PositiveSmallIntegerField(_("days to sign an issued agreement"), default=14,
                                                 validators=[MinValueValidator(1), MaxValueValidator(90)])
    eligibility_basis = models.CharField(
        _("facts judged as of"), max_length=12, choices=[("notice", _("the notice date (공고일)")), ("deadline", _("the closing date (마감일)")),
                                                         ("application", _("the application date (신청일)"))],
        default="application",
        help_text=_("The day on which company age and the last closed business year are judged."),
    )
    auto_offer = models.BooleanField(_("offer freed places to the waiting list automatically"), default=False)
    # 문의처: who answers companies' questions about this call (shown on its public page).
    contact_department = models.CharField(_("contact: department"), max_length=100, blank=True)
    contact_phone = models.CharField(_("contact: phone"), max_length=40, blank=True)
    contact_email = models.EmailField(_("contact: e-mail"), blank=True)
    # Derived from the region and industry rules so that the catalogue filters in SQL.
    all_regions = models.BooleanField(default=True, editable=False)
    all_industries = models.BooleanField(default=True, editable=False)
    # Last receipt number issued; incremented under the row lock at each submission, so
    # numbers are unique and gap-free per call.
    receipt_seq = models.PositiveIntegerField(default=0, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)

    objects = CallQuerySet.as_manager()

    class Meta:
        verbose_name = _("call")
        verbose_name_plural = _("calls")
        ordering = ["closes_at"]
        constraints = [
            models.CheckConstraint(condition=models.Q(closes_at__gt=models.F("opens_at")), name="call_closes_after_opening")
        ]

    def __str__(self) -> str:
        return self.title

    def basis_date(self, submitted_on: datetime.date | None = None) -> datetime.date:
        """The day eligibility facts are judged on (KST): the notice day, the closing day
        (the day of the last moment before the call closes) or the day of application."""
        if self.eligibility_basis == "notice":
            return timezone.localtime(self.opens_at).date()
        if self.eligibility_basis == "deadline":
            return timezone.localtime(self.closes_at - datetime.timedelta(microseconds=1)).date()
        return submitted_on or timezone.localdate()

    def window(self, moment=None) -> CallPhase:
        """Where `moment` (now by default) falls against the call's dates alone: not open yet,
        open, or closed. The one check behind `is_open`, `phase`, `has_opened` and
        `has_closed`; `open_window` is the same in SQL."""
        moment = moment or timezone.now()
        if moment < self.opens_at:
            return CallPhase.UPCOMING
        return CallPhase.OPEN if moment < self.closes_at else CallPhase.CLOSED

    def is_open(self, moment=None) -> bool:
        """The one answer to "does this call take applications at `moment`" (now by default)."""
        return self.is_published and self.window(moment) == CallPhase.OPEN

    def has_closed(self, moment=None) -> bool:
        return self.window(moment) == CallPhase.CLOSED

    def phase(self, moment=None) -> CallPhase:
        """Unpublished, then not yet open, open, and closed (the officer desk's badge)."""
        return self.window(moment) if self.is_published else CallPhase.UNPUBLISHED

    def has_opened(self, moment=None) -> bool:
        return self.window(moment) != CallPhase.UPCOMING

    def days_left(self, moment=None) -> int:
        """Calendar days in KST from today to the closing day (D-day is 0). A call that
        closes at midnight closes at 24:00 of the day before: that day is its D-Day."""
        moment = moment or timezone.now()
        return (last_day(self.closes_at) - timezone.localtime(moment).date()).days


class SupportLevel(models.Model):
    """A tier of support with its own grant cap, e.g. 기초 / 고도화1 / 고도화2."""

    call = models.ForeignKey(Call, on_delete=models.CASCADE, related_name="levels")
    code = models.SlugField(_("code"), max_length=20)
    name_ko = models.CharField(_("name (Korean)"), max_length=100)
    name_en = models.CharField(_("name (English)"), max_length=100)
    max_grant = models.BigIntegerField(_("maximum grant (KRW)"), validators=[MinValueValidator(0)])
    order = models.PositiveSmallIntegerField(default=0)

    class Meta:
        verbose_name = _("support level")
        verbose_name_plural = _("support levels")
        ordering = ["order", "pk"]
        constraints = [models.UniqueConstraint(fields=["call", "code"], name="one_level_code_per_call")]

    def __str__(self) -> str:
        return self.name

    @property
    def name(self) -> str:
        return self.name_en if translation.get_language() == "en" else self.name_ko


class DocumentKind(models.TextChoices):
    BUSINESS_PLAN = "business_plan", _("Business plan (사업계획서)")
    BUSINESS_REGISTRATION = "business_registration", _("Business registration certificate (사업자등록증명)")
    SME_CERTIFICATE = "sme_certificate", _("SME confirmation (중소기업확인서)")
    FINANCIAL_STATEMENTS = "financial_statements", _("Financial statements (표준재무제표증명)")
    TAX_CLEARANCE = "tax_clearance", _("Tax clearance (국세·지방세 완납증명서)")
    EMPLOYEE_ROSTER = "employee_roster", _("Employee insurance roster (4대보험 가입자명부)")
    CORPORATE_REGISTRY = "corporate_registry", _("Corporate registry extract (법인등기부등본)")
    BONUS_EVIDENCE = "bonus_evidence", _("Bonus point evidence (가점 증빙)")
    OTHER = "other", _("Other")


class RequiredDocument(models.Model):
    call = models.ForeignKey(Call, on_delete=models.CASCADE, related_name="required_documents")
    kind = models.CharField(_("kind"), max_length=30, choices=DocumentKind.choices)
    name_ko = models.CharField(_("name (Korean)"), max_length=200)
    name_en = models.CharField(_("name (English)"), max_length=200)
    description = models.TextField(_("description"), blank=True)
    is_required = models.BooleanField(_("required"), default=True)
    formats = models.JSONField(_("accepted formats"), default=list)
    order = models.PositiveSmallIntegerField(default=0)

    class Meta:
        verbose_name = _("required document")
        verbose_name_plural = _("required documents")
        ordering = ["order", "pk"]

    def __str__(self) -> str:
        return self.name

    @property
    def name(self) -> str:
        return self.name_en if translation.get_language() == "en" else self.name_ko

    def format_labels(self) -> str:
        return ", ".join(str(FileFormat(f).label) for f in self.formats if f in FileFormat.values)


def _attachment_path(instance: NoticeAttachment, filename: str) -> str:
    import uuid

    return f"calls/{instance.call_id}/{uuid.uuid4().hex}.pdf"


class NoticeAttachment(models.Model):
    """The notice's own files (공고문, forms to download)."""

    call = models.ForeignKey(Call, on_delete=models.CASCADE, related_name="attachments")
    title = models.CharField(_("title"), max_length=200)
    file = models.FileField(_("file"), upload_to=_attachment_path)
    size = models.PositiveIntegerField(default=0)

    class Meta:
        verbose_name = _("notice attachment")
        verbose_name_plural = _("notice attachments")

    def __str__(self) -> str:
        return self.title


class CallRegion(models.Model):
    call = models.ForeignKey(Call, on_delete=models.CASCADE, related_name="regions")
    region = models.CharField(max_length=2, choices=Region.choices)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["call", "region"], name="one_row_per_call_region")]


class CallIndustry(models.Model):
    """A KSIC division (e.g. C29) the call admits."""

    call = models.ForeignKey(Call, on_delete=models.CASCADE, related_name="industries")
    division = models.CharField(max_length=3)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["call", "division"], name="one_row_per_call_division")]
