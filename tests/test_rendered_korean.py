"""Every page each role can reach, and every e-mail the world produced, read as a person reads
them in Korean: no 을(를)-style particle pairs, no number in scientific notation and
no Python literal ({'…': …}, {}, None, True, <… object at 0x…>) in the text or in the words of
labels and values."""

from __future__ import annotations

import re
from html.parser import HTMLParser

import pytest

from tests.test_form_fuzz import CRAWLED_ROLES, _client, fuzz_world, pages  # noqa: F401  (the fixture)

pytestmark = pytest.mark.django_db

PARTICLE_PAIR = re.compile(r"(을\s?\(를\)|를\s?\(을\)|이\s?\(가\)|가\s?\(이\)|은\s?\(는\)|는\s?\(은\)|와\s?\(과\)|과\s?\(와\)|\(으\)로)")
# Korean letters count as word characters, so the edges are spelled out instead of \b.
SCIENTIFIC = re.compile(r"(?<![\w.])\d+(?:\.\d+)?E[+-]?\d+(?!\d)")
PYTHON = re.compile(r"\{'[^']*'\s*:|\{\}|\[\]|(?<![A-Za-z])(?:None|True|False)(?![A-Za-z])|object at 0x[0-9a-f]+|\[<[A-Z]\w+:")
SHOWN_ATTRIBUTES = {"value", "placeholder", "title", "aria-label", "alt", "content"}
# Dates and numbers as a Korean reads them: no ISO date, no deadline at 00:00 (a midnight
# closing is 24:00 of the day before), no zero-padded number (81.400, 2.00) and no Django
# empty-choice dashes. Read in the words a person sees, not in form values, machine-readable
# attributes or code and hash cells.
ISO_DATE = re.compile(r"(?<![\d-])\d{4}-\d{2}-\d{2}(?![\d-])")
MIDNIGHT = re.compile(r"(?<![\d:])00:00(?![:\d])")
ZERO_PADDED = re.compile(r"(?<![\d.,])\d+\.\d*0(?![\d.])")
EMPTY_CHOICE = re.compile(r"-{5,}")
# 2026년 12월 07일 or 2026년 03월: Koreans write 12월 7일 and 3월.
ZERO_PADDED_DAY = re.compile(r"(?:년 0\d월|월 0\d일)")
# An English sentence on a Korean page or in a Korean e-mail: five or more Latin words in a
# row (a name, a file name or a code is shorter; text marked lang="en" is not read).
ENGLISH_SENTENCE = re.compile(r"(?<![\w@./-])[A-Za-z][a-z']*(?: [A-Za-z][a-z']*){4,}(?![\w@/-])")
# A code where a person expects a name: a KSIC code (C29, C10–C34, C29199) or an
# administrative district code (48, 11680) in running text. A code in brackets right after
# its own name (금속 가공제품 제조업(C25), 창원시 성산구(48123)) is the name with its code;
# code columns mark theirs with class="code".
KSIC_CODE = re.compile(r"(?<![\w./-])[A-U]\d{2}(?:\d{1,3})?(?![\w-])")
NAMED_KSIC = re.compile(r"(?<=[^\s(])\([A-U]\d{2}(?:\d{1,3})?(?:[–-][A-U]?\d{2}(?:\d{1,3})?)?\)")
REGION_CODE = re.compile(r"(?P<before>\S*)\((?P<codes>\d{2}|\d{5})(?:, ?\d{5})*\)|(?<![\w.,:/=#?&-])\d{5}(?![\w.,:/=#?&-])")


def _region_code_unnamed(match: re.Match) -> bool:
    from portal import codelists

    codes = match.group("codes")
    if codes is None:
        return True
    name = codelists.district_name(codes, with_sido=False) if len(codes) == 5 else codelists.sido_name(codes)
    return not (name and match.group("before").endswith(name.split()[-1]))


READING = (("ISO date", ISO_DATE), ("00:00 deadline", MIDNIGHT), ("zero-padded number", ZERO_PADDED), ("empty choice", EMPTY_CHOICE),
           ("zero-padded day", ZERO_PADDED_DAY), ("English sentence", ENGLISH_SENTENCE))
# Read in running text only: a code input's placeholder (C29271) shows the format to type.
CODES = (("bare KSIC code", KSIC_CODE), ("bare region code", REGION_CODE))
READ_ATTRIBUTES = {"placeholder", "title", "aria-label", "alt"}


class ShownText(HTMLParser):
    """The text a person sees or hears: data outside <script> and <style>, and the words in
    value/placeholder/title/aria-label/alt attributes."""

    def __init__(self) -> None:
        super().__init__()
        self.parts: list[str] = []
        self._skip = 0

    def handle_starttag(self, tag, attrs):
        if tag in ("script", "style"):
            self._skip += 1
        for name, value in attrs:
            if name in SHOWN_ATTRIBUTES and value and not (tag == "input" and dict(attrs).get("type") == "hidden"):
                self.parts.append(value)

    def handle_endtag(self, tag):
        if tag in ("script", "style"):
            self._skip = max(0, self._skip - 1)

    def handle_data(self, data):
        if not self._skip:
            self.parts.append(data)


