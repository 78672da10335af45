from __future__ import annotations

from django.conf import settings
from django.core.validators import MinValueValidator, RegexValidator
from django.db import models
from django.utils import timezone, translation
from django.utils.translation import gettext_lazy as _


class Program(models.Model):
    """A support program (사업), e.g. 스마트공장 구축·고도화. Runs calls."""

    code = models.SlugField(_("code"), max_length=40, unique=True)
    name_ko = models.CharField(_("name (Korean)"), max_length=200)
    name_en = models.CharField(_("name (English)"), max_length=200)
    description_ko = models.TextField(_("description (Korean)"), blank=True)
    description_en = models.TextField(_("description (English)"), blank=True)
    managing_agency = models.CharField(_("managing agency"), max_length=200)
    officers = models.ManyToManyField(
        settings.AUTH_USER_MODEL, through="ProgramOfficer", related_name="officer_of_programs", blank=True
    )

    class Meta:
        verbose_name = _("program")
        verbose_name_plural = _("programs")
        ordering = ["name_ko"]

    def __str__(self) -> str:
        return self.name

    @property
    def name(self) -> str:
        return self.name_en if translation.get_language() == "en" and self.name_en else self.name_ko

    @property
    def description(self) -> str:
        return self.description_en if translation.get_language() == "en" and self.description_en else self.description_ko


class ProgramOfficer(models.Model):
    """A person who runs a program's calls (사업담당자)."""

    program = models.ForeignKey(Program, on_delete=models.CASCADE, related_name="officer_links")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="officer_links")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("program officer")
        verbose_name_plural = _("program officers")
        constraints = [models.UniqueConstraint(fields=["program", "user"], name="one_officer_link_per_program")]

    def __str__(self) -> str:
        return f"{self.user} — {self.program}"


class CallQuerySet(models.QuerySet["Call"]):
    def open_at(self, moment) -> CallQuerySet:
        return self.filter(opens_at__lte=moment, closes_at__gt=moment)

    def published(self) -> CallQuerySet:
        return self.filter(is_published=True)


class Call(models.Model):
    """A call for applications (공고) of a program, open between two instants."""

    program = models.ForeignKey(Program, on_delete=models.PROTECT, related_name="calls")
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
    is_published = models.BooleanField(_("published"), default=False)
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

    def is_open(self, moment=None) -> bool:
        moment = moment or timezone.now()
        return self.is_published and self.opens_at <= moment < self.closes_at
