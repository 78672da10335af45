"""Public pages served from the cache to anonymous visitors.

The catalogue and a call's page are the same for every anonymous visitor in one language,
so they are rendered once and kept under a key of: the language, the Korean date (D-day
counts change at midnight), the host, the path and the query string; the entry holds the
pages' version it was rendered under, and is served only while that is still the version
(one round trip: the version and the entry are read together). The version is bumped whenever a program, a call or anything a call's page shows is saved
or deleted (at once, and again when the transaction commits, so a page rendered from the
old rows in between is never kept under the new version). A page lives at most LIFETIME
seconds and never past the next moment a call opens or closes.

Nothing personal is kept: signed-in visitors, visitors with a message waiting and anything
but GET/HEAD bypass the cache, and the CSRF token is rendered as a placeholder that each
response fills with that visitor's own token."""

from __future__ import annotations

import hashlib
import time
from functools import wraps

from django.core.cache import cache
from django.db import transaction
from django.http import HttpRequest, HttpResponse
from django.middleware.csrf import get_token
from django.utils import timezone, translation

LIFETIME = 60
VERSION_KEY = "public-pages:version"
CSRF_PLACEHOLDER = "__portal_csrf_placeholder__"
RENDERING_FOR_CACHE = "_portal_render_for_cache"


def version() -> int:
    current = cache.get(VERSION_KEY)
    if current is None:
        cache.add(VERSION_KEY, time.time_ns(), None)
        current = cache.get(VERSION_KEY) or 0
    return current


def _bump() -> None:
    # A fresh value rather than incr: if the key is ever evicted, no older page matches again.
    cache.set(VERSION_KEY, time.time_ns(), None)


def public_pages_changed(**_kwargs) -> None:
    """Call (or connect as a signal receiver) whenever something public pages show changes."""
    _bump()
    transaction.on_commit(_bump)


def _key(request: HttpRequest) -> str:
    """The page's key; the version is kept inside the entry, so that one round trip to the
    cache (get_many of the version and the entry) answers a hit."""
    query = hashlib.sha256(request.META.get("QUERY_STRING", "").encode()).hexdigest()[:32]
    return ":".join(["public-page", translation.get_language() or "", timezone.localdate().isoformat(),
                     request.get_host(), hashlib.sha256(request.path.encode()).hexdigest()[:32], query])


def _cacheable(request: HttpRequest) -> bool:
    from django.contrib.messages import get_messages

    if request.method not in ("GET", "HEAD") or request.user.is_authenticated:
        return False
    return not len(get_messages(request))  # counts without marking them read


def _fill(content: str, request: HttpRequest) -> bytes:
    if CSRF_PLACEHOLDER in content:
        content = content.replace(CSRF_PLACEHOLDER, get_token(request))
    return content.encode()


# Seconds until the next moment a public page changes by the clock alone (a call opens or
# closes): given by applications through `connect`, which sits above this module.
_until_next_change = None


def _lifetime() -> int:
    if _until_next_change is None:
        return LIFETIME
    return max(1, min(LIFETIME, _until_next_change(timezone.now())))


def cache_for_anonymous(view):
    """Serve `view` from the cache to anonymous visitors (see the module's docstring)."""

    @wraps(view)
    def wrapped(request: HttpRequest, *args, **kwargs) -> HttpResponse:
        if not _cacheable(request):
            return view(request, *args, **kwargs)
        key = _key(request)
        found = cache.get_many([VERSION_KEY, key])
        current = found.get(VERSION_KEY)
        if current is None:
            current = version()
        kept = found.get(key)
        if kept is not None and kept.get("version") == current:
            response = HttpResponse(_fill(kept["content"], request), content_type=kept["content_type"])
            response["X-Page-Cache"] = "hit"
            return response
        setattr(request, RENDERING_FOR_CACHE, True)
        response = view(request, *args, **kwargs)
        if response.status_code != 200 or response.streaming or response.cookies:
            return response
        content = response.content.decode()
        # The version read before rendering: a change committed meanwhile makes this entry stale at once.
        cache.set(key, {"content": content, "content_type": response["Content-Type"], "version": current}, _lifetime())
        response.content = _fill(content, request)
        response["X-Page-Cache"] = "miss"
        return response

    return wrapped


def csrf_placeholder(request: HttpRequest) -> dict:
    """Context processor: while a page is rendered for the cache, `{% csrf_token %}` writes
    the placeholder (this processor runs after Django's own csrf one and overrides it)."""
    if getattr(request, RENDERING_FOR_CACHE, False):
        return {"csrf_token": CSRF_PLACEHOLDER}
    return {}


def connect(*, until_next_change=None) -> None:
    """Bump the version on every save or delete of what the public pages show; a kept page
    lives no longer than `until_next_change(now)` seconds (a call opening or closing)."""
    global _until_next_change
    _until_next_change = until_next_change
    from django.apps import apps
    from django.db.models.signals import post_delete, post_save

    for label in ("applications.Program", "applications.Call", "applications.SupportLevel", "applications.RequiredDocument",
                  "applications.NoticeAttachment", "applications.CallRegion", "applications.CallIndustry",
                  "applications.EligibilityRule"):
        model = apps.get_model(label)
        post_save.connect(public_pages_changed, sender=model, dispatch_uid=f"public-pages-{label}-save")
        post_delete.connect(public_pages_changed, sender=model, dispatch_uid=f"public-pages-{label}-delete")
