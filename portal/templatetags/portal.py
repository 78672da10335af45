from __future__ import annotations

from django import template
from django.utils.html import strip_tags
from django.utils.safestring import SafeData, mark_safe

from portal import formatting
from portal.korean import with_particle
from portal.labels import label
from portal.privacy import CONSENT_ITEMS
from portal.sanitize import clean_html

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
    """(date, count) rows with the date written as the chart's label: 12월 7일(월)."""
    if kind == "date":
        return [(formatting.month_day(day) if day else "—", n) for day, n in rows]
    return list(rows)


@register.filter
def times(value, factor) -> int:
    return int(value) * int(factor)


@register.filter
def get_item(mapping, key):
    return mapping.get(key, "") if mapping else ""


@register.filter
def deadline(moment) -> str:
    """2026년 12월 14일(월) 24:00 for a period that ends at midnight (KST)."""
    return formatting.deadline(moment) if moment else ""


@register.filter
def day(value) -> str:
    """2026년 12월 7일(월) for a date, a moment (its KST day) or an ISO date string."""
    if not value:
        return ""
    try:
        return formatting.day(value)
    except ValueError:
        return str(value)


@register.filter
def moment(value, precision: str = "") -> str:
    """2026년 12월 7일(월) 11:33 in KST; `|moment:"seconds"` adds the seconds (receipts)."""
    return formatting.moment(value, seconds=precision == "seconds") if value else ""


@register.filter
def cell(value) -> str:
    """A value of the person's own copy as a page shows it: moments in KST, yes or no, a dash
    for nothing, record numbers as codes."""
    import datetime

    from django.utils.translation import gettext

    if value is None or value == "":
        return "—"
    if isinstance(value, bool):
        return gettext("Yes") if value else gettext("No")
    if isinstance(value, datetime.datetime):
        return formatting.moment(value)
    if isinstance(value, datetime.date):
        return formatting.day(value)
    text = str(value)
    if not isinstance(value, bool) and text.isascii() and text.isdigit():
        # A record's number is an identifier, not an amount or a count: shown as a code.
        from django.utils.html import format_html

        return format_html('<span class="code">{}</span>', text)
    return text


@register.filter
def plain_number(value) -> str:
    """40 for 40.0, 2.5 for 2.50 — never 4E+1."""
    return formatting.plain_number(value) if value is not None else ""


@register.filter
def score(value) -> str:
    """81.4 for 81.400, 2 for 2.00: no trailing zeros, at most three decimals."""
    if value in (None, ""):
        return ""
    try:
        return formatting.score(value)
    except (ArithmeticError, TypeError, ValueError):
        return str(value)


@register.filter
def count(number, unit: str = "건") -> str:
    """`{{ n|count:"건" }}` → 2건."""
    return formatting.count(number or 0, unit)


@register.filter
def file_size(size) -> str:
    """812B, 12.3KB, 1.5MB."""
    return formatting.file_size(size or 0)


@register.filter
def choice_label(label) -> str:
    """A select's empty choice in words (선택하세요) instead of Django's `---------`."""
    return formatting.choice_label(label)


@register.filter
def korean_date(day) -> str:
    """2026년 12월 1일 (as documents write it, without the weekday)."""
    return formatting.korean_date(day) if day else ""


@register.filter(name="label")
def label_filter(instance, field_name: str) -> str:
    """`{{ application|label:"state" }}`: get_state_display() from a map built once (portal/labels.py)."""

    return label(instance, field_name)


@register.filter(name="clean_html")
def clean_html_filter(text):
    """Officer-written text shown as HTML, cleaned (portal/sanitize.py)."""

    return clean_html(str(text or ""))


@register.filter
def josa(word, particle: str) -> str:
    """`{{ name|josa:"을" }}`: the word with the particle form its last sound takes (portal/korean.py).
    On an English page the word alone: an English sentence has no particle."""
    from django.utils.translation import get_language


    if (get_language() or "ko").startswith("en"):
        return word
    if isinstance(word, SafeData):
        # Markup (allauth's recipient is a mailto link): the particle follows the text read aloud.
        text = strip_tags(word).strip()
        return mark_safe(str(word).strip() + with_particle(text, particle)[len(text):])
    return with_particle(word, particle)


@register.simple_tag
def consent_items():
    """The consent items of portal/privacy.py, for pages whose view is allauth's."""

    return CONSENT_ITEMS


# The context names under which views hand forms to templates; only these are looked at, so
# that nothing lazy (the user) is evaluated for the title.
_FORM_NAMES = ("form", "formset", "grant_form", "verify_form", "change_form")


@register.simple_tag(takes_context=True)
def page_reports_errors(context) -> bool:
    """Whether the page reports an error — a bound form or formset with errors, an error
    message, or the view's own `page_errors` — so that its <title> starts with "오류:" and a
    screen-reader user hears it first (templates/base.html)."""
    from django.contrib.messages import constants
    from django.forms import BaseForm, BaseFormSet

    if context.get("page_errors"):
        return True
    for name in _FORM_NAMES:
        value = context.get(name)
        if isinstance(value, BaseForm) and value.is_bound and value.errors:
            return True
        if isinstance(value, BaseFormSet) and value.is_bound and value.total_error_count():
            return True
    return any(message.level >= constants.ERROR for message in context.get("messages") or ())
