from __future__ import annotations

import unicodedata

import pytest
from django.core.exceptions import ValidationError
from hypothesis import assume, given
from hypothesis import strategies as st

from portal.identifiers import (
    business_number_check_digit,
    digits_only,
    format_business_number,
    format_corporate_number,
    is_valid_business_number,
    is_valid_corporate_number,
    validate_business_number,
    validate_corporate_number,
)

nine_digits = st.text(alphabet="0123456789", min_size=9, max_size=9)
twelve_digits = st.text(alphabet="0123456789", min_size=12, max_size=12)


@pytest.mark.parametrize("number", ["124-81-00998", "116-82-00276", "134-86-72683", "1248100998", "124 81 00998"])
def test_domain_examples_of_business_numbers_are_valid(number):
    assert is_valid_business_number(number)


@pytest.mark.parametrize("number", ["124-81-00997", "124-81-0099", "124-81-009981", "abc-de-fghij", ""])
def test_wrong_or_malformed_business_numbers_are_invalid(number):
    assert not is_valid_business_number(number)


def test_domain_example_of_corporate_number_is_valid():
    assert is_valid_corporate_number("130111-0006246")
    assert not is_valid_corporate_number("130111-0006247")


@given(twelve_digits)
def test_exactly_one_thirteenth_digit_completes_any_twelve_digits(first_twelve):
    valid = [d for d in "0123456789" if is_valid_corporate_number(first_twelve + d)]
    assert len(valid) == 1


def test_formatting_uses_the_familiar_groups():
    assert format_business_number("1248100998") == "124-81-00998"
    assert format_corporate_number("1301110006246") == "130111-0006246"


def test_validator_tells_a_format_error_from_a_check_digit_error():
    with pytest.raises(ValidationError) as wrong_length:
        validate_business_number("12345")
    assert wrong_length.value.code == "format"
    with pytest.raises(ValidationError) as wrong_digit:
        validate_business_number("124-81-00997")
    assert wrong_digit.value.code == "check_digit"
    with pytest.raises(ValidationError) as corp:
        validate_corporate_number("130111-0006247")
    assert corp.value.code == "check_digit"


# --- One normalised form: NFKC, separators, ASCII digits only ---------------------


# Every Unicode decimal digit that NFKC folds to an ASCII digit (full-width ０–９, math
# digits …), and every one it does not (Arabic-Indic, Devanagari, Thai …).
FOLDING_DIGITS = [c for c in map(chr, range(0x110000)) if c.isdecimal() and c not in "0123456789"
                  and unicodedata.normalize("NFKC", c) in "0123456789"]
FOREIGN_DIGITS = [c for c in map(chr, range(0x10000)) if c.isdecimal()
                  and unicodedata.normalize("NFKC", c) not in "0123456789"]
SEPARATORS = [" ", "-", "\u2010", "\u2011", "\u2012", "\u2013", "\u2014", "\u2212", "\uff0d", "\u3000", "\t"]


@given(st.lists(st.sampled_from(["124-81-00998", "116-82-00276", "134-86-72683"]), min_size=1, max_size=1), st.data())
def test_any_unicode_digits_and_separators_fold_to_the_one_stored_form(numbers, data):
    ascii_number = digits_only(numbers[0])
    written = ""
    for index, digit in enumerate(ascii_number):
        if data.draw(st.booleans(), label="fold"):
            variants = [c for c in FOLDING_DIGITS if unicodedata.normalize("NFKC", c) == digit]
            digit = data.draw(st.sampled_from(variants), label="digit")
        written += digit
        if index in (2, 4) or data.draw(st.integers(0, 9)) == 0:
            written += data.draw(st.text(st.sampled_from(SEPARATORS), max_size=2), label="separator")
    assert digits_only(written) == ascii_number
    assert is_valid_business_number(written)
    validate_business_number(written)


@given(st.integers(0, 9), st.sampled_from(FOREIGN_DIGITS))
def test_digits_that_do_not_fold_to_ascii_are_refused_not_crashed(position, foreign):
    number = list("1248100998")
    number[position] = foreign
    written = "".join(number)
    assert not is_valid_business_number(written)
    with pytest.raises(ValidationError) as refused:
        validate_business_number(written)
    assert refused.value.code == "format"


def test_superscripts_and_letters_never_reach_int():
    for written in ("124-81-0099²", "124-81-0099a", "１２４-８１-００９９Ⅷ", "124-81-00998\u0000"):
        # ² folds to 2 under NFKC: then it is a well-formed number with the wrong check digit.
        with pytest.raises(ValidationError) as refused:
            validate_business_number(written)
        assert refused.value.code in {"format", "check_digit"}


@pytest.mark.parametrize("number, why", [
    ("000-00-00000", "office 000"),
    ("100-81-00001", "office 100"),
    ("124-00-00998", "kind 00"),
    ("124-81-00000", "serial 0000"),
])
def test_numbers_that_cannot_exist_are_refused_even_when_their_arithmetic_works(number, why):
    nine = digits_only(number)[:9]
    number = nine + str(business_number_check_digit(nine))
    assert not is_valid_business_number(number), why
    with pytest.raises(ValidationError) as refused:
        validate_business_number(number)
    assert refused.value.code == "structure"
    assert refused.value.messages == ["이런 사업자등록번호는 없습니다. 앞 세 자리 세무서 코드는 101부터 시작하고, "
                                      "가운데 두 자리(사업자 구분)와 일련번호 네 자리는 모두 0일 수 없습니다."]


@given(nine_digits)
def test_the_check_digit_is_unique_for_any_nine_digits_of_a_possible_number(first_nine):
    assume(int(first_nine[:3]) >= 101 and first_nine[3:5] != "00" and first_nine[5:9] != "0000")
    valid = [d for d in "0123456789" if is_valid_business_number(first_nine + d)]
    assert len(valid) == 1
