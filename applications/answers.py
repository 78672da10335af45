"""Answers to a call's own form: stored as typed, checked field by field.

Drafts keep whatever the applicant typed (nothing is lost); submission needs every
answer to be valid and every required one present.
"""

from __future__ import annotations

import datetime

from django.utils.translation import gettext as _

from applications.models import FieldType, FormField
from portal.limits import without_controls


def _as_text(raw) -> str:
    if raw is None:
        return ""
    if isinstance(raw, list):
        return ",".join(str(v) for v in raw)
    return str(raw)


def normalize(field: FormField, raw) -> object:
    """What is stored for a draft: text as typed, lists for multiple choice."""
    if field.type == FieldType.MULTI_CHOICE:
        if raw is None or raw == "":
            return []
        return [without_controls(str(v)) for v in (raw if isinstance(raw, list) else [raw])]
    text = without_controls(_as_text(raw))
    return text.strip() if field.type != FieldType.LONG_TEXT else text.replace("\r\n", "\n")


def is_empty(field: FormField, value) -> bool:
    return value in (None, "", [])


def check_answer(field: FormField, value, *, uploaded_keys: frozenset[str] = frozenset()) -> str | None:
    """The error message for this answer, or None when it is acceptable for submission."""
    if field.type == FieldType.FILE:
        if field.required and field.key not in uploaded_keys:
            return _("Upload a file for this question.")
        return None
    if is_empty(field, value):
        return _("This question must be answered.") if field.required else None
    if field.type in (FieldType.SHORT_TEXT, FieldType.LONG_TEXT):
        length = len(value)
        if field.max_length is not None and length > field.max_length:
            return _("At most %(limit)d characters; this answer has %(length)d.") % {"limit": field.max_length, "length": length}
        if field.min_length is not None and length < field.min_length:
            return _("At least %(limit)d characters; this answer has %(length)d.") % {"limit": field.min_length, "length": length}
        return None
    if field.type in (FieldType.NUMBER, FieldType.AMOUNT):
        text = str(value).replace(",", "").replace(" ", "").removesuffix("원")
        try:
            number = int(text)
        except ValueError:
            return _("Enter a whole number.") if field.type == FieldType.NUMBER else _("Enter an amount in won, e.g. 120,000,000.")
        if field.min_value is not None and number < field.min_value:
            return _("The smallest allowed value is %(limit)s.") % {"limit": f"{field.min_value:,}"}
        if field.max_value is not None and number > field.max_value:
            return _("The largest allowed value is %(limit)s.") % {"limit": f"{field.max_value:,}"}
        if field.type == FieldType.AMOUNT and number < 0:
            return _("An amount cannot be negative.")
        return None
    if field.type == FieldType.DATE:
        try:
            datetime.date.fromisoformat(str(value))
        except ValueError:
            return _("Enter a date as YYYY-MM-DD.")
        return None
    allowed = {c["value"] for c in field.choices}
    if field.type == FieldType.CHOICE and value not in allowed:
        return _("Choose one of the options.")
    if field.type == FieldType.MULTI_CHOICE and not set(value) <= allowed:
        return _("Choose among the options.")
    return None
