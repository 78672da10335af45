from __future__ import annotations

from django.conf import settings
from django.http import HttpRequest


def client_ip(request: HttpRequest | None) -> str | None:
    """The client's address; behind the trusted proxies (ALLAUTH_TRUSTED_PROXY_COUNT of
    them), the address the first of them saw — the same address allauth's limits key on."""
    if request is None:
        return None
    count = getattr(settings, "ALLAUTH_TRUSTED_PROXY_COUNT", 0) if getattr(settings, "BEHIND_PROXY", False) else 0
    forwarded = request.META.get("HTTP_X_FORWARDED_FOR", "")
    if count and forwarded:
        entries = [entry.strip() for entry in forwarded.split(",")]
        if len(entries) >= count:
            return entries[-count] or None
    return request.META.get("REMOTE_ADDR") or None


def arrived_at(request: HttpRequest):
    """When the request arrived (portal.middleware.ArrivalMiddleware)."""
    from django.utils import timezone

    return getattr(request, "arrived_at", None) or timezone.now()


def int_or_none(value) -> int | None:
    """A form or query value as an integer, when it is ASCII digits only (`"²".isdigit()`
    is true, and `int("²")` raises): anything else is None, never a server error."""
    text = (value or "").strip() if isinstance(value, str) else ""
    return int(text) if text and text.isascii() and text.isdigit() and len(text) < 19 else None


def body_limit(max_bytes: int, too_large):
    """Mark a view as taking at most `max_bytes` of request body: BodyLimitMiddleware, which
    runs before anything reads the body (the CSRF check reads request.POST), answers a larger
    POST with `too_large(request)` without reading it."""

    def decorate(view):
        view.max_body_bytes, view.too_large = max_bytes, too_large
        return view

    return decorate
