"""Enterprise age and average revenue as the law defines them: the arithmetic about a
company's own facts (applications/size_standards.py reads the size tables against them).

Sources (DOMAIN.md, "Size and age as the law defines them"):

* 중소기업창업 지원법 §2 (창업기업): a company within N years **not yet passed** since it
  started business — a corporation from its incorporation registration, a sole proprietor
  from its business registration. The period includes its first day (the business exists
  from 00:00 of that day, 민법 §157 단서) and ends the day before the anniversary
  (민법 §160 ②), or on the last day of February for a 29 February start (§160 ③). Founded
  2019-03-01: still a startup on 2026-02-28, no longer on 2026-03-01.
* 중소기업기본법 시행령 §7 ① (평균매출액등):
  1. three business years of 12 months each before the basis date → their total ÷ 3;
  2. at least 12 but under 36 months operated by the end of the last business year → the
     total of the 12-month business years ÷ their number (a partial first year is left out);
  3. founded in the last business year (under 12 months) → annualised:
     "창업일부터 직전 사업연도 말일까지의 매출액을 영업월수로 나눈 금액에 12를 곱한 금액. 이 경우
     1개월 미만은 1개월로 본다" — the revenue from the founding day ÷ the months operated × 12,
     the founding month counting as a whole month (founded 1, 15 or 31 July: six months).
  Never divide by three for a younger company.
* 중소기업기본법 시행령 §3 ① and 별표1: the SME revenue ceiling of the company's main
  industry, and total assets under 5,000억 in every industry; 별표3 the lower 소기업 table.
  The tables are data (`SizeStandard`, `SizeLimit`, read by applications/size_standards.py),
  with their version dates, so an administrator updates them without a release when the
  decree changes.

Business years are calendar years here (사업연도 1월 1일–12월 31일), as the company profile
records them: the latest closed year and the two before it.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from portal.periods import duty_period_last_day

THREE_YEARS, FULL_YEARS, ANNUALISED, UNKNOWN = "three_years", "full_years", "annualised", "unknown"


def startup_last_day(founded_on: datetime.date, years: int) -> datetime.date:
    """The last day on which a company founded on `founded_on` is within `years` years
    (the period counts its first day and ends the day before the anniversary)."""
    return duty_period_last_day(founded_on, years=years)


def within_years(founded_on: datetime.date, years: int, on: datetime.date) -> bool:
    """창업 후 `years`년이 지나지 아니한: True while the anniversary has not arrived."""
    return on <= startup_last_day(founded_on, years)


def full_years_since(founded_on: datetime.date, on: datetime.date) -> int:
    """Completed years of business on `on` (the anniversary completes a year)."""
    years = on.year - founded_on.year
    while years > 0 and not on > startup_last_day(founded_on, years):
        years -= 1
    return max(years, 0)


@dataclass(frozen=True)
class AverageRevenue:
    """평균매출액등 per 시행령 §7 ①: the amount, which paragraph applied and the years used."""

    amount: int | None
    method: str
    years: tuple[int, ...]
    months: int = 0  # for an annualised first year: the months operated, the founding month included


def average_revenue(*, founded_on: datetime.date, fiscal_year: int, revenues: tuple[int, int, int]) -> AverageRevenue:
    """`revenues` are those of `fiscal_year`, the year before and the one before that.

    A year counts as a full business year when the company existed on its 1 January."""
    by_year = {fiscal_year: revenues[0], fiscal_year - 1: revenues[1], fiscal_year - 2: revenues[2]}
    full = [year for year in sorted(by_year) if founded_on <= datetime.date(year, 1, 1)]
    if len(full) == 3:
        return AverageRevenue(sum(by_year[y] for y in full) // 3, THREE_YEARS, tuple(full))
    if full:
        return AverageRevenue(sum(by_year[y] for y in full) // len(full), FULL_YEARS, tuple(full))
    if founded_on.year == fiscal_year:
        # 1개월 미만은 1개월로 본다: the founding month is a month operated, whatever its day, and
        # its revenue is in the year's total — so it is in the divisor too.
        months = 12 - founded_on.month + 1
        return AverageRevenue(by_year[fiscal_year] * 12 // months, ANNUALISED, (fiscal_year,), months=months)
    # Founded after the latest closed year: no business year to average yet.
    return AverageRevenue(None, UNKNOWN, ())


def company_average_revenue(company) -> AverageRevenue:
    return average_revenue(
        founded_on=company.founded_on,
        fiscal_year=company.fiscal_year,
        revenues=(company.revenue_latest, company.revenue_previous, company.revenue_before_previous),
    )


def years_before(day: datetime.date, years: int) -> datetime.date:
    """The same calendar day `years` years earlier (28 February for a 29 February)."""
    try:
        return day.replace(year=day.year - years)
    except ValueError:
        return day.replace(year=day.year - years, day=28)
