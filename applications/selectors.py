"""Reads for programs and calls, narrowed to what the person may see."""

from __future__ import annotations

from django.db.models import QuerySet

from applications.models import Call


def public_open_calls(*, now) -> QuerySet[Call]:
    return Call.objects.published().open_at(now).select_related("program").order_by("closes_at")


def calls_for_officer(user) -> QuerySet[Call]:
    calls = Call.objects.select_related("program").order_by("-opens_at")
    if user.is_superuser:
        return calls
    return calls.filter(program__officer_links__user=user)
