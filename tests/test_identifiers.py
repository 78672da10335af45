from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError
from hypothesis import given
from hypothesis import strategies as st

from portal.identifiers import (
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


@given(nine_digits)
def test_exactly_one_tenth_digit_completes_any_nine_digits(first_nine):
    valid = [d for d in "0123456789" if is_valid_business_number(first_nine + d)]
    assert len(valid) == 1


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
