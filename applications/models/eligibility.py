from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from applications.models.calls import Call


class RuleKind(models.TextChoices):
    SME_SIZE = "sme_size", _("SME size and independence")
    INDUSTRY = "industry", _("Industry (KSIC divisions)")
    REGION = "region", _("Region")
    MAX_AGE = "max_age", _("Years since founding")
    CERTIFICATION = "certification", _("Certification")
    EXCLUSIONS = "exclusions", _("Exclusions (declared)")
    ONE_PER_CALL = "one_per_call", _("One application per company")


class EligibilityRule(models.Model):
    """One rule of a call, with its parameters as data (see applications/eligibility.py)."""

    call = models.ForeignKey(Call, on_delete=models.CASCADE, related_name="rules")
    kind = models.CharField(_("rule"), max_length=20, choices=RuleKind.choices)
    params = models.JSONField(_("parameters"), default=dict, blank=True)
    # A hard rule blocks submission unless it passes; a soft one is shown for information.
    is_hard = models.BooleanField(_("blocks submission"), default=True)
    order = models.PositiveSmallIntegerField(default=0)

    class Meta:
        verbose_name = _("eligibility rule")
        verbose_name_plural = _("eligibility rules")
        ordering = ["order", "pk"]
        constraints = [models.UniqueConstraint(fields=["call", "kind"], name="one_rule_of_a_kind_per_call")]

    def __str__(self) -> str:
        return self.get_kind_display()
