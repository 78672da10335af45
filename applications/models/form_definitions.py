"""The application form of a call, versioned: an application keeps the version it answered."""

from __future__ import annotations

from django.core.validators import RegexValidator
from django.db import models
from django.utils import translation
from django.utils.translation import gettext_lazy as _

from applications.models.calls import Call


class FormVersion(models.Model):
    call = models.ForeignKey(Call, on_delete=models.CASCADE, related_name="form_versions")
    number = models.PositiveSmallIntegerField(_("version"))
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("form version")
        verbose_name_plural = _("form versions")
        ordering = ["call", "-number"]
        constraints = [models.UniqueConstraint(fields=["call", "number"], name="one_form_version_number_per_call")]

    def __str__(self) -> str:
        return f"{self.call.code} v{self.number}"


class FormSection(models.Model):
    form = models.ForeignKey(FormVersion, on_delete=models.CASCADE, related_name="sections")
    order = models.PositiveSmallIntegerField(default=0)
    title_ko = models.CharField(_("title (Korean)"), max_length=200)
    title_en = models.CharField(_("title (English)"), max_length=200)

    class Meta:
        ordering = ["order", "pk"]

    def __str__(self) -> str:
        return self.title

    @property
    def title(self) -> str:
        return self.title_en if translation.get_language() == "en" else self.title_ko


class FieldType(models.TextChoices):
    SHORT_TEXT = "short_text", _("Short text")
    LONG_TEXT = "long_text", _("Long text")
    NUMBER = "number", _("Number")
    AMOUNT = "amount", _("Amount (KRW)")
    DATE = "date", _("Date")
    CHOICE = "choice", _("Single choice")
    MULTI_CHOICE = "multi_choice", _("Multiple choice")
    FILE = "file", _("File")


class FormField(models.Model):
    section = models.ForeignKey(FormSection, on_delete=models.CASCADE, related_name="fields")
    key = models.CharField(
        _("key"), max_length=40, validators=[RegexValidator(r"^[a-z][a-z0-9_]*$", _("Lower-case letters, digits and _."))]
    )
    type = models.CharField(_("type"), max_length=20, choices=FieldType.choices)
    label_ko = models.CharField(_("label (Korean)"), max_length=200)
    label_en = models.CharField(_("label (English)"), max_length=200)
    help_ko = models.CharField(_("help (Korean)"), max_length=500, blank=True)
    help_en = models.CharField(_("help (English)"), max_length=500, blank=True)
    required = models.BooleanField(_("required"), default=False)
    min_length = models.PositiveIntegerField(_("minimum length"), null=True, blank=True)
    max_length = models.PositiveIntegerField(_("maximum length"), null=True, blank=True)
    min_value = models.BigIntegerField(_("minimum value"), null=True, blank=True)
    max_value = models.BigIntegerField(_("maximum value"), null=True, blank=True)
    # For choices: [{"value": "a", "ko": "…", "en": "…"}, …]
    choices = models.JSONField(_("choices"), default=list, blank=True)
    order = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["order", "pk"]

    def __str__(self) -> str:
        return self.key

    @property
    def label(self) -> str:
        return self.label_en if translation.get_language() == "en" else self.label_ko

    @property
    def help(self) -> str:
        return self.help_en if translation.get_language() == "en" else self.help_ko

    def choice_options(self) -> list[tuple[str, str]]:
        english = translation.get_language() == "en"
        return [(c["value"], c.get("en") if english else c.get("ko", c["value"])) for c in self.choices]
