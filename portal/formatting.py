from __future__ import annotations

from django.utils import translation


def won(amount: int) -> str:
    """1200000 → '1,200,000원' in Korean, 'KRW 1,200,000' in English."""
    text = f"{int(amount):,}"
    return f"KRW {text}" if translation.get_language() == "en" else f"{text}원"


def plain_number(value) -> str:
    """A Decimal as a person writes it: 40 for 40.00, 12.5 for 12.50 — never 4E+1 (which
    Decimal.normalize() gives for whole tens)."""
    text = f"{value:f}"
    return text.rstrip("0").rstrip(".") if "." in text else text


def deadline(moment) -> str:
    """A deadline as the law writes it, in KST: a period that ends at midnight ends at 24:00
    of its last day (2026-12-07 24:00), not at 00:00 of the next."""
    import datetime

    from django.utils import timezone

    local = timezone.localtime(moment)
    if (local.hour, local.minute, local.second) == (0, 0, 0):
        return f"{(local - datetime.timedelta(days=1)):%Y-%m-%d} 24:00"
    return f"{local:%Y-%m-%d %H:%M}"


def korean_date(day) -> str:
    """A date as Korean documents write it: 2026년 12월 1일 (no leading zeros)."""
    return f"{day.year}년 {day.month}월 {day.day}일"
