"""One limit per kind of free text, used by forms and services alike. Text over a limit is
refused with its length, never cut short: what a person wrote is kept or sent back whole."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

# A reason, a note or a message that goes into the record: withdrawing, screening decisions,
# revision requests, appeals and their decisions, conflicts, waivers, adjustments.
REASON_MAX = 4000
# A title: a project, an attachment, a clause.
TITLE_MAX = 200


def reason_text(text: str | None, *, what: str, limit: int = REASON_MAX) -> str:
    """`text` stripped; refused when empty or longer than `limit` characters."""
    text = without_controls(text or "").strip()
    if not text:
        raise ValidationError(_("Write %(what)s.") % {"what": what}, code="required")
    if len(text) > limit:
        raise ValidationError(_("At most %(limit)d characters; this answer has %(length)d.") % {"limit": limit, "length": len(text)},
                              code="too_long")
    return text


# Control characters a keyboard does not type (NUL above all: PostgreSQL text cannot hold it).
_CONTROL = {c: None for c in range(32) if chr(c) not in "\t\n\r"} | {0x7F: None}


def without_controls(text: str) -> str:
    """`text` without NUL and the other C0 control characters (tab and line breaks stay)."""
    return text.translate(_CONTROL)
