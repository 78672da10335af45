from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from portal.korean import amount_in_words, won_in_words


@pytest.mark.parametrize(("amount", "words"), [
    (123_000_000, "금 일억이천삼백만원정"),
    (150_000_000, "금 일억오천만원정"),
    (10_000_000, "금 일천만원정"),
    (400_000_000, "금 사억원정"),
    (1_500_000, "금 일백오십만원정"),
    (10_001, "금 일만일원정"),
    (0, "금 영원정"),
])
def test_amounts_are_written_as_on_paper_agreements(amount, words):
    assert won_in_words(amount) == words


@given(st.integers(min_value=1, max_value=10**16 - 1), st.integers(min_value=1, max_value=10**16 - 1))
def test_different_amounts_never_read_the_same(a, b):
    if a != b:
        assert amount_in_words(a) != amount_in_words(b)


@given(st.integers(min_value=0, max_value=10**16 - 1))
def test_only_korean_numerals_and_units_appear(amount):
    assert set(amount_in_words(amount)) <= set("영일이삼사오육칠팔구십백천만억조")


@pytest.mark.parametrize(("word", "particle", "expected"), [
    ("완납증명서", "을", "완납증명서를"),
    ("사업계획서", "를", "사업계획서를"),
    ("C29271", "은", "C29271은"),       # 일: ㄹ
    ("C29272", "은", "C29272는"),       # 이: no final
    ("박담당", "으로", "박담당으로"),
    ("서울", "으로", "서울로"),          # ㄹ takes 로
    ("부산", "로", "부산으로"),
    ("에이크미 정밀", "와", "에이크미 정밀과"),
    ("글로벡스", "과", "글로벡스와"),
    ("SF-2026-00010", "이", "SF-2026-00010이"),    # 십
    ("100", "가", "100이"),                          # 백
    ("2000", "가", "2000이"),                        # 천
    ("50000", "를", "50000을"),                      # 만
    ("300000000", "는", "300000000은"),              # 억
    ("2024", "가", "2024가"),                        # 사
    ("SF-7", "로", "SF-7로"),                        # 칠: ㄹ
    ("HTML", "을", "HTML을"),                        # 엘
    ("PDF", "을", "PDF를"),                          # 에프
    ("“스마트공장”", "이", "“스마트공장”이"),            # closing quotes are not read
    ("150,000,000원", "이", "150,000,000원이"),
])
def test_particles_follow_the_last_sound_of_the_word(word, particle, expected):
    from portal.korean import with_particle

    assert with_particle(word, particle) == expected


@given(st.text(alphabet=st.characters(min_codepoint=0xAC00, max_codepoint=0xD7A3), min_size=1, max_size=8),
       st.sampled_from(["을", "이", "은", "과", "으로"]))
def test_a_hangul_word_never_gets_both_forms(word, particle):
    from portal.korean import with_particle

    result = with_particle(word, particle)
    assert "(" not in result and result.startswith(word)


def test_templates_pick_the_particle_with_the_josa_filter():
    from django.template import Context, Template

    rendered = Template('{% load portal %}{{ a|josa:"을" }} {{ b|josa:"을" }} {{ c|josa:"으로" }}').render(
        Context({"a": "완납증명서", "b": "사업계획 <안>", "c": "박담당"}))
    assert rendered == "완납증명서를 사업계획 &lt;안&gt;을 박담당으로"


def test_no_translation_puts_a_fixed_particle_after_a_name_or_a_time():
    """A particle after a name, a title, a code or a time depends on how it ends (에이크미 정밀과,
    글로벡스와): the catalogue never writes one fixed form after such a placeholder — it
    rephrases, or the code passes the word through with_particle / |josa. Amounts are exempt:
    they end in 원, always read with a final consonant."""
    import gettext
    import re

    from django.conf import settings

    free_text = "company|reviewer|name|person|officer|call|program|title|number|code|time|due|at|expires|opens|deadline|stage|what|where"
    pattern = re.compile(rf"%\(({free_text})\)s(을|를|이|가|은|는|와|과|으로|로)|%\(({free_text})\)s\(KST\)(이|가|을|를|은|는)")
    with open(settings.BASE_DIR / "locale" / "ko" / "LC_MESSAGES" / "django.mo", "rb") as compiled:
        catalogue = gettext.GNUTranslations(compiled)._catalog  # the compiled Korean catalogue, msgid → msgstr
    found = [text for text in catalogue.values() if isinstance(text, str) and pattern.search(text)]
    assert not found, found
    assert pattern.search("%(company)s와의 협약") is not None  # the check sees the old wording
