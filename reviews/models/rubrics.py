"""How a call's applications are scored: criteria with maxima and weights, bonus points,
a cut-off, the aggregation method and the tie-break order. Fixed once reviewing starts."""

from __future__ import annotations

from decimal import Decimal

from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils import translation
from django.utils.translation import gettext_lazy as _

from applications.models import Call


class Rubric(models.Model):
    class Aggregation(models.TextChoices):
        MEAN = "mean", _("Mean of all reviewers' totals")
        TRIMMED = "trimmed", _("Mean without the highest and lowest total (최고·최저 제외)")

    call = models.OneToOneField(Call, on_delete=models.CASCADE, related_name="rubric")
    cutoff = models.DecimalField(_("cut-off score"), max_digits=5, decimal_places=2, default=Decimal("70"),
                                 validators=[MinValueValidator(0), MaxValueValidator(100)])
    aggregation = models.CharField(_("aggregation"), max_length=10, choices=Aggregation.choices, default=Aggregation.TRIMMED)
    # The trimmed mean applies only when at least this many reviewers scored.
    trim_min_reviewers = models.PositiveSmallIntegerField(_("trim when at least this many reviewers scored"), default=5,
                                                          validators=[MinValueValidator(3)])
    max_bonus = models.DecimalField(_("maximum bonus points in all"), max_digits=4, decimal_places=2, default=Decimal("5"),
                                    validators=[MinValueValidator(0), MaxValueValidator(20)])
    # Criterion ids, most decisive first; ties left after them go to the lower grant, then the earlier receipt.
    tie_break = models.JSONField(_("tie-break order"), default=list, blank=True)
    blind = models.BooleanField(_("blind review (reviewers do not see the company)"), default=False)
    appeal_days = models.PositiveSmallIntegerField(_("appeal window (days after the notice)"), default=7,
                                                   validators=[MinValueValidator(1), MaxValueValidator(60)])
    # Stray flag: a reviewer's total this many points away from the panel's mean.
    stray_points = models.DecimalField(_("flag totals this far from the mean"), max_digits=5, decimal_places=2, default=Decimal("15"))
    locked_at = models.DateTimeField(null=True, blank=True, editable=False)

    class Meta:
        verbose_name = _("rubric")
        verbose_name_plural = _("rubrics")

    def __str__(self) -> str:
        return f"{self.call.code} rubric"

    @property
    def is_locked(self) -> bool:
        return self.locked_at is not None


class Criterion(models.Model):
    rubric = models.ForeignKey(Rubric, on_delete=models.CASCADE, related_name="criteria")
    order = models.PositiveSmallIntegerField(default=0)
    name_ko = models.CharField(_("name (Korean)"), max_length=100)
    # Optional: Korean reviewers score in Korean; an English page falls back to the Korean name.
    name_en = models.CharField(_("name (English)"), max_length=100, blank=True)
    description = models.TextField(_("description"), blank=True)
    max_score = models.DecimalField(_("maximum score"), max_digits=5, decimal_places=2, validators=[MinValueValidator(Decimal("0.01"))])
    # Weights add up to 100: a criterion's contribution to the total is score / max × weight.
    weight = models.DecimalField(_("weight"), max_digits=5, decimal_places=2, validators=[MinValueValidator(Decimal("0.01"))])

    class Meta:
        ordering = ["order", "pk"]
        verbose_name = _("criterion")
        verbose_name_plural = _("criteria")

    def __str__(self) -> str:
        return self.name

    @property
    def name(self) -> str:
        return self.name_en if translation.get_language() == "en" and self.name_en else self.name_ko


class BonusItem(models.Model):
    """가점: added after averaging. Automatic ones are computed from the company profile."""

    class Source(models.TextChoices):
        NON_CAPITAL_REGION = "non_capital_region", _("Site outside the capital area")
        CERTIFICATION = "certification", _("Venture, Inno-Biz or research institute certification")

    rubric = models.ForeignKey(Rubric, on_delete=models.CASCADE, related_name="bonus_items")
    name_ko = models.CharField(_("name (Korean)"), max_length=100)
    name_en = models.CharField(_("name (English)"), max_length=100, blank=True)
    source = models.CharField(_("source"), max_length=20, choices=Source.choices)
    points = models.DecimalField(_("points"), max_digits=4, decimal_places=2, validators=[MinValueValidator(Decimal("0.01"))])

    class Meta:
        ordering = ["pk"]

    def __str__(self) -> str:
        return self.name_ko
