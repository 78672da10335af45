from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import translation
from django.utils.translation import gettext_lazy as _


class Program(models.Model):
    """A support program (사업), e.g. 스마트공장 구축·고도화. Runs calls."""

    code = models.SlugField(_("code"), max_length=40, unique=True)
    name_ko = models.CharField(_("name (Korean)"), max_length=200)
    name_en = models.CharField(_("name (English)"), max_length=200)
    description_ko = models.TextField(_("description (Korean)"), blank=True)
    description_en = models.TextField(_("description (English)"), blank=True)
    managing_agency = models.CharField(_("managing agency"), max_length=200)
    # Who signs agreements for the agency (기관장); the officer who countersigns is its 담당자.
    agency_head_title = models.CharField(_("title of the agency head"), max_length=50, default="기관장",
                                         help_text=_("E.g. 원장, 단장, 이사장."))
    agency_head_name = models.CharField(_("name of the agency head"), max_length=100, blank=True)
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
