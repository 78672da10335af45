"""Confirmation pages for what cannot be undone in one click (giving up a grant, locking
scores, deleting a criterion, issuing an agreement).

The same URL answers both ways, with no JavaScript: GET shows what follows and the figure
it concerns; a POST carrying `confirm=yes` performs the action; a POST without it performs
nothing and shows the confirmation page again. Each view keeps its own permission check and
calls `confirmation_page` before it acts."""

from __future__ import annotations

from dataclasses import dataclass, field

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

CONFIRM_FIELD = "confirm"


def confirmed(request: HttpRequest) -> bool:
    """Did the person tick the confirmation box on the confirmation page?"""
    return request.method == "POST" and request.POST.get(CONFIRM_FIELD) == "yes"


@dataclass(frozen=True, slots=True)
class Confirmation:
    """What a confirmation page says: `consequences` are the sentences saying what follows
    (with the amount or total), `facts` (label, value) pairs, `hidden` (name, value) pairs
    carried into the confirming POST, `form` any fields the action needs (a reason)."""

    heading: str
    consequences: list[str]
    confirm_label: str
    button: str
    action: str
    back_url: str
    facts: list[tuple[str, str]] = field(default_factory=list)
    hidden: list[tuple[str, str]] = field(default_factory=list)
    form: object | None = None
    table: dict | None = None


def confirmation_page(request: HttpRequest, confirmation: Confirmation, *, status: int = 200) -> HttpResponse:
    """The confirmation page. A POST from this page itself without the box ticked (it carries
    step=confirm) says so; a POST from the button that leads here does not."""
    missing = request.method == "POST" and request.POST.get("step") == "confirm" and not confirmed(request)
    return render(request, "pages/confirm.html", {"confirmation": confirmation, "missing": missing},
                  status=400 if missing else status)
