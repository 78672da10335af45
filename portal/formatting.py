from __future__ import annotations

from django.utils import translation


def won(amount: int) -> str:
    """1200000 → '1,200,000원' in Korean, 'KRW 1,200,000' in English."""
    text = f"{int(amount):,}"
    return f"KRW {text}" if translation.get_language() == "en" else f"{text}원"
