"""Amounts written out in Korean, as on paper agreements: 123,000,000 → 금 일억이천삼백만원정."""

from __future__ import annotations

DIGITS = "영일이삼사오육칠팔구"
SMALL = ["", "십", "백", "천"]
LARGE = ["", "만", "억", "조", "경"]


def _group(number: int) -> str:
    """0–9999 in words; every digit is written, 일 included (일천, 일백, 일십), so that
    nothing can be added in front of a unit."""
    words = []
    for position in range(3, -1, -1):
        digit = number // 10**position % 10
        if digit:
            words.append(DIGITS[digit] + SMALL[position])
    return "".join(words)


def amount_in_words(amount: int) -> str:
    if amount < 0:
        raise ValueError("amounts are never negative")
    if amount == 0:
        return "영"
    parts = []
    for index, unit in enumerate(LARGE):
        group = amount // 10 ** (4 * index) % 10_000
        if group:
            parts.append(_group(group) + unit)
    if amount >= 10 ** (4 * len(LARGE)):
        raise ValueError("amount too large")
    return "".join(reversed(parts))


def won_in_words(amount: int) -> str:
    return f"금 {amount_in_words(amount)}원정"
