"""개인정보 수집·이용 동의: each answer a person gave, with the version of the text they
were shown and when (portal/privacy.py holds the texts)."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class Consent(models.Model):
    """One answer to one consent item. A new answer (a withdrawal, or a later version of the
    text) is a new row; rows are never changed."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="consents")
    item = models.CharField(_("consent item"), max_length=40)
    version = models.CharField(_("text version"), max_length=20)
    granted = models.BooleanField(_("granted"))
    recorded_at = models.DateTimeField(_("time"))
    ip_address = models.GenericIPAddressField(null=True, blank=True)

    class Meta:
        verbose_name = _("consent")
        verbose_name_plural = _("consents")
        ordering = ["user", "item", "-recorded_at"]
        indexes = [models.Index(fields=["user", "item", "-recorded_at"], name="consent_latest")]

    def __str__(self) -> str:
        return f"{self.user_id} {self.item} v{self.version} {'yes' if self.granted else 'no'}"

    def save(self, *args, **kwargs) -> None:
        if self.pk is not None:
            raise ValueError("Consents are recorded once; a new answer is a new row.")
        super().save(*args, **kwargs)
