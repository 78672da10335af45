"""How long each kind of personal information is kept, and what happens when the period ends
(개인정보 보호법 §21: destroyed without delay once it is no longer needed, unless a law
requires it kept).

Each rule names a category, what goes, how long it is kept and why, and the function that
destroys or anonymises what has outlived the period. Apps register their rules when they are
ready; the daily job (portal.tasks.destroy_expired_personal_data) runs them in order and
writes a DestructionRecord for each destruction. The periods are settings
(RETENTION_* in docs/configuration.md) or data (a program's own period for the documents of
applications it did not select); the privacy policy lists them from here."""

from __future__ import annotations

import calendar
import datetime
from collections.abc import Callable
from dataclasses import dataclass, field

from django.utils.functional import Promise
from django.utils.translation import ngettext


@dataclass(frozen=True)
class Destroyed:
    """What one destruction did: how many records, under which period, older than when."""

    count: int
    period: str
    cutoff: datetime.datetime | None = None
    detail: dict = field(default_factory=dict)


@dataclass(frozen=True)
class RetentionRule:
    category: str
    # What goes, as the destruction record and the privacy policy name it.
    label: Promise
    method: str  # DestructionRecord.Method
    # How long it is kept, as a person reads it (from the settings or the data, when asked).
    period: Callable[[], str]
    # Why that long: the law or the purpose the period serves.
    basis: Promise
    # Destroys what has outlived the period at `now`, inside the caller's transaction; one
    # Destroyed per period applied (a rule with a period per program gives one per program).
    # None for what a person's own request destroys (leaving), not the job.
    destroy: Callable[[datetime.datetime], list[Destroyed]] | None = None


RULES: dict[str, RetentionRule] = {}


def register(rule: RetentionRule) -> RetentionRule:
    RULES[rule.category] = rule
    return rule


def rules() -> list[RetentionRule]:
    """In the order registered (INSTALLED_APPS order): a rule may rely on the ones before it."""
    return list(RULES.values())


def label_of(category: str) -> str:
    rule = RULES.get(category)
    return str(rule.label) if rule else category


# --- Periods -------------------------------------------------------------------------------

def years_before(moment: datetime.datetime, years: int) -> datetime.datetime:
    """The same moment `years` calendar years earlier (29 February → 28 February)."""
    year = moment.year - years
    return moment.replace(year=year, day=min(moment.day, calendar.monthrange(year, moment.month)[1]))


def months_before(moment: datetime.datetime, months: int) -> datetime.datetime:
    """The same moment `months` calendar months earlier (31 March less one month → 28/29 February)."""
    index = moment.year * 12 + moment.month - 1 - months
    year, month = divmod(index, 12)
    return moment.replace(year=year, month=month + 1, day=min(moment.day, calendar.monthrange(year, month + 1)[1]))


def years_text(years: int) -> str:
    return ngettext("%(n)d year", "%(n)d years", years) % {"n": years}


def months_text(months: int) -> str:
    return ngettext("%(n)d month", "%(n)d months", months) % {"n": months}


def days_text(days: int) -> str:
    return ngettext("%(n)d day", "%(n)d days", days) % {"n": days}
