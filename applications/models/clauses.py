"""The standard clauses of a program family's agreements (협약 일반조건), kept as versioned
data. An administrator revises them as a new version with the day it takes effect; an
agreement takes the version in force on the day it is prepared and keeps that text for good:
a version some agreement was drafted with can no longer be edited."""

from __future__ import annotations

import datetime

from django.core.exceptions import ValidationError
from django.db import connection, models
from django.db.models import Max
from django.utils.translation import gettext_lazy as _

from applications.models.agreements import ClauseKind, validate_clause_body
from applications.models.programs import ProgramFamily
from portal.formatting import korean_date


def lock_versions(family: str) -> None:
    """Hold the family's version numbers until the transaction ends: whoever numbers a new
    version of the family takes this first and reads the latest number after it, so two at once
    get two consecutive numbers. Locking the latest row would not do: the second would wait
    for that row, then still read it as the latest and take the same number. A PostgreSQL
    advisory lock on the family needs no row to exist; SQLite lets one writer in at a time."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(hashtext(%s))", [f"clause_set_versions:{family}"])


class ClauseSetQuerySet(models.QuerySet["ClauseSet"]):
    def in_force(self, family: str, on: datetime.date) -> ClauseSet | None:
        """The version an agreement prepared on `on` (a KST day) takes: the latest that has
        taken effect by then."""
        return self.filter(family=family, effective_on__lte=on).order_by("-version").first()


class ClauseSet(models.Model):
    family = models.CharField(_("program family"), max_length=20, choices=ProgramFamily.choices)
    version = models.PositiveSmallIntegerField(_("version"), editable=False)
    effective_on = models.DateField(_("in force from"), help_text=_("Agreements prepared from this day (KST) use this version."))
    title = models.CharField(_("title"), max_length=200)
    note = models.TextField(_("what changed"), blank=True)
    created_at = models.DateTimeField(_("written"), auto_now_add=True)

    objects = ClauseSetQuerySet.as_manager()

    class Meta:
        verbose_name = _("standard agreement clauses")
        verbose_name_plural = _("standard agreement clauses")
        ordering = ["family", "-version"]
        constraints = [models.UniqueConstraint(fields=["family", "version"], name="one_clause_set_version_per_family")]

    def __str__(self) -> str:
        return f"{self.title} v{self.version}"

    @property
    def in_use(self) -> bool:
        """Some agreement was drafted with this version: its text is part of that agreement."""
        return self.pk is not None and self.agreement_versions.exists()

    def label(self) -> str:
        """How the agreement and the officer's pages name it: 「…」 제2판(2027년 1월 1일 시행)."""
        return f"「{self.title}」 제{self.version}판({korean_date(self.effective_on)} 시행)"

    def clean(self) -> None:
        if self.in_use:
            raise ValidationError(_("Agreements were drafted with this version, so its text can no longer change: "
                                    "make a new version instead."), code="in_use")
        earlier = ClauseSet.objects.filter(family=self.family).exclude(pk=self.pk)
        if self.version:
            earlier = earlier.filter(version__lt=self.version)
        latest = earlier.order_by("-version").first()
        if latest is not None and self.effective_on and self.effective_on < latest.effective_on:
            raise ValidationError({"effective_on": _("A new version cannot take effect before the version it follows (%(day)s).")
                                   % {"day": korean_date(latest.effective_on)}}, code="before_previous")

    def save(self, *args, **kwargs) -> None:
        if self.version is None:  # the next number of its family (an administrator's "add")
            lock_versions(self.family)
            self.version = (ClauseSet.objects.filter(family=self.family).aggregate(n=Max("version"))["n"] or 0) + 1
        super().save(*args, **kwargs)


class Clause(models.Model):
    """One article of a clause set. The article number (제N조) follows from the order."""

    clause_set = models.ForeignKey(ClauseSet, on_delete=models.CASCADE, related_name="clauses")
    order = models.PositiveSmallIntegerField(_("order"), default=0)
    kind = models.CharField(_("kind"), max_length=20, choices=ClauseKind.choices)
    heading = models.CharField(_("heading"), max_length=100, help_text=_("Without the number: 제N조 is added in order."))
    body = models.TextField(_("text"), validators=[validate_clause_body],
                            help_text=_("Plain text with placeholders such as {회사명}; each line is a paragraph (①, ②, 1.)."))

    class Meta:
        verbose_name = _("clause")
        verbose_name_plural = _("clauses")
        ordering = ["order", "pk"]

    def __str__(self) -> str:
        return self.heading

    def clean(self) -> None:
        if self.clause_set_id and self.clause_set.in_use:
            raise ValidationError(_("Agreements were drafted with this version, so its text can no longer change: "
                                    "make a new version instead."), code="in_use")
