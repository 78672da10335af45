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
