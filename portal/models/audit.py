from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from portal.audit_actions import action_label, target_label


class AuditEvent(models.Model):
    """Who did what to which record, from where. Written by services (portal.services.audit),
    never edited: one keyed hash chain over all of them (portal/chains.py), its head in
    ChainHead "audit"; `manage.py verify_events` recomputes it."""

    created_at = models.DateTimeField(_("time"), db_index=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+", verbose_name=_("done by")
    )
    action = models.CharField(_("action code"), max_length=60)
    target_type = models.CharField(_("record type"), max_length=60)
    target_id = models.CharField(_("record number"), max_length=40)
    ip_address = models.GenericIPAddressField(_("IP address"), null=True, blank=True)
    data = models.JSONField(_("details"), default=dict, blank=True)
    seq = models.PositiveBigIntegerField(_("sequence number"), unique=True)
    prev_hash = models.CharField(_("previous hash"), max_length=64, blank=True)
    hash = models.CharField(_("hash"), max_length=64)

    class Meta:
        verbose_name = _("audit event")
        verbose_name_plural = _("audit events")
        indexes = [models.Index(fields=["target_type", "target_id"])]
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{action_label(self.action)} · {target_label(self.target_type, self.target_id)}"


class ChainHead(models.Model):
    """The newest link of a chain that is not tied to one record (the audit log): locked to
    append, so that links are numbered without gaps, and compared with the chain so that
    removing its newest rows is noticed."""

    name = models.CharField(max_length=40, primary_key=True)
    seq = models.PositiveBigIntegerField(default=0)
    hash = models.CharField(max_length=64, blank=True)
    # The head the per-minute sweep last wrote to the anchor store (portal/services/anchors.py).
    anchored = models.CharField(max_length=64, blank=True)

    class Meta:
        verbose_name = _("hash chain")
        verbose_name_plural = _("hash chains")

    def __str__(self) -> str:
        return f"{self.name}#{self.seq}"
