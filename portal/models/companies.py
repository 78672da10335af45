from __future__ import annotations

import datetime
import secrets
from datetime import timedelta

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator, RegexValidator
from django.db import models
from django.db.models.functions import Lower
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from portal import codelists
from portal.codelists import district_name, ksic_label
from portal.enterprise import company_average_revenue
from portal.identifiers import (
    IdentifierField,
    format_business_number,
    format_corporate_number,
    validate_business_number,
    validate_corporate_number,
)


class Region(models.TextChoices):
    """The 17 시·도 a company's site may be in."""

    SEOUL = "11", _("Seoul")
    BUSAN = "26", _("Busan")
    DAEGU = "27", _("Daegu")
    INCHEON = "28", _("Incheon")
    GWANGJU = "29", _("Gwangju")
    DAEJEON = "30", _("Daejeon")
    ULSAN = "31", _("Ulsan")
    SEJONG = "36", _("Sejong")
    GYEONGGI = "41", _("Gyeonggi")
    GANGWON = "51", _("Gangwon")
    CHUNGBUK = "43", _("Chungbuk")
    CHUNGNAM = "44", _("Chungnam")
    JEONBUK = "52", _("Jeonbuk")
    JEONNAM = "46", _("Jeonnam")
    GYEONGBUK = "47", _("Gyeongbuk")
    GYEONGNAM = "48", _("Gyeongnam")
    JEJU = "50", _("Jeju")

    @classmethod
    def capital_area(cls) -> set[str]:
        return {cls.SEOUL, cls.INCHEON, cls.GYEONGGI}


class Certification(models.TextChoices):
    VENTURE = "venture", _("Venture company (벤처기업)")
    INNOBIZ = "innobiz", _("Inno-Biz")
    MAINBIZ = "mainbiz", _("Main-Biz")
    RESEARCH_INSTITUTE = "research_institute", _("Corporate research institute (기업부설연구소)")
    WOMEN_OWNED = "women_owned", _("Women-owned business")


ksic_validator = RegexValidator(
    r"^[A-U][0-9]{2,5}$",
    _("Enter a KSIC code: the section letter and 2 to 5 digits, e.g. C29271."),
)


sigungu_validator = RegexValidator(r"^[0-9]{5}$", _("Enter the 5-digit code of the city, county or district, e.g. 48121."))


