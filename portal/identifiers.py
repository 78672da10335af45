"""Korean identifiers: 사업자등록번호 and 법인등록번호, with their check digits (DOMAIN.md).

One normalised form is stored and compared everywhere: the number's ASCII digits, nothing
else. `digits_only` produces it from what a person typed — full-width digits from a Korean
input method (１２４-８１-００９９８) and any dash or space between the groups are folded by
Unicode NFKC and dropped — and the validators accept nothing but ten (or thirteen) ASCII
digits afterwards, so `124-81-0099²` or Arabic-Indic digits are refused with a message
instead of reaching `int()`.

Structure of a 사업자등록번호 (국세청 사업자등록 사무처리규정): the first three digits are the
tax office that issued it (세무서 코드, 101 and above), the next two the kind of business
(구분코드: 01–99, never 00) and the next four a serial (0001–9999), then the check digit.
A number whose office, kind or serial cannot exist is refused even when its arithmetic works.
"""

from __future__ import annotations

import unicodedata

from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext_lazy as _

_BRN_WEIGHTS = (1, 3, 7, 1, 3, 7, 1, 3, 5)
# What may stand between the groups: spaces and every kind of dash or minus sign.
_MINUS_SIGNS = {"\u2212", "\u2796", "\ufe63", "\uff0d"}
ASCII_DIGITS = frozenset("0123456789")


def _is_separator(char: str) -> bool:
    return char.isspace() or unicodedata.category(char) == "Pd" or char in _MINUS_SIGNS


def digits_only(value: str) -> str:
    """The normalised form: NFKC, separators removed. Anything else is kept, so the
    validators can refuse it (it is not silently dropped)."""
    folded = unicodedata.normalize("NFKC", value or "")
    return "".join(c for c in folded if not _is_separator(c))


def is_ascii_digits(value: str, length: int) -> bool:
    return len(value) == length and set(value) <= ASCII_DIGITS


def business_number_structure_ok(number: str) -> bool:
    """Office 101 or above, kind code not 00, serial not 0000 (see the module docstring)."""
    return int(number[:3]) >= 101 and number[3:5] != "00" and number[5:9] != "0000"


def business_number_check_digit(first_nine: str) -> int:
    digits = [int(c) for c in first_nine]
    total = sum(d * w for d, w in zip(digits, _BRN_WEIGHTS))
    total += (digits[8] * 5) // 10
    return (10 - total % 10) % 10


def is_valid_business_number(value: str) -> bool:
    number = digits_only(value)
    if not is_ascii_digits(number, 10):
        return False
    return business_number_structure_ok(number) and business_number_check_digit(number[:9]) == int(number[9])


def format_business_number(value: str) -> str:
    number = digits_only(value)
    return f"{number[:3]}-{number[3:5]}-{number[5:]}" if is_ascii_digits(number, 10) else value


def corporate_number_check_digit(first_twelve: str) -> int:
    total = sum(int(c) * (1 if i % 2 == 0 else 2) for i, c in enumerate(first_twelve))
    return (10 - total % 10) % 10


def is_valid_corporate_number(value: str) -> bool:
    number = digits_only(value)
    if not is_ascii_digits(number, 13):
        return False
    return corporate_number_check_digit(number[:12]) == int(number[12])


def format_corporate_number(value: str) -> str:
    number = digits_only(value)
    return f"{number[:6]}-{number[6:]}" if is_ascii_digits(number, 13) else value


def validate_business_number(value: str) -> None:
    number = digits_only(value)
    if not is_ascii_digits(number, 10):
        raise ValidationError(
            _("A business registration number has 10 digits, written as 123-45-67890."),
            code="format",
        )
    if not business_number_structure_ok(number):
        raise ValidationError(
            _("No business registration number starts like this: the tax office code (first three digits) starts at 101, and neither "
              "the business type (the middle two) nor the serial number may be all zeros."),
            code="structure",
        )
    if not is_valid_business_number(number):
        raise ValidationError(
            _("This business registration number's check digit is wrong. Please check the number on your certificate."),
            code="check_digit",
        )


def validate_corporate_number(value: str) -> None:
    number = digits_only(value)
    if not is_ascii_digits(number, 13):
        raise ValidationError(
            _("A corporate registration number has 13 digits, written as 123456-1234567."),
            code="format",
        )
    if not is_valid_corporate_number(number):
        raise ValidationError(
            _("This corporate registration number's check digit is wrong. Please check the registry extract."),
            code="check_digit",
        )


class IdentifierField(models.CharField):
    """A 사업자등록번호 or 법인등록번호 column: whatever is written is stored in the normalised
    form (`digits_only`), and values compared with it in queries are normalised the same way,
    so `filter(business_number="１２４-８１-００９９８")` finds 1248100998."""

    def pre_save(self, model_instance, add):
        value = digits_only(getattr(model_instance, self.attname) or "")
        setattr(model_instance, self.attname, value)
        return value

    def get_prep_value(self, value):
        value = super().get_prep_value(value)
        return digits_only(value) if isinstance(value, str) else value
