"""Every page each role can reach, and every e-mail the world produced, read as a person reads
them in Korean (issue 15): no 을(를)-style particle pairs, no number in scientific notation and
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
        assert visited > 5, role
    for email in OutboundEmail.objects.all():
        problems += [f"e-mail “{email.subject}”: {p}" for p in problems_in(f"{email.subject}\n{email.body}")]
    assert not problems, "\n".join(problems[:40])
