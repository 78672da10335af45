"""Legal periods as 행정기본법 §6 counts them (portal/periods.py), against the law's own
examples and against a brute-force count over three years of the Korean holiday calendar."""

from __future__ import annotations

import datetime
from zoneinfo import ZoneInfo

import holidays
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from portal import periods

KST = ZoneInfo("Asia/Seoul")
D = datetime.date


def at(day: datetime.date, hour: int = 10, minute: int = 0) -> datetime.datetime:
    return datetime.datetime(day.year, day.month, day.day, hour, minute, tzinfo=KST)


@pytest.mark.parametrize(("notice", "days", "last_day", "why"), [
    (at(D(2026, 12, 1)), 7, D(2026, 12, 8), "초일 불산입: 12-02 … 12-08 (a Tuesday)"),
    (at(D(2026, 12, 3)), 7, D(2026, 12, 10), "a Thursday to a Thursday"),
    (at(D(2026, 12, 5)), 7, D(2026, 12, 14), "ends Saturday 12-12 → Monday 12-14 (민법 §161)"),
    (at(D(2026, 12, 18)), 7, D(2026, 12, 28), "ends Friday 12-25 (Christmas) → Saturday, Sunday → Monday 12-28"),
    (at(D(2026, 9, 17)), 7, D(2026, 9, 28), "ends Thursday 9-24 (추석 전날) → 9-25 추석, 9-26 Sat, 9-27 Sun → Monday 9-28"),
    (at(D(2026, 2, 9)), 7, D(2026, 2, 19), "ends Monday 2-16 (설날 전날) → 2-17, 2-18 → Thursday 2-19"),
    (at(D(2026, 2, 22)), 7, D(2026, 3, 3), "ends Sunday 3-1 (삼일절) → Monday 3-2 substitute holiday → Tuesday 3-3"),
    (at(D(2026, 12, 1), 0, 0), 7, D(2026, 12, 7), "민법 §157 단서: a period starting at 00:00 counts its first day"),
    (at(D(2026, 12, 1), 23, 59), 1, D(2026, 12, 2), "one day, from a notice just before midnight"),
])
def test_right_periods_follow_the_civil_code(notice, days, last_day, why):
    assert periods.last_day_of_right_period(notice, days=days) == last_day, why
    end = periods.period_end(notice, days=days)
    assert end == datetime.datetime.combine(last_day + datetime.timedelta(days=1), datetime.time(), tzinfo=KST), why


def test_month_periods_end_the_day_before_the_matching_day():
    # First day 1-16, one month: the day before 2-16 is Sunday 2-15; 2-16–2-18 are 설날 → Thursday 2-19.
    assert periods.last_day_of_right_period(at(D(2026, 1, 15)), months=1) == D(2026, 2, 19)
    # First day 4-8, one month: 5-7 is a Thursday, a working day.
    assert periods.last_day_of_right_period(at(D(2026, 4, 7)), months=1) == D(2026, 5, 7)


def test_a_month_from_the_31st_ends_on_the_last_day_of_a_shorter_month():
    # First day 1-31 (notice on 1-30): February has no 31st → 2-28 (민법 §160 ③), a Saturday → Monday 3-2 is a
    # substitute holiday → Tuesday 3-3.
    assert periods.last_day_of_right_period(at(D(2026, 1, 30)), months=1) == D(2026, 3, 3)


def test_duty_periods_count_the_first_day_and_ignore_holidays():
    """행정기본법 §6 ②: a ban of one year from 2026-03-01 (a holiday) ends on 2027-02-28 (a Sunday)."""
    assert periods.duty_period_last_day(D(2026, 3, 1), years=1) == D(2027, 2, 28)
    assert periods.duty_period_last_day(D(2026, 12, 25), days=1) == D(2026, 12, 25)
    assert periods.duty_period_last_day(D(2026, 1, 31), months=1) == D(2026, 2, 28)


KR = holidays.country_holidays("KR", years=range(2025, 2030))


def brute_force_last_day(notice: datetime.datetime, days: int) -> datetime.date:
    """Walk the calendar one day at a time, as a clerk with a printed calendar would."""
    local = notice.astimezone(KST)
    day = local.date()
    if local.time() != datetime.time(0, 0):
        day += datetime.timedelta(days=1)  # 초일 불산입
    counted = 1
    while counted < days:
        day += datetime.timedelta(days=1)
        counted += 1
    while day.weekday() >= 5 or day in KR:
        day += datetime.timedelta(days=1)
    return day


@settings(max_examples=400, deadline=None)
@given(
    day=st.dates(min_value=D(2026, 1, 1), max_value=D(2028, 12, 31)),
    minutes=st.integers(min_value=0, max_value=24 * 60 - 1),
    days=st.integers(min_value=1, max_value=60),
)
def test_period_function_matches_a_day_by_day_count_over_three_years(day, minutes, days):
    notice = at(day, minutes // 60, minutes % 60)
    assert periods.last_day_of_right_period(notice, days=days) == brute_force_last_day(notice, days)
    end = periods.period_end(notice, days=days)
    last = end.astimezone(KST).date() - datetime.timedelta(days=1)
    assert end.astimezone(KST).time() == datetime.time(0, 0)
    assert last.weekday() < 5 and last not in KR, "a right period never ends on a Saturday, Sunday or holiday"


def test_the_holiday_calendar_has_lunar_and_substitute_holidays():
    """The maintained calendar, not a hand-kept list: 설날, 추석 and substitute days move every year."""
    assert {D(2026, 2, 16), D(2026, 2, 17), D(2026, 2, 18), D(2026, 9, 24), D(2026, 9, 25), D(2026, 3, 2)} <= set(KR)
    assert all(periods.is_public_holiday(d) for d in (D(2027, 2, 6), D(2027, 2, 7), D(2027, 2, 8)))