class Company(models.Model):
    """The applicant of record. People act for it through memberships."""

    name = models.CharField(_("company name"), max_length=200)
    # One normalised form, whoever writes the row (forms, services, admin, imports).
    business_number = IdentifierField(
        _("business registration number"),
        max_length=10,
        unique=True,
        validators=[validate_business_number],
        help_text=_("10 digits, e.g. 124-81-00998."),
    )
    corporate_number = IdentifierField(
        _("corporate registration number"),
        max_length=13,
        blank=True,
        validators=[validate_corporate_number],
        help_text=_("Corporations only: 13 digits, e.g. 130111-0006246."),
    )
    representative_name = models.CharField(_("representative"), max_length=100)
    address = models.CharField(_("address"), max_length=300)
    region = models.CharField(_("region (시·도)"), max_length=2, choices=Region.choices)
    sigungu = models.CharField(_("city, county or district code of the site (시·군·구)"), max_length=5, blank=True,
                               validators=[sigungu_validator], help_text=_("The 5-digit administrative code, e.g. 48121 for 창원시 의창구."))
    hq_region = models.CharField(_("region of the headquarters"), max_length=2, choices=Region.choices, blank=True,
                                 help_text=_("Leave empty when the headquarters is at the site."))
    hq_sigungu = models.CharField(_("city, county or district code of the headquarters"), max_length=5, blank=True,
                                  validators=[sigungu_validator])
    ksic_code = models.CharField(_("industry (KSIC code)"), max_length=6, validators=[ksic_validator])
    founded_on = models.DateField(_("date founded"))
    employees = models.PositiveIntegerField(_("employees"), validators=[MaxValueValidator(1_000_000)])
    fiscal_year = models.PositiveSmallIntegerField(
        _("latest fiscal year"), validators=[MinValueValidator(1950), MaxValueValidator(2100)]
    )
    revenue_latest = models.BigIntegerField(_("revenue, latest year (KRW)"), validators=[MinValueValidator(0)])
    revenue_previous = models.BigIntegerField(_("revenue, year before (KRW)"), validators=[MinValueValidator(0)])
    revenue_before_previous = models.BigIntegerField(
        _("revenue, two years before (KRW)"), validators=[MinValueValidator(0)]
    )
    total_assets = models.BigIntegerField(_("total assets (KRW)"), validators=[MinValueValidator(0)])
    certifications = models.JSONField(_("certifications"), default=list, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    members = models.ManyToManyField(
        settings.AUTH_USER_MODEL, through="CompanyMembership", related_name="companies"
    )

    class Meta:
        verbose_name = _("company")
        verbose_name_plural = _("companies")
        ordering = ["name"]
        constraints = [
            # The one stored form: ten ASCII digits (portal/identifiers.py).
            models.CheckConstraint(condition=models.Q(business_number__regex=r"^[0-9]{10}$"), name="business_number_ascii_digits"),
        ]

    def __str__(self) -> str:
        return self.name

    def clean(self) -> None:
        """The codes against the official lists (portal/codelists): a 시·군·구 in force and in
        the 시·도 given with it, an industry on KSIC, and a closed fiscal year not in the future."""
        from django.core.exceptions import ValidationError


        errors: dict[str, str] = {}
        for field, region in (("sigungu", self.region), ("hq_sigungu", self.hq_region or self.region)):
            code = getattr(self, field)
            if not code:
                continue
            if not codelists.is_sigungu(code):
                errors[field] = _("%(code)s is not a city, county or district code in force (행정표준코드).") % {"code": code}
            elif region and code[:2] != region:
                errors[field] = _("%(name)s (%(code)s) is not in %(region)s.") % {
                    "name": codelists.district_name(code), "code": code, "region": codelists.sido_name(region) or region}
        if self.ksic_code and not codelists.is_ksic_code(self.ksic_code):
            errors["ksic_code"] = _("%(code)s is not a code of the Korean Standard Industrial Classification (KSIC).") % {"code": self.ksic_code}
        if self.fiscal_year and self.fiscal_year > timezone.localdate().year:
            errors["fiscal_year"] = _("The latest fiscal year cannot be in the future (%(year)d).") % {"year": self.fiscal_year}
        if errors:
            raise ValidationError(errors)

    @property
    def business_number_display(self) -> str:
        return format_business_number(self.business_number)

    @property
    def corporate_number_display(self) -> str:
        return format_corporate_number(self.corporate_number) if self.corporate_number else ""

    @property
    def average_revenue(self) -> int | None:
        """평균매출액 as 중소기업기본법 시행령 §7 computes it (portal/enterprise.py); None
        when no business year has closed yet."""
        return company_average_revenue(self).amount

    @property
    def ksic_label(self) -> str:
        """The industry by its KSIC name: 반도체 제조용 기계 제조업(C29271)."""

        return ksic_label(self.ksic_code)

    @property
    def site_label(self) -> str:
        """Where the site is, by name: 경상남도 창원시 성산구 (the 시·도 when no 시·군·구 is given)."""

        return district_name(self.sigungu or self.region)

    def place(self, basis: str) -> tuple[str, str]:
        """(시·도, 시·군·구) of the site or of the headquarters (the site when not given)."""
        if basis == "headquarters" and self.hq_region:
            return self.hq_region, self.hq_sigungu
        return self.region, self.sigungu

    def certification_labels(self) -> list[str]:
        return [str(Certification(code).label) for code in self.certifications if code in Certification.values]

    # --- The facts an application is judged on, frozen when it is submitted ------------

    def facts(self) -> dict:
        """The company's facts that decide eligibility, points and the agreement's party block,
        as JSON (dates in ISO form) — what `Application.company_facts` keeps."""
        facts = {name: getattr(self, name) for name in COMPANY_FACTS}
        facts["founded_on"] = self.founded_on.isoformat() if self.founded_on else None
        facts["certifications"] = sorted(self.certifications or [])
        return facts

    @classmethod
    def from_facts(cls, facts: dict, *, pk: int | None = None) -> Company:
        """An unsaved company as the facts describe it (methods such as `average_revenue` and
        `place` work on it); never saved."""
        values = {name: facts[name] for name in COMPANY_FACTS if name in facts}
        if values.get("founded_on"):
            values["founded_on"] = datetime.date.fromisoformat(values["founded_on"])
        company = cls(pk=pk, **values)
        company._state.adding = False
        return company

    def changes_since(self, facts: dict) -> list[tuple[str, str, str]]:
        """(label, as submitted, now) of each fact that differs from `facts`."""
        now = self.facts()
        return [
            (str(self._meta.get_field(name).verbose_name), _fact_text(self, name, facts.get(name)), _fact_text(self, name, now[name]))
            for name in COMPANY_FACTS if name in facts and facts[name] != now[name]
        ]


def _fact_text(company: Company, name: str, value) -> str:
    if value in (None, "", []):
        return "—"
    if name in ("region", "hq_region"):
        return str(Region(value).label) if value in Region.values else value
    if name in ("sigungu", "hq_sigungu"):

        return district_name(value)
    if name == "ksic_code":

        return ksic_label(value)
    if name == "certifications":
        return ", ".join(str(Certification(c).label) if c in Certification.values else c for c in value)
    if name.startswith(("revenue", "total_assets")):
        return f"{value:,}원"
    if name == "business_number":
        return format_business_number(value)
    return str(value)


# Facts of the company frozen with each submitted application (Company.facts()).
COMPANY_FACTS = (
    "name", "business_number", "corporate_number", "representative_name", "address", "region", "sigungu", "hq_region",
    "hq_sigungu", "ksic_code", "founded_on", "employees", "fiscal_year", "revenue_latest", "revenue_previous",
    "revenue_before_previous", "total_assets", "certifications",
)


class CompanyMembership(models.Model):
    class Role(models.TextChoices):
        OWNER = "owner", _("Owner")
        MEMBER = "member", _("Member")

    company = models.ForeignKey(Company, on_delete=models.CASCADE, related_name="memberships", verbose_name=_("company"))
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="memberships", verbose_name=_("person"))
    role = models.CharField(_("role"), max_length=10, choices=Role.choices, default=Role.MEMBER)
    # Whether this person may sign agreements for the company (대표자 또는 위임받은 자).
    can_sign = models.BooleanField(_("may sign agreements"), default=False)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("company membership")
        verbose_name_plural = _("company memberships")
        constraints = [models.UniqueConstraint(fields=["company", "user"], name="one_membership_per_person")]

    def __str__(self) -> str:
        return f"{self.user} @ {self.company}"


