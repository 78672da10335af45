"""An audit event's data as the administrator reads it (the admin's audit event page)."""

from __future__ import annotations

import json

from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString
from django.utils.translation import gettext

from portal.models import User

# Keys of an event's data that name people by their account's id (one id or a list of them).
# Rows written before the log named people by id hold an e-mail address under some of these
# keys (docs/personal-data.md, "The audit log"): a text is shown as it was recorded.
PERSON_KEYS = {"user", "claimant", "previous_owners", "reviewer"}


def details_html(data: dict) -> SafeString:
    """An event's data as the administrator reads it: each person named by an id shown as the
    account reads now — the name, or the pseudonym of a person who left."""
    ids = {pk for key, value in data.items() if key in PERSON_KEYS for pk in (value if isinstance(value, list) else [value])
           if isinstance(pk, int)}
    people = User.objects.in_bulk(ids) if ids else {}

    def person(pk) -> str:
        if not isinstance(pk, int):
            return str(pk)
        account = people.get(pk)
        return f"{account} (#{pk})" if account is not None else gettext("deleted account #%(id)s") % {"id": pk}

    def shown(key: str, value) -> str:
        if key in PERSON_KEYS:
            return ", ".join(person(pk) for pk in (value if isinstance(value, list) else [value])) or "—"
        return value if isinstance(value, str) else json.dumps(value, ensure_ascii=False)

    if not data:
        return format_html("{}", "—")
    return format_html("<dl>{}</dl>", format_html_join("", "<dt>{}</dt><dd>{}</dd>", ((key, shown(key, value)) for key, value in data.items())))
