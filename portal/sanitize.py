"""Text that officers write and applicants read, made safe to show as HTML."""

from __future__ import annotations

import nh3
from django.utils.safestring import SafeString, mark_safe

# What a help text may carry: emphasis, line breaks, lists and links — nothing that runs.
ALLOWED_TAGS = {"b", "strong", "em", "i", "br", "p", "ul", "ol", "li", "a"}
ALLOWED_ATTRIBUTES = {"a": {"href", "title"}}
URL_SCHEMES = {"https", "http", "mailto", "tel"}


def clean_html(text: str) -> SafeString:
    """`text` with every tag, attribute and URL scheme outside the allow-lists removed (nh3,
    the maintained binding of the ammonia sanitiser); links get rel="noopener noreferrer"."""
    return mark_safe(nh3.clean(text or "", tags=ALLOWED_TAGS, attributes=ALLOWED_ATTRIBUTES, url_schemes=URL_SCHEMES))  # noqa: S308
