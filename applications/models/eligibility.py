from __future__ import annotations

from django.conf import settings
from django.core.validators import MinValueValidator, RegexValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

from applications.models.calls import Call
from portal.identifiers import IdentifierField, validate_business_number


class RuleKind(models.TextChoices):
    SME_SIZE = "sme_size", _("SME size and independence")
    INDUSTRY = "industry", _("Industry (KSIC divisions)")
    KSIC = "ksic", _("Industry codes allowed or excluded (down to the sub-class)")
    REGION = "region", _("Region")
    LOCATION = "location", _("City, county or district (시·군·구) of the site or headquarters")
    MAX_AGE = "max_age", _("Years since founding")
    EMPLOYEES = "employees", _("Regular employees (상시근로자)")
    CERTIFICATION = "certification", _("Certification")
    EXCLUSIONS = "exclusions", _("Exclusions (declared)")
    PRIOR_FUNDING = "prior_funding", _("Funding received before (중복수혜)")
    PARTNER_LIST = "partner_list", _("Nominated by a partner company")
    ONE_PER_CALL = "one_per_call", _("One application per company")


class EligibilityRule(models.Model):
    """One rule of a call, with its parameters as data (see applications/eligibility.py).

    A call may have several rules of one kind. Rules that share a `group` name form an OR
    group (one of them is enough); groups and ungrouped rules must all hold. A hard rule
    blocks submission unless it (or its group) passes; a soft one never blocks and, when it
    passes, earns its `points` (가점)."""

    call = models.ForeignKey(Call, on_delete=models.CASCADE, related_name="rules")
    kind = models.CharField(_("rule"), max_length=20, choices=RuleKind.choices)
    params = models.JSONField(_("parameters"), default=dict, blank=True)
    is_hard = models.BooleanField(_("blocks submission"), default=True)
    group = models.CharField(_("either-or group"), max_length=20, blank=True,
                             help_text=_("Rules with the same group name are alternatives: one of them is enough."))
    points = models.DecimalField(_("bonus points when met"), max_digits=4, decimal_places=1, default=0,
                                 validators=[MinValueValidator(0)])
    order = models.PositiveSmallIntegerField(default=0)

    class Meta:
        verbose_name = _("eligibility rule")
        verbose_name_plural = _("eligibility rules")
        ordering = ["order", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["call"], condition=models.Q(kind="one_per_call"), name="one_per_call_rule_once"),
            models.CheckConstraint(condition=models.Q(is_hard=False) | models.Q(points=0), name="only_soft_rules_earn_points"),
        ]

    def __str__(self) -> str:
        return self.get_kind_display()


class SizeStandard(models.Model):
    """A version of a size table of 중소기업기본법 시행령: 별표1 (the SME ceiling by main
    industry) or 별표3 (소기업). Kept as data so that an administrator enters a revision of
    the decree with the date it takes effect; a verdict uses the version in force on the
    call's basis date (applications/enterprise.py)."""

    class Scale(models.TextChoices):
        SME = "sme", _("SME (중소기업, 시행령 별표1)")
        SMALL = "small", _("Small business (소기업, 시행령 별표3)")

    scale = models.CharField(_("table"), max_length=10, choices=Scale.choices)
    version_date = models.DateField(_("in force from"))
    source = models.CharField(_("source"), max_length=200)
    assets_limit = models.BigIntegerField(_("total assets must be under (KRW)"), null=True, blank=True,
                                          validators=[MinValueValidator(1)])

    class Meta:
        verbose_name = _("size table")
        verbose_name_plural = _("size tables")
        ordering = ["scale", "-version_date"]
        constraints = [models.UniqueConstraint(fields=["scale", "version_date"], name="one_size_table_per_day")]

    def __str__(self) -> str:
        return f"{self.get_scale_display()} ({self.version_date:%Y-%m-%d})"


class SizeLimit(models.Model):
    """One row of a size table: a KSIC section (C) or division (C29) and its ceiling of
    average revenue, inclusive (…원 이하)."""

    standard = models.ForeignKey(SizeStandard, on_delete=models.CASCADE, related_name="limits")
    code = models.CharField(_("KSIC section or division"), max_length=3,
                            validators=[RegexValidator(r"^[A-U]([0-9]{2})?$", _("A section letter (C) or a division (C29)."))])
    revenue_limit = models.BigIntegerField(_("average revenue at most (KRW)"), validators=[MinValueValidator(1)])

    class Meta:
        verbose_name = _("size limit")
        verbose_name_plural = _("size limits")
        ordering = ["code"]
        constraints = [models.UniqueConstraint(fields=["standard", "code"], name="one_limit_per_code")]

    def __str__(self) -> str:
        return f"{self.code}: {self.revenue_limit:,}"


class ParticipationBan(models.Model):
    """참여제한: a company barred from the agency's programs for a period (보조금법 §31의2 and
    the programs' rules). Every call consults the register. The period limits a right, so it
    counts its first day and ends on its last day even on a holiday (행정기본법 §6 ②)."""

    business_number = IdentifierField(_("business registration number"), max_length=10, db_index=True,
                                      validators=[validate_business_number])
    company_name = models.CharField(_("company name"), max_length=200)
    reason = models.CharField(_("reason"), max_length=500)
    starts_on = models.DateField(_("from"))
    ends_on = models.DateField(_("to (inclusive)"))
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("participation ban")
        verbose_name_plural = _("participation bans")
        ordering = ["-starts_on"]
        constraints = [models.CheckConstraint(condition=models.Q(ends_on__gte=models.F("starts_on")), name="ban_ends_after_it_starts")]

    def __str__(self) -> str:
        return f"{self.company_name} {self.starts_on}–{self.ends_on}"


class PartnerList(models.Model):
    """The suppliers a partner company nominates (자상한 기업, 상생형 스마트공장): only the
    companies on the list may apply to a call whose rule names it."""

    name = models.CharField(_("name"), max_length=200)
    partner_name = models.CharField(_("partner company"), max_length=200)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("partner's nominated list")
        verbose_name_plural = _("partners' nominated lists")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class PartnerListEntry(models.Model):
    partner_list = models.ForeignKey(PartnerList, on_delete=models.CASCADE, related_name="entries")
    business_number = IdentifierField(_("business registration number"), max_length=10, validators=[validate_business_number])
    company_name = models.CharField(_("company name"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("nominated company")
        verbose_name_plural = _("nominated companies")
        constraints = [models.UniqueConstraint(fields=["partner_list", "business_number"], name="one_entry_per_company")]
