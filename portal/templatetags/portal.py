from __future__ import annotations

from django import template

from portal import formatting

register = template.Library()


@register.filter
def won(amount) -> str:
    if amount in (None, ""):
        return ""
    try:
        return formatting.won(int(amount))
    except (TypeError, ValueError):
        return str(amount)
