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


# --- Particles (조사) chosen by the word they follow ------------------------------------------

# The two forms of each particle: after a final consonant (받침), after a vowel.
PARTICLES = {
    "을": ("을", "를"), "를": ("을", "를"),
    "이": ("이", "가"), "가": ("이", "가"),
    "은": ("은", "는"), "는": ("은", "는"),
    "과": ("과", "와"), "와": ("과", "와"),
    "으로": ("으로", "로"), "로": ("으로", "로"),
    "이나": ("이나", "나"), "나": ("이나", "나"),
    "이라": ("이라", "라"), "라": ("이라", "라"),
}
_RIEUL = 8  # index of ㄹ among the final consonants: 으로/로 takes 로 after it, as after a vowel
# How a digit is read, as the final consonant of its syllable (영 일 이 삼 사 오 육 칠 팔 구).
_DIGIT_FINAL = {"0": 21, "1": _RIEUL, "2": 0, "3": 16, "4": 0, "5": 0, "6": 1, "7": _RIEUL, "8": _RIEUL, "9": 0}
# A number ending in zeros is read to its last unit: 십 백 천 만 (… 억 조).
_UNIT_FINAL = {1: 17, 2: 1, 3: 4}
# Latin letters as Koreans read them: 엘 엠 엔 알 end in a consonant, the others in a vowel.
_LETTER_FINAL = {"l": _RIEUL, "m": 16, "n": 4, "r": _RIEUL}
_SKIP = set(" )]}>\"'”’」』〉》.,")


def _final(word: str) -> int | None:
    """The final consonant's index (0: none) of how `word` is read aloud; None if unknown."""
    text = word.rstrip()
    while text and text[-1] in _SKIP:
        text = text[:-1]
    if not text:
        return None
    last = text[-1]
    if "가" <= last <= "힣":
        return (ord(last) - 0xAC00) % 28
    if last.isdigit() and last.isascii():
        digits = text[len(text.rstrip("0123456789")):].lstrip("0") or "0"
        zeros = len(digits) - len(digits.rstrip("0"))
        if zeros == 0 or digits == "0":
            return _DIGIT_FINAL[digits[-1]]
        if zeros in _UNIT_FINAL:
            return _UNIT_FINAL[zeros]
        return 4 if zeros < 8 else (1 if zeros < 12 else 0)  # 만, 억, 조
    if last.isascii() and last.isalpha():
        return _LETTER_FINAL.get(last.lower(), 0)
    return None


def with_particle(word, particle: str) -> str:
    """`word` followed by the form of `particle` its last sound takes: 완납증명서를,
    C29271은, 박담당으로, 서울로, 10과, 에이크미 정밀과. Either form may be given."""
    word = str(word)
    consonant_form, vowel_form = PARTICLES[particle]
    final = _final(word)
    if final is None:
        return f"{word}{consonant_form}({vowel_form})" if consonant_form != "으로" else f"{word}(으)로"
    if consonant_form == "으로":
        return word + ("로" if final in (0, _RIEUL) else "으로")
    return word + (consonant_form if final else vowel_form)


# --- Large amounts as Koreans write them ----------------------------------------------------


def won_units(amount: int) -> str:
    """An amount in 억 and 만 as Korean notices write it: 100,000,000,000 → 1,000억원,
    2,000,000,000 → 20억원, 4,512,345,678 → 45억 1,234만 5,678원, 0 → 0원. English keeps
    the digits (KRW 4,512,345,678)."""
    from django.utils import translation

    amount = int(amount)
    if translation.get_language() == "en":
        return f"KRW {amount:,}"
    if amount < 0:
        return "-" + won_units(-amount)
    parts = []
    for unit, size in (("조", 10**12), ("억", 10**8), ("만", 10**4)):
        if amount >= size:
            parts.append(f"{amount // size:,}{unit}")
            amount %= size
    if amount or not parts:
        parts.append(f"{amount:,}")
    return " ".join(parts) + "원"
