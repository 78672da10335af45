"""The applicant's own copy of what was submitted, as a PDF with the receipt (접수증)."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from applications.models.application import Application


class ApplicationCopy(models.Model):
    """A PDF of the application as its history stood at `event_head` (the chain's newest
    link when it was asked for): the same history gives the same copy; a later change (a
    revision sent back) asks for a new one. Rendered by Celery like the agreement."""

    class Status(models.TextChoices):
        PENDING = "pending", _("Being prepared")
        DONE = "done", _("Ready")
        FAILED = "failed", _("Failed")

    application = models.ForeignKey(Application, on_delete=models.CASCADE, related_name="copies")
    event_head = models.CharField(max_length=64)
    requested_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PENDING)
    pdf = models.FileField(upload_to="applications/copies/", blank=True)
    pdf_sha256 = models.CharField(max_length=64, blank=True)
    error = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("application copy")
        verbose_name_plural = _("application copies")
        constraints = [models.UniqueConstraint(fields=["application", "event_head"], name="one_copy_per_history")]

    def __str__(self) -> str:
        return f"{self.application_id} copy {self.status}"
