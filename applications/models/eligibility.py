from __future__ import annotations

import datetime
import re

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MinValueValidator, RegexValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

from applications.models.calls import Call
from portal.identifiers import IdentifierField, validate_business_number
from portal.periods import duty_period_last_day


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
    call's basis date (applications/size_standards.py)."""

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

    standard = models.ForeignKey(SizeStandard, on_delete=models.CASCADE, related_name="limits", verbose_name=_("size table"))
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


LEGAL_GROUND = re.compile(r"「[^「」]{2,100}」 ?제[0-9]+조(의[0-9]+)?( ?제[0-9]+항)?( ?제[0-9]+호)?")


def validate_legal_ground(value: str) -> None:
    """The article that imposes the ban, as statutes are cited: the act's name in 「」 and the
    article (조, 의, 항, 호), e.g. 「보조금 관리에 관한 법률」 제31조의2 제1항."""
    if not LEGAL_GROUND.fullmatch(value.strip()):
        raise ValidationError(
            _("Cite the act in 「」 and its article, e.g. 「보조금 관리에 관한 법률」 제31조의2 or 「중소기업기술혁신 촉진법」 제31조."),
            code="legal_ground")


# 보조금법 §31의2: participation in subsidy programs is barred for five years at most.
BAN_MAX_MONTHS = 60


class ParticipationBan(models.Model):
    """참여제한: a company barred from the agency's programs (all of them, or the ones named)
    for a period, under an article of an act (보조금법 §31의2, 중소기업기술혁신 촉진법 §31, …).
    Every call consults the register.

    The period limits a right, so it counts its first day and ends on its last day even on a
    holiday (행정기본법 §6 ②): the last day is computed from the start and the length by
    portal.periods.duty_period_last_day and stored in `ends_on`. Bans recorded before the
    length was kept have none, and keep the end date typed then."""

    class Scope(models.TextChoices):
        ALL = "all", _("every program")
        PROGRAMS = "programs", _("the programs named")

    class Unit(models.TextChoices):
        MONTHS = "months", _("months")
        YEARS = "years", _("years")

    business_number = IdentifierField(_("business registration number"), max_length=10, db_index=True,
                                      validators=[validate_business_number])
    company_name = models.CharField(_("company name"), max_length=200)
    legal_ground = models.CharField(
        _("legal ground"), max_length=200, blank=True, validators=[validate_legal_ground],
        help_text=_("The article of the act that imposes the ban, e.g. 「보조금 관리에 관한 법률」 제31조의2 or 「중소기업기술혁신 촉진법」 제31조."))
    reason = models.CharField(_("reason"), max_length=500, help_text=_("What the company did, e.g. 보조금 목적 외 사용."))
    scope = models.CharField(_("barred from"), max_length=10, choices=Scope.choices, default=Scope.ALL)
    programs = models.ManyToManyField("applications.Program", blank=True, related_name="+", verbose_name=_("programs"),
                                      help_text=_("Only when the ban names programs."))
    starts_on = models.DateField(_("from"))
    length = models.PositiveSmallIntegerField(_("length"), null=True, blank=True, validators=[MinValueValidator(1)])
    unit = models.CharField(_("unit"), max_length=6, choices=Unit.choices, blank=True)
    ends_on = models.DateField(_("to (inclusive)"))
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("recorded by"))
    created_at = models.DateTimeField(_("recorded at"), auto_now_add=True)

    class Meta:
        verbose_name = _("participation ban")
        verbose_name_plural = _("participation bans")
        ordering = ["-starts_on"]
        constraints = [
            models.CheckConstraint(condition=models.Q(ends_on__gte=models.F("starts_on")), name="ban_ends_after_it_starts"),
            models.CheckConstraint(condition=models.Q(length__isnull=True, unit="")
                                   | models.Q(length__gte=1, unit__in=["months", "years"]), name="ban_length_has_a_unit"),
            models.CheckConstraint(condition=models.Q(length__isnull=True) | models.Q(unit="months", length__lte=BAN_MAX_MONTHS)
                                   | models.Q(unit="years", length__lte=BAN_MAX_MONTHS // 12), name="ban_at_most_five_years"),
        ]

    def __str__(self) -> str:
        return f"{self.company_name} {self.starts_on}–{self.ends_on}"

    def computed_last_day(self) -> datetime.date | None:
        """The last day of the ban from its start and length (행정기본법 §6 ②), or None for a
        ban recorded with a typed end date."""
        if self.length is None or not self.unit or self.starts_on is None:
            return None
        return duty_period_last_day(self.starts_on, **{self.unit: self.length})

    @property
    def last_day(self) -> datetime.date:
        return self.computed_last_day() or self.ends_on


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
    partner_list = models.ForeignKey(PartnerList, on_delete=models.CASCADE, related_name="entries", verbose_name=_("partner's nominated list"))
    business_number = IdentifierField(_("business registration number"), max_length=10, validators=[validate_business_number])
    company_name = models.CharField(_("company name"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("nominated company")
        verbose_name_plural = _("nominated companies")
        constraints = [models.UniqueConstraint(fields=["partner_list", "business_number"], name="one_entry_per_company")]
