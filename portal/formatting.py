"""Amounts, numbers, dates and deadlines as a Korean reader writes them (and, on English
pages, as an English reader does). Every page, PDF and e-mail formats through these, and the
template filters of portal/templatetags/portal.py are thin wrappers around them. Form inputs
and machine-readable attributes keep their machine formats; only displayed text comes here."""

from __future__ import annotations

import datetime
from decimal import ROUND_HALF_UP, Decimal

from django.db.models.fields import BLANK_CHOICE_DASH
from django.utils import timezone, translation
from django.utils.translation import gettext

WEEKDAYS_KO = "월화수목금토일"


def _english() -> bool:
    return translation.get_language() == "en"


def won(amount: int) -> str:
    """1200000 → '1,200,000원' in Korean, 'KRW 1,200,000' in English."""
    text = f"{int(amount):,}"
    return f"KRW {text}" if _english() else f"{text}원"


def plain_number(value) -> str:
    """A Decimal as a person writes it: 40 for 40.00, 12.5 for 12.50 — never 4E+1 (which
    Decimal.normalize() gives for whole tens)."""
    text = f"{value:f}"
    return text.rstrip("0").rstrip(".") if "." in text else text


def score(value, places: int = 3) -> str:
    """A score to the precision it is computed at (three decimals) without trailing zeros:
    81.4 for 81.400, 2 for 2.00, 100 for 100.00, 84.667 stays 84.667 (ranks differ by it)."""
    rounded = Decimal(str(value)).quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP)
    return plain_number(rounded)


def count(number: int, unit: str = "건") -> str:
    """2 → '2건' (thousands separated: 1,204건); the bare number on English pages."""
    return f"{int(number):,}" if _english() else f"{int(number):,}{unit}"


def file_size(size: int) -> str:
    """Bytes as a person reads a file's size: 812B, 12.3KB, 1.5MB (one decimal at most, none
    when it is zero)."""
    size = int(size or 0)
    for unit, scale in (("MB", 1024 * 1024), ("KB", 1024)):
        if size >= scale:
            return f"{plain_number(Decimal(size / scale).quantize(Decimal('0.1'), rounding=ROUND_HALF_UP))}{unit}"
    return f"{size}B"


def choice_label(label) -> str:
    """The empty choice of a select as words (선택하세요), never Django's `---------`."""
    return gettext("Choose one") if label == BLANK_CHOICE_DASH[0][1] else label


def _local(value):
    """A datetime in KST; a date as it is; an ISO date string (as JSON terms keep it) as a date."""
    if isinstance(value, str):
        return datetime.date.fromisoformat(value)
    if isinstance(value, datetime.datetime):
        return timezone.localtime(value) if timezone.is_aware(value) else value
    return value


def korean_date(day, *, weekday: bool = False) -> str:
    """A date as Korean documents write it: 2026년 12월 1일 (no leading zeros), with the
    weekday when asked: 2026년 12월 1일(화)."""
    day = _local(day)
    text = f"{day.year}년 {day.month}월 {day.day}일"
    return f"{text}({WEEKDAYS_KO[day.weekday()]})" if weekday else text


def day(value) -> str:
    """A day shown on a page or in a mail: 2026년 12월 7일(월); in English Mon 7 Dec 2026."""
    value = _local(value)
    if _english():
        return f"{value:%a} {value.day} {value:%b %Y}"
    return korean_date(value, weekday=True)


def month_day(value) -> str:
    """A day within a known year, as a chart's label: 12월 7일(월); in English Mon 7 Dec."""
    value = _local(value)
    if _english():
        return f"{value:%a} {value.day} {value:%b}"
    return f"{value.month}월 {value.day}일({WEEKDAYS_KO[value.weekday()]})"


def moment(value, *, seconds: bool = False) -> str:
    """A moment in KST: 2026년 12월 7일(월) 11:33 (11:33:47 with seconds, as on a receipt)."""
    local = _local(value)
    return f"{day(local)} {local:%H:%M:%S}" if seconds else f"{day(local)} {local:%H:%M}"


def deadline(value) -> str:
    """A deadline as the law writes it, in KST: a period that ends at midnight ends at 24:00
    of its last day (2026년 12월 14일(월) 24:00), never at 00:00 of the next."""
    local = _local(value)
    if (local.hour, local.minute, local.second, local.microsecond) == (0, 0, 0, 0):
        return f"{day(local - datetime.timedelta(days=1))} 24:00"
    return moment(local)


def last_day(value) -> datetime.date:
    """The KST day a deadline falls on: the day before for a midnight closing (the D-Day)."""
    return timezone.localtime(value - datetime.timedelta(microseconds=1)).date()
