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
