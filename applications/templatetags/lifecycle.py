"""What the transition table (applications/lifecycle/runner.py) tells a page."""

from __future__ import annotations

from django import template

from applications.lifecycle.runner import needs_confirmation

register = template.Library()


@register.filter
def asks_confirmation(transitions: str) -> bool:
    """`"agreement.sign agreement.countersign"|asks_confirmation`: whether the person ticks a
    confirmation before any of these transitions, as the table's `confirm` says. A form shows
    its confirmation box exactly when its view asks for it."""
    names = [name.split(".", 1) for name in transitions.split()]
    return any(needs_confirmation(machine, name) for machine, name in names)
