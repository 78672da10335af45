"""Legal periods as 행정기본법 §6 counts them — the one place the portal computes a deadline
that the law gives a citizen or imposes on one.

행정기본법 §6 ① applies 민법's rules on periods unless a law says otherwise:

* 민법 §157 (초일 불산입): a period of days, weeks, months or years leaves out its first day,
  unless it starts at 00:00.
* 민법 §159: the period ends when its last day ends (24:00).
* 민법 §160: weeks, months and years follow the calendar; when the last month has no day
  matching the start, the period ends on that month's last day.
* 민법 §161: when the last day is a Saturday or a public holiday, the period ends the next
  day (and again, until a working day).

행정기본법 §6 ② is the exception for periods that *limit a right or impose a duty* (a
participation ban, a suspension): they count their first day, and end on their last day
even when it is a Saturday or a holiday.

Public holidays are 「관공서의 공휴일에 관한 규정」's, lunar and substitute holidays
included, from the maintained `holidays` package (KR); Sundays are holidays under the same
rule. No holiday list is kept here.

`RIGHT` periods (the appeal window from the notice of results, the time to answer a revision
request, to accept an offered place, to sign an agreement) go through `period_end`; `DUTY`
periods (a participation ban) through `duty_period_last_day`.
"""

from __future__ import annotations

import calendar
import datetime
from functools import lru_cache

import holidays
from django.utils import timezone

RIGHT, DUTY = "right", "duty"


@lru_cache(maxsize=64)
def _korean_holidays(year: int) -> frozenset[datetime.date]:
    return frozenset(holidays.country_holidays("KR", years=year))


def is_public_holiday(day: datetime.date) -> bool:
    return day in _korean_holidays(day.year)


def is_working_day(day: datetime.date) -> bool:
    """Not a Saturday, a Sunday or a public holiday (민법 §161, 관공서의 공휴일에 관한 규정)."""
    return day.weekday() < 5 and not is_public_holiday(day)


def next_working_day(day: datetime.date) -> datetime.date:
    while not is_working_day(day):
        day += datetime.timedelta(days=1)
    return day


def last_day_of_right_period(start: datetime.datetime, *, days: int = 0, weeks: int = 0, months: int = 0, years: int = 0) -> datetime.date:
    """The (KST) day on which a period given to a citizen ends, at 24:00.

    Counted from the day after `start` (§157) unless `start` is exactly 00:00; a period of
    months or years ends the day before the matching day (§160 ②), or on the last day of a
    month that has none (§160 ③); moved past Saturdays, Sundays and holidays (§161)."""
    local = timezone.localtime(start)
    first_day = local.date()
    if local.time() != datetime.time(0, 0):
        first_day += datetime.timedelta(days=1)
    if days or weeks:
        if months or years:
            raise ValueError("a period is days/weeks or months/years, not both")
        last = first_day + datetime.timedelta(days=days + 7 * weeks - 1)
    else:
        if not (months or years):
            raise ValueError("a period needs a length")
        last = _last_day_by_months(first_day, months + 12 * years)
    return next_working_day(last)


def _last_day_by_months(first_day: datetime.date, months: int) -> datetime.date:
    """A period of months counted from `first_day` (included) ends the day before the
    matching day of its last month (민법 §160 ②) or, when that month has no matching day,
    on the month's last day (§160 ③)."""
    total_months = first_day.month - 1 + months
    year, month = first_day.year + total_months // 12, total_months % 12 + 1
    month_length = calendar.monthrange(year, month)[1]
    if first_day.day > month_length:
        return datetime.date(year, month, month_length)
    return datetime.date(year, month, first_day.day) - datetime.timedelta(days=1)


def period_end(start: datetime.datetime, *, days: int = 0, weeks: int = 0, months: int = 0, years: int = 0) -> datetime.datetime:
    """The moment a citizen's period ends: 00:00 KST after its last day (shown as 24:00 of
    that day by `portal.formatting.deadline`). Everything at or after it is too late."""
    last = last_day_of_right_period(start, days=days, weeks=weeks, months=months, years=years)
    return timezone.make_aware(datetime.datetime.combine(last + datetime.timedelta(days=1), datetime.time()))


def duty_period_last_day(first_day: datetime.date, *, days: int = 0, months: int = 0, years: int = 0) -> datetime.date:
    """The last day of a period that limits a right or imposes a duty (행정기본법 §6 ②):
    the first day counts, and the period ends on its last day even on a holiday."""
    if days:
        return first_day + datetime.timedelta(days=days - 1)
    return _last_day_by_months(first_day, months + 12 * years)
