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


@register.filter
def chart_max(rows) -> int:
    """The largest count among (label, count) rows, at least 1 (the bars' scale)."""
    return max((row[-1] for row in rows), default=1) or 1


@register.filter
def chart_rows(rows, kind: str = "") -> list:
    """(date, count) rows with the date written as the chart's label."""
    if kind == "date":
        return [(day.strftime("%m-%d") if day else "—", n) for day, n in rows]
    return list(rows)


@register.filter
def times(value, factor) -> int:
    return int(value) * int(factor)


@register.filter
def get_item(mapping, key):
    return mapping.get(key, "") if mapping else ""


@register.filter
def deadline(moment) -> str:
    """2026-12-07 24:00 for a period that ends at midnight (KST)."""
    return formatting.deadline(moment) if moment else ""


@register.filter
def plain_number(value) -> str:
    """40 for 40.0, 2.5 for 2.50 — never 4E+1."""
    return formatting.plain_number(value) if value is not None else ""


@register.filter
def korean_date(day) -> str:
    """2026년 12월 1일."""
    return formatting.korean_date(day) if day else ""


@register.filter(name="label")
def label_filter(instance, field_name: str) -> str:
    """`{{ application|label:"state" }}`: get_state_display() from a map built once (portal/labels.py)."""
    from portal.labels import label

    return label(instance, field_name)


@register.filter(name="clean_html")
def clean_html_filter(text):
    """Officer-written text shown as HTML, cleaned (portal/sanitize.py)."""
    from portal.sanitize import clean_html

    return clean_html(str(text or ""))


@register.filter
def josa(word, particle: str) -> str:
    """`{{ name|josa:"을" }}`: the word with the particle form its last sound takes (portal/korean.py)."""
    from portal.korean import with_particle

    return with_particle(word, particle)


@register.simple_tag
def consent_items():
    """The consent items of portal/privacy.py, for pages whose view is allauth's."""
    from portal.privacy import CONSENT_ITEMS

    return CONSENT_ITEMS
