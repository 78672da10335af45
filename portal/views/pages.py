from __future__ import annotations

from django.db import connection
from django.http import HttpRequest, JsonResponse
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_safe

from portal.tasks import HEARTBEAT_KEY


@never_cache
@require_safe
def healthz(request: HttpRequest) -> JsonResponse:
    """The web process and its database answer (503 otherwise); the cache's state is reported."""
    from django.core.cache import cache

    checks = {}
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
        checks["database"] = "ok"
    except Exception as exc:
        checks["database"] = type(exc).__name__
    try:
        cache.set("portal:healthz", "1", timeout=10)
        if cache.get("portal:healthz") == "1":
            checks["cache"] = "ok"
        else:
            # A failed call opened the cache's circuit breaker (portal/cache.py): not asked again for now.
            breaker = getattr(cache, "breaker", None)
            checks["cache"] = "away" if breaker is not None and breaker.is_open else "unreadable"
    except Exception as exc:
        checks["cache"] = type(exc).__name__
    # Only the database decides whether this machine serves: every page works without the
    # cache (sessions in the database, limits counted in the process), so a Redis that is away
    # is reported as "degraded" but does not take every web machine out of the balancer.
    if checks["database"] != "ok":
        return JsonResponse({"status": "failing", **checks}, status=503)
    return JsonResponse({"status": "ok" if checks["cache"] == "ok" else "degraded", **checks}, status=200)


@never_cache
@require_safe
def healthz_worker(request: HttpRequest) -> JsonResponse:
    """A worker ran the heartbeat task within the last three minutes."""
    import datetime

    from django.core.cache import cache


    seen = cache.get(HEARTBEAT_KEY)
    age = (timezone.now() - datetime.datetime.fromisoformat(seen)).total_seconds() if seen else None
    healthy = age is not None and age < 180
    return JsonResponse({"status": "ok" if healthy else "failing", "last_heartbeat": seen, "age_seconds": age},
                        status=200 if healthy else 503)
