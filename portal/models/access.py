"""접속기록: who read personal or company data, when, what and from where."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class AccessRecord(models.Model):
    """One read of personal or company data by a person acting for the agency (an officer,
    a reviewer, an administrator): 개인정보의 안전성 확보조치 기준 §8 asks for the account,
    the time, where from, whose information and what was done, kept at least two years
    (nothing in the portal deletes them; the database backup keeps them). Written by
    portal.middleware.AccessRecordMiddleware, never edited; searchable and exportable by an
    administrator."""

    created_at = models.DateTimeField(_("time"), db_index=True)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("account"))
    # The account as it was named then, should it be renamed later.
    actor_email = models.CharField(_("e-mail address"), max_length=254)
    ip_address = models.GenericIPAddressField(_("accessed from"), null=True, blank=True)
    action = models.CharField(_("what was done"), max_length=20)
    page = models.CharField(_("page"), max_length=80)
    target_type = models.CharField(_("record type"), max_length=60, blank=True)
    target_id = models.CharField(_("record"), max_length=40, blank=True)
    path = models.CharField(_("address"), max_length=300)

    class Meta:
        verbose_name = _("access record")
        verbose_name_plural = _("access records")
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["actor", "created_at"]), models.Index(fields=["target_type", "target_id"])]

    def __str__(self) -> str:
        return f"{self.actor_email} {self.action} {self.page} {self.target_id}"

    def save(self, *args, **kwargs) -> None:
        if self.pk is not None:
            raise ValueError("Access records are never changed.")
        super().save(*args, **kwargs)
