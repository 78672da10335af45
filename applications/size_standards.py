"""The size tables of 중소기업기본법 시행령 별표1 (중소기업) and 별표3 (소기업) as data, read for one
industry code on one day: the revenue ceiling that applies and the table it comes from. The
arithmetic of a company's own figures is portal/enterprise.py."""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from applications.models import SizeStandard


@dataclass(frozen=True)
class Ceiling:
    """The limit that applies to one industry code in one table version."""

    revenue_limit: int | None
    matched_code: str
    assets_limit: int | None
    scale: str
    version_date: datetime.date | None
    source: str


def industry_ceiling(ksic_code: str, *, scale: str, on: datetime.date) -> Ceiling:
    """The revenue ceiling for `ksic_code` in the table of `scale` in force on `on`: the
    division (C29, E36, N76) if the table names it, else the section (C, E, N)."""
    standard = (SizeStandard.objects.filter(scale=scale, version_date__lte=on).order_by("-version_date")
                .prefetch_related("limits").first())
    if standard is None:
        return Ceiling(None, "", None, scale, None, "")
    limits = {limit.code: limit.revenue_limit for limit in standard.limits.all()}
    for code in (ksic_code[:3], ksic_code[:1]):
        if code in limits:
            return Ceiling(limits[code], code, standard.assets_limit, scale, standard.version_date, standard.source)
    return Ceiling(None, "", standard.assets_limit, scale, standard.version_date, standard.source)
