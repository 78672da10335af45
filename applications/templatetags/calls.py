"""A call's own answers about its window, asked at the page's moment (`now` from the view),
so a template never compares the call's dates itself."""

from __future__ import annotations

from django import template

register = template.Library()


@register.filter
def opened_by(call, moment) -> bool:
    """`{% if call|opened_by:now %}`: `Call.has_opened` at the moment the view read the calls."""
    return call.has_opened(moment)