def _invitation_token() -> str:
    return secrets.token_urlsafe(32)


def _invitation_expiry():
    return timezone.now() + timedelta(days=7)


class CompanyInvitation(models.Model):
    company = models.ForeignKey(Company, on_delete=models.CASCADE, related_name="invitations", verbose_name=_("company"))
    email = models.EmailField(_("e-mail address"))
    invited_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("invited by"))
    token = models.CharField(max_length=64, unique=True, default=_invitation_token, editable=False)
    created_at = models.DateTimeField(_("sent"), auto_now_add=True)
    expires_at = models.DateTimeField(_("expires"), default=_invitation_expiry)
    accepted_at = models.DateTimeField(_("accepted"), null=True, blank=True)
    accepted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+", verbose_name=_("accepted by")
    )

    class Meta:
        verbose_name = _("invitation")
        verbose_name_plural = _("invitations")
        constraints = [
            models.UniqueConstraint(
                Lower("email"), "company", condition=models.Q(accepted_at__isnull=True), name="one_open_invitation_per_email"
            )
        ]

    def __str__(self) -> str:
        return f"{self.email} → {self.company}"

    @property
    def is_expired(self) -> bool:
        return timezone.now() >= self.expires_at


class CompanyJoinRequest(models.Model):
    """Someone whose company is already registered asks its owner to let them in."""

    class Status(models.TextChoices):
        PENDING = "pending", _("Pending")
        APPROVED = "approved", _("Approved")
        DECLINED = "declined", _("Declined")

    company = models.ForeignKey(Company, on_delete=models.CASCADE, related_name="join_requests", verbose_name=_("company"))
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="join_requests", verbose_name=_("person"))
    message = models.CharField(_("message to the owner"), max_length=500, blank=True)
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.PENDING)
    created_at = models.DateTimeField(_("asked"), auto_now_add=True)
    decided_at = models.DateTimeField(_("decided"), null=True, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+", verbose_name=_("decided by")
    )

    class Meta:
        verbose_name = _("join request")
        verbose_name_plural = _("join requests")
        constraints = [
            models.UniqueConstraint(
                fields=["company", "user"], condition=models.Q(status="pending"), name="one_pending_join_request"
            )
        ]

    def __str__(self) -> str:
        return f"{self.user} → {self.company}"
