from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db import connection
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_safe

from applications.selectors import calls_for_officer, public_open_calls
from portal.selectors import companies_for_user


@require_safe
def home(request: HttpRequest) -> HttpResponse:
    now = timezone.now()
    context = {"open_calls": public_open_calls(now=now)[:12], "now": now}
    if request.user.is_authenticated:
        context["my_companies"] = companies_for_user(request.user)
    return render(request, "pages/home.html", context)


@login_required
@require_safe
def officer_desk(request: HttpRequest) -> HttpResponse:
    if not request.user.has_perm("portal.use_officer_desk"):
        raise PermissionDenied(_("This page is for program officers."))
    from applications.selectors import officer_desk_counts

    calls = list(calls_for_officer(request.user))
    return render(request, "pages/officer_desk.html", {"calls": calls, **officer_desk_counts(calls), "now": timezone.now()})


@never_cache
@require_safe
def healthz(request: HttpRequest) -> JsonResponse:
    """The web process and its database and cache answer."""
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
        checks["cache"] = "ok" if cache.get("portal:healthz") == "1" else "unreadable"
    except Exception as exc:
        checks["cache"] = type(exc).__name__
    healthy = all(v == "ok" for v in checks.values())
    return JsonResponse({"status": "ok" if healthy else "failing", **checks}, status=200 if healthy else 503)


@never_cache
@require_safe
def healthz_worker(request: HttpRequest) -> JsonResponse:
    """A worker ran the heartbeat task within the last three minutes."""
    import datetime

    from django.core.cache import cache

    from portal.tasks import HEARTBEAT_KEY

    seen = cache.get(HEARTBEAT_KEY)
    age = (timezone.now() - datetime.datetime.fromisoformat(seen)).total_seconds() if seen else None
    healthy = age is not None and age < 180
    return JsonResponse({"status": "ok" if healthy else "failing", "last_heartbeat": seen, "age_seconds": age},
                        status=200 if healthy else 503)
