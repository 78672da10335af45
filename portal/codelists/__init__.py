"""The official code lists the portal names things by, kept as data beside this module with
their source and revision in each file's header:

* admin_districts.csv — 행정표준코드 (법정동코드) 시·도 and 시·군·구, with the cities that
  have 일반구 (창원시 48120 over 창원시 성산구 48123);
* ksic10.csv — 한국표준산업분류 제10차 개정, every level;
* ksic11.csv — 한국표준산업분류 제11차 개정 (in force since 2024-07-01), sections and divisions.

Codes are stored as the portal stores them: a 시·도 as 2 digits, a 시·군·구 as 5, an industry
with its section letter (C29271).
"""

from __future__ import annotations

import csv
import functools
from dataclasses import dataclass
from pathlib import Path

HERE = Path(__file__).resolve().parent


def _rows(name: str) -> list[dict]:
    with open(HERE / name, encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(line for line in handle if not line.startswith("#")))


# --- 행정구역 ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class District:
    code: str
    name: str  # 창원시 성산구; a 시·도 its full name (경상남도)
    in_force: bool

    @property
    def sido(self) -> str:
        return self.code[:2]


@functools.cache
def districts() -> dict[str, District]:
    return {row["code"]: District(row["code"], row["name"], not row["retired_on"]) for row in _rows("admin_districts.csv")}


def sido_name(code: str) -> str:
    district = districts().get(code)
    return district.name if district and len(code) == 2 else ""


def is_sido(code: str) -> bool:
    district = districts().get(code)
    return bool(district and district.in_force and len(code) == 2)


def is_sigungu(code: str) -> bool:
    """A 시·군·구 code in force (a city with 일반구 and each of its 구 alike)."""
    district = districts().get(code)
    return bool(district and district.in_force and len(code) == 5)


def city_of(code: str) -> str:
    """The city over a 일반구 (48123 → 48120), or '' when `code` is not a 일반구: a city's code
    ends in 0 and its 구 share its first four digits."""
    if len(code) != 5 or code.endswith("0"):
        return ""
    city = code[:4] + "0"
    district = districts().get(city)
    return city if district and district.name.endswith("시") and len(city) == 5 else ""


def covers(area: str, sigungu: str, *, sido: str = "") -> bool:
    """Whether the area a rule names (a 시·도, a 시·군·구, or a city with 일반구) covers the
    place: 48 covers 48123; 48120 (창원시) covers 48123 (창원시 성산구); 48123 covers itself."""
    if len(area) == 2:
        return (sigungu or sido)[:2] == area if (sigungu or sido) else False
    if not sigungu:
        return False
    return sigungu == area or city_of(sigungu) == area


def district_name(code: str, *, with_sido: bool = True) -> str:
    """경상남도 창원시 성산구 for 48123, 경상남도 for 48; the code itself when it is not on the
    list (a fact recorded before the list knew it)."""
    district = districts().get(code)
    if district is None:
        return code
    if len(code) == 2 or not with_sido:
        return district.name
    sido = districts().get(code[:2])
    if sido is None or district.name == sido.name:  # 세종특별자치시
        return district.name
    return f"{sido.name} {district.name}"


def sigungu_choices(sido: str | None = None) -> list[tuple[str, str]]:
    return [(d.code, district_name(d.code)) for d in districts().values()
            if d.in_force and len(d.code) == 5 and (sido is None or d.sido == sido)]


# --- 한국표준산업분류 --------------------------------------------------------------------------


@functools.cache
def ksic10() -> dict[str, str]:
    return {row["code"]: row["name"] for row in _rows("ksic10.csv")}


@functools.cache
def ksic11() -> dict[str, str]:
    return {row["code"]: row["name"] for row in _rows("ksic11.csv")}


def ksic_name(code: str) -> str:
    """The KSIC name of a section, division or finer code: the 11th revision's where it lists
    the code, else the 10th's; '' when neither does."""
    return ksic11().get(code) or ksic10().get(code, "")


def is_ksic_code(code: str) -> bool:
    """On the 10th revision at its level, a section or division of the 11th, or (the 11th's
    finer levels not being on the lists) a sub-class under a 10th-revision class the 11th
    split into new sub-classes."""
    if code in ksic10() or code in ksic11():
        return True
    return len(code) == 6 and code[:5] in ksic10() and code[:3] in ksic11()


def section_of(digits: str) -> str:
    """The section letter of a code given without it ('29199' → 'C'); '' if no division fits."""
    for code in ksic11():
        if len(code) == 3 and code[1:] == digits[:2]:
            return code[0]
    return ""


def find_ksic(text: str, *, limit: int = 10) -> list[tuple[str, str]]:
    """Codes whose name contains every word of `text` (finest first), for finding an industry
    by its name."""
    words = text.split()
    if not words:
        return []
    names = {**ksic10(), **ksic11()}
    hits = [(code, name) for code, name in names.items() if all(word in name for word in words)]
    hits.sort(key=lambda hit: (-len(hit[0]), hit[0]))
    return hits[:limit]


def ksic_label(code: str) -> str:
    """'기타 기계 및 장비 제조업(C29)', or the code alone when it is not on the lists."""
    name = ksic_name(code)
    return f"{name}({code})" if name else code


def division_choices() -> list[tuple[str, list[tuple[str, str]]]]:
    """The divisions by name, grouped under their sections, for a select."""
    sections = [code for code in ksic11() if len(code) == 1]
    return [(ksic11()[section], [(code, ksic_label(code)) for code in ksic11() if len(code) == 3 and code[0] == section])
            for section in sections]


def divisions_label(divisions: list[str]) -> str:
    """Divisions as names: a whole section by the section's name ('제조업(C10–C34)'), the
    others each by its own ('식료품 제조업(C10), 음료 제조업(C11)')."""
    chosen = set(divisions)
    parts = []
    done: set[str] = set()
    for section, name in ksic11().items():
        if len(section) != 1:
            continue
        members = [code for code in ksic11() if len(code) == 3 and code[0] == section]
        if members and set(members) <= chosen:
            span = members[0] if len(members) == 1 else f"{members[0]}–{members[-1]}"
            parts.append(f"{name}({span})")
            done.update(members)
    parts.extend(ksic_label(code) for code in sorted(chosen - done))
    return ", ".join(parts)
