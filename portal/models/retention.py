"""파기 기록: what personal information was destroyed, how much, when and by which job
(개인정보 보호법 §21 ③ and 표준 개인정보 보호지침 §10 ask the controller to keep it)."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class DestructionRecord(models.Model):
    """One destruction: a category of records (portal/retention.py names them) destroyed or
    anonymised by one run of a job, with the period that ended and the cut-off it gave. The
    record itself names no person. Written in the transaction that destroys, so it exists
    exactly when the destruction happened; kept, never changed or removed."""

    class Method(models.TextChoices):
        DELETED = "deleted", _("Deleted")
        ANONYMISED = "anonymised", _("Anonymised")

    destroyed_at = models.DateTimeField(_("time"), db_index=True)
    category = models.CharField(_("what"), max_length=40, db_index=True)
    method = models.CharField(_("how"), max_length=12, choices=Method.choices)
    count = models.PositiveIntegerField(_("how many"))
    # The job's task name (or the service of a person's own request, such as leaving) and
    # the id of its run: the records of one run share it.
    job = models.CharField(_("by which job"), max_length=100)
    run = models.CharField(_("run"), max_length=64, blank=True)
    # The retention period that ended, as it read when the job ran ("2년", "12개월"), and the
    # moment it gave: records older than this went.
    period = models.CharField(_("retention period"), max_length=60, blank=True)
    cutoff = models.DateTimeField(_("records older than"), null=True, blank=True)
    detail = models.JSONField(_("detail"), default=dict, blank=True)

    class Meta:
        verbose_name = _("destruction record")
        verbose_name_plural = _("destruction records")
        ordering = ["-destroyed_at", "-pk"]

    def __str__(self) -> str:
        return f"{self.destroyed_at:%Y-%m-%d} {self.category} {self.count}"

    def save(self, *args, **kwargs) -> None:
        if self.pk is not None:
            raise ValueError("A destruction record is written once and kept.")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise ValueError("A destruction record is written once and kept.")
