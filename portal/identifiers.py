"""Korean identifiers: 사업자등록번호 and 법인등록번호, with their check digits (DOMAIN.md)."""

from __future__ import annotations

import re

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

_BRN_WEIGHTS = (1, 3, 7, 1, 3, 7, 1, 3, 5)
_SEPARATORS = re.compile(r"[\s\-]")


def digits_only(value: str) -> str:
    return _SEPARATORS.sub("", value or "")


def business_number_check_digit(first_nine: str) -> int:
    digits = [int(c) for c in first_nine]
    total = sum(d * w for d, w in zip(digits, _BRN_WEIGHTS))
    total += (digits[8] * 5) // 10
    return (10 - total % 10) % 10


def is_valid_business_number(value: str) -> bool:
    number = digits_only(value)
    if len(number) != 10 or not number.isdigit():
        return False
    return business_number_check_digit(number[:9]) == int(number[9])


def format_business_number(value: str) -> str:
    number = digits_only(value)
    return f"{number[:3]}-{number[3:5]}-{number[5:]}" if len(number) == 10 else value


def corporate_number_check_digit(first_twelve: str) -> int:
    total = sum(int(c) * (1 if i % 2 == 0 else 2) for i, c in enumerate(first_twelve))
    return (10 - total % 10) % 10


def is_valid_corporate_number(value: str) -> bool:
    number = digits_only(value)
    if len(number) != 13 or not number.isdigit():
        return False
    return corporate_number_check_digit(number[:12]) == int(number[12])


def format_corporate_number(value: str) -> str:
    number = digits_only(value)
    return f"{number[:6]}-{number[6:]}" if len(number) == 13 else value


def validate_business_number(value: str) -> None:
    number = digits_only(value)
    if len(number) != 10 or not number.isdigit():
        raise ValidationError(
            _("A business registration number has 10 digits, written as 123-45-67890."),
            code="format",
        )
    if not is_valid_business_number(number):
        raise ValidationError(
            _("This business registration number's check digit is wrong. Please check the number on your certificate."),
            code="check_digit",
        )


def validate_corporate_number(value: str) -> None:
    number = digits_only(value)
    if len(number) != 13 or not number.isdigit():
        raise ValidationError(
            _("A corporate registration number has 13 digits, written as 123456-1234567."),
            code="format",
        )
    if not is_valid_corporate_number(number):
        raise ValidationError(
            _("This corporate registration number's check digit is wrong. Please check the registry extract."),
            code="check_digit",
        )
