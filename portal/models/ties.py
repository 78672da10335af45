"""Declared ties between the people who act for the agency and the companies that apply."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from portal.identifiers import IdentifierField, format_business_number


class StaffTie(models.Model):
    """A tie between a person acting for the agency — an officer or an outside reviewer — and
    a company, by 사업자등록번호. Declared by the person (or recorded by an officer for a
    reviewer); never removed by the person it binds. A tie, like membership in the company,
    keeps the person from screening, reviewing, selecting, preparing or signing for it."""

    class Kind(models.TextChoices):
        EMPLOYEE = "employee", _("Works for it")
        ADVISER = "adviser", _("Advises it")
        SUPPLIER = "supplier", _("Supplies it (e.g. smart-factory solution)")
        OWNER = "owner", _("Shares ownership")
        FAMILY = "family", _("A relative works for or owns it")
        OTHER = "other", _("Other tie")

    person = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="ties", verbose_name=_("person"))
    business_number = IdentifierField(_("business registration number"), max_length=10)
    kind = models.CharField(_("tie"), max_length=10, choices=Kind.choices)
    note = models.CharField(_("note"), max_length=300, blank=True)
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("recorded by"))
    created_at = models.DateTimeField(_("recorded"), auto_now_add=True)

    class Meta:
        verbose_name = _("declared tie")
        verbose_name_plural = _("declared ties")
        constraints = [models.UniqueConstraint(fields=["person", "business_number", "kind"], name="one_staff_tie_per_kind")]
        indexes = [models.Index(fields=["business_number"])]

    def __str__(self) -> str:
        return f"{self.person} ~ {self.business_number}"

    @property
    def business_number_display(self) -> str:

        return format_business_number(self.business_number)
