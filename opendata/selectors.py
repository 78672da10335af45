"""The executed agreements the open data publishes, and the filters its API offers.

An agreement is published once it is executed and its program's delay
(`Program.open_data_delay_days`) has passed since it came into force. One query reads a
page of them with everything a grant record says: the program and call by join, the
amount and period from the agreement's version in force by subqueries, the company's
facts frozen with the application — never the live profile."""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from django.db.models import OuterRef, Q, QuerySet, Subquery, TextField
from django.db.models.fields.json import KT
from django.utils import timezone

from applications.models import Agreement, AgreementState, AgreementVersion, Program

# The columns a grant record reads; the application's answers and snapshots stay in the database.
FIELDS = (
    "number", "executed_at",
    "application__project_title", "application__company_facts",
    "application__call__code", "application__call__title", "application__call__all_regions",
    "application__call__program__code", "application__call__program__name_ko", "application__call__program__managing_agency",
    "application__call__program__agency_business_number",
)


def _in_force(key: str) -> Subquery:
    """A value of the terms of the agreement's version in force, as text."""
    versions = AgreementVersion.objects.filter(agreement=OuterRef("pk"), superseded_at__isnull=True).order_by("-number")
    return Subquery(versions.annotate(value=KT(f"terms__{key}")).values("value")[:1], output_field=TextField())


def past_waiting_period(now: datetime.datetime) -> Q:
    """Agreements executed at least their program's waiting period before `now`. One
    condition per waiting period the programs have (a handful: one small query), since
    adding a number of days to a moment is written differently by each database."""
    delays = Program.objects.order_by().values_list("open_data_delay_days", flat=True).distinct()
    condition = Q(pk__in=[])
    for days in delays:
        condition |= Q(application__call__program__open_data_delay_days=days, executed_at__lte=now - datetime.timedelta(days=days))
    return condition


def published_agreements(*, now: datetime.datetime | None = None) -> QuerySet[Agreement]:
    """Every agreement the open data shows at `now`, oldest first (a stable order for pages)."""
    now = now or timezone.now()
    return (Agreement.objects.filter(past_waiting_period(now), state=AgreementState.EXECUTED, executed_at__isnull=False)
            .select_related("application__call__program").only(*FIELDS)
            .annotate(grant=_in_force("grant"), starts_on=_in_force("start"), ends_on=_in_force("end"))
            .order_by("executed_at", "pk"))


@dataclass(frozen=True)
class GrantFilters:
    """The API's filters; an empty one does not narrow."""

    program: str = ""
    call: str = ""
    year: int | None = None
    region: str = ""

    def apply(self, agreements: QuerySet[Agreement]) -> QuerySet[Agreement]:
        if self.program:
            agreements = agreements.filter(application__call__program__code=self.program)
        if self.call:
            agreements = agreements.filter(application__call__code=self.call)
        if self.year:
            # The award year in Korea: from 1 January 00:00 KST, so that the index on the moment serves it.
            start = timezone.make_aware(datetime.datetime(self.year, 1, 1))
            agreements = agreements.filter(executed_at__gte=start, executed_at__lt=start.replace(year=self.year + 1))
        if self.region:
            agreements = agreements.filter(application__company_facts__region=self.region)
        return agreements