class ReadText(HTMLParser):
    """The words a person reads: data and the read attributes, without form values, <code>,
    <kbd>, <samp>, <pre>, <option value> or elements marked `hash`/`code` (hash columns)."""

    VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "track", "wbr"}

    def __init__(self, *, attributes: bool = True) -> None:
        super().__init__()
        self.parts: list[str] = []
        self._stack: list[bool] = []
        self._attributes = attributes

    def handle_starttag(self, tag, attrs):
        attributes = dict(attrs)
        classes = set((attributes.get("class") or "").split())
        skipped = (tag in ("script", "style", "code", "kbd", "samp", "pre", "textarea") or bool(classes & {"hash", "code"})
                   or (attributes.get("lang") or "").startswith("en"))
        if self._attributes:
            self.parts += [value for name, value in attrs if name in READ_ATTRIBUTES and value]
        if tag not in self.VOID:
            self._stack.append(skipped or any(self._stack[-1:]))

    def handle_endtag(self, tag):
        if tag not in self.VOID and self._stack:
            self._stack.pop()

    def handle_data(self, data):
        if not any(self._stack[-1:]):
            self.parts.append(data)


def read_text(html: str, *, attributes: bool = True) -> str:
    parser = ReadText(attributes=attributes)
    parser.feed(html)
    return " ".join(" ".join(parser.parts).split())


def reading_problems(text: str, *, codes: str | None = None) -> list[str]:
    """What `text` gets wrong as Korean reading; `codes`, the running text without attribute
    values, is also read for codes where names belong (the text itself when not given)."""
    found = []
    for name, pattern in READING:
        for match in pattern.finditer(text):
            found.append(f"{name}: …{text[max(0, match.start() - 40):match.end() + 40]}…")
    running = NAMED_KSIC.sub("", text if codes is None else codes)
    for name, pattern in CODES:
        for match in pattern.finditer(running):
            if pattern is REGION_CODE and not _region_code_unnamed(match):
                continue
            found.append(f"{name}: …{running[max(0, match.start() - 40):match.end() + 40]}…")
    return found


def problems_in(text: str) -> list[str]:
    found = []
    for name, pattern in (("particle pair", PARTICLE_PAIR), ("scientific notation", SCIENTIFIC), ("Python literal", PYTHON)):
        for match in pattern.finditer(text):
            found.append(f"{name}: …{text[max(0, match.start() - 40):match.end() + 40]}…")
    return found


def test_helper_finds_what_it_looks_for():
    assert problems_in("완납증명서을(를) 올리세요") and problems_in("박담당(으)로 지정") and problems_in("합이 9E+1입니다")
    assert problems_in("기업당 1건 신청: {}") and problems_in("{'revenue_limits': 1}") and problems_in("값: None")
    assert not problems_in("완납증명서를 올리세요. 가중치 합은 100입니다. (선택) 항목")


def test_reading_check_finds_iso_dates_midnight_deadlines_padded_numbers_and_dashes():
    assert reading_problems("마감 2026-12-15 00:00(KST)까지") and reading_problems("평균 81.400점")
    assert reading_problems("가중치 2.00") and reading_problems("<option>---------</option> ---------")
    assert reading_problems("2026-12-07 11:33:47") and reading_problems("보완 기한 00:00")
    assert reading_problems("2026년 12월 07일") and reading_problems("2026년 03월 접수")
    assert reading_problems("신청서를 제출했습니다. The application was submitted to the portal.")
    assert reading_problems("업종별 C29 2건") and reading_problems("업종(중분류) C10–C34") and reading_problems("본사 11680")
    assert reading_problems("사업장(48): 이 공고의 대상 지역(51110, 51130) 밖에 있습니다")
    assert not reading_problems("제조업(C10–C34) · 기타 기계 및 장비 제조업(C29) · 경상남도(48) · 창원시 성산구(48123)")
    assert not reading_problems("MES 도입 · SF-2026-9 · hong@example.com · 사업계획서.pdf · Smart Factory Korea · "
                                "(pdf, image, hwp, hwpx, xlsx, docx)")
    assert not reading_problems("2026년 12월 14일(월) 24:00까지 · 81.4점 · 2 · 100 · 1,500,000원 · 12.5KB · 11:33:47 · "
                                "SF-2026-00010 · 124-81-00998 · 130111-0006246")
    assert read_text('<p>2026년 12월 7일(월)</p><input type="datetime-local" value="2026-12-07T11:33">'
                     '<td class="hash">00ab</td><code>2026-12-07</code><time datetime="2026-12-07">12월 7일</time>') \
        == "2026년 12월 7일(월) 12월 7일"


def test_every_page_and_e_mail_reads_as_korean(fuzz_world):  # noqa: F811  (the fixture imported above)
    from portal.models import OutboundEmail

    problems: list[str] = []
    for role in CRAWLED_ROLES:
        visited = 0
        for path, html in pages(fuzz_world, role, _client(fuzz_world, role), limit=160):
            visited += 1
            parser = ShownText()
            parser.feed(html)
            problems += [f"{role} {path}: {p}" for p in problems_in(" ".join(" ".join(parser.parts).split()))]
            problems += [f"{role} {path}: {p}" for p in reading_problems(read_text(html), codes=read_text(html, attributes=False))]
        assert visited > 5, role
    for email in OutboundEmail.objects.all():
        problems += [f"e-mail “{email.subject}”: {p}" for p in problems_in(f"{email.subject}\n{email.body}")]
        problems += [f"e-mail “{email.subject}”: {p}" for p in reading_problems(f"{email.subject}\n{email.body}")]
    assert not problems, "\n".join(problems[:40])
