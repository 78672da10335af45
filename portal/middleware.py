from __future__ import annotations

import time
from urllib.parse import urlencode

from django.conf import settings
from django.contrib import messages
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import translation
from django.utils.cache import patch_cache_control, patch_vary_headers
from django.utils.translation import gettext as _

from portal.access import record_access
from portal.http import int_or_none
from portal.roles import has_mfa, requires_mfa

# How far back a proxy's arrival stamp may lie: a request queued longer than this (or a
# stamp from a misconfigured proxy) is judged by the server's own clock instead.
MAX_QUEUE_SECONDS = 600


def parse_request_start(value: str) -> float | None:
    """X-Request-Start as proxies write it: `t=1764484800.123` (nginx `t=${msec}`), or the
    same in milliseconds or microseconds (HAProxy, Heroku), with or without `t=`."""
    text = value.strip()
    if text.startswith("t="):
        text = text[2:]
    try:
        number = float(text)
    except ValueError:
        return None
    if number != number or number <= 0:  # NaN
        return None
    for divisor in (1, 1_000, 1_000_000):
        seconds = number / divisor
        if seconds < 10_000_000_000:  # before the year 2286: a plausible epoch in seconds
            return seconds
    return None


class ArrivalMiddleware:
    """Stamps `request.arrived_at`, the moment the request arrived: the proxy's
    X-Request-Start when `BEHIND_PROXY` (the time it reached the load balancer, before any
    queueing), otherwise the time this middleware — the first — saw it. A deadline is judged
    by it, and it is the submission time on the receipt."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        import datetime

        from django.utils import timezone

        now = timezone.now()
        request.arrived_at = now
        if getattr(settings, "BEHIND_PROXY", False):
            stamp = parse_request_start(request.META.get("HTTP_X_REQUEST_START", ""))
            if stamp is not None:
                arrived = datetime.datetime.fromtimestamp(stamp, tz=datetime.UTC)
                if now - datetime.timedelta(seconds=MAX_QUEUE_SECONDS) <= arrived <= now:
                    request.arrived_at = arrived
        return self.get_response(request)


class KoreanFirstLocaleMiddleware:
    """Korean unless the person chose English with the language switch.

    Django's LocaleMiddleware would follow the browser's Accept-Language; a Korean public
    portal opens in Korean whatever the browser says, and the switch stores the choice in a
    cookie.
    """

    def __init__(self, get_response):
        self.get_response = get_response
        self.supported = {code for code, _name in settings.LANGUAGES}

    def __call__(self, request):
        chosen = request.COOKIES.get(settings.LANGUAGE_COOKIE_NAME)
        language = chosen if chosen in self.supported else settings.LANGUAGE_CODE
        translation.activate(language)
        request.LANGUAGE_CODE = language
        response = self.get_response(request)
        patch_vary_headers(response, ["Cookie"])
        response.headers.setdefault("Content-Language", language)
        return response


class StaffMFARequiredMiddleware:
    """Reviewers, program officers and admins must set up TOTP before anything else.

    allauth has no setting for this. Account pages (where the set-up itself lives), the
    language switch, static files and health checks stay reachable.
    """

    exempt_prefixes = ("/accounts/", "/i18n/", "/static/", "/healthz")

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = getattr(request, "user", None)
        if (
            user is not None
            and user.is_authenticated
            and not request.path.startswith(self.exempt_prefixes)
            and requires_mfa(user)
            and not has_mfa(user)
        ):
            messages.warning(
                request,
                _("Your role requires two-factor authentication. Set up an authenticator app to continue."),
            )
            return redirect(f"{reverse('mfa_activate_totp')}?{urlencode({'next': request.get_full_path()})}")
        return self.get_response(request)


class SessionRefreshMiddleware:
    """A sliding idle timeout without a database write on every request.

    SESSION_SAVE_EVERY_REQUEST would save the session (an UPDATE) on each page; instead a
    signed-in session is marked changed at most every SESSION_REFRESH_SECONDS, which renews
    its expiry (and the cookie's). The idle limit is then SESSION_COOKIE_AGE, give or take
    that interval.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        session = getattr(request, "session", None)
        if session is not None and session.session_key and not session.is_empty():
            now = int(time.time())
            if now - session.get("_refreshed", 0) >= settings.SESSION_REFRESH_SECONDS:
                session["_refreshed"] = now
        return response


class PrivateCacheMiddleware:
    """Pages and downloads for a signed-in person — and any response that sets a session
    cookie or carries a file — are `Cache-Control: private, no-store`: no shared cache or browser
    history keeps an application, a PDF or an export. Anonymous public pages keep their own
    caching (the catalogue is cached by the portal itself)."""

    def __init__(self, get_response) -> None:
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        user = getattr(request, "user", None)
        signed_in = user is not None and user.is_authenticated
        if signed_in or response.has_header("Content-Disposition") or settings.SESSION_COOKIE_NAME in response.cookies:
            patch_cache_control(response, private=True, no_store=True)
        return response


class MethodNotAllowedPageMiddleware:
    """A form's address opened directly (a bookmark, a link pasted from an e-mail, the browser
    going back) answers 405 from Django with an empty body: a blank page. People get a page
    that says what the address is for and where to go; the status and the Allow header stay."""

    def __init__(self, get_response) -> None:
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        if response.status_code != 405 or response.content or request.method not in ("GET", "HEAD"):
            return response
        page = render(request, "405.html", status=405)
        if response.has_header("Allow"):
            page["Allow"] = response["Allow"]
        return page


class AccessRecordMiddleware:
    """접속기록: each read of personal or company data by someone acting for the agency
    leaves one AccessRecord (portal/access.py says which pages)."""

    def __init__(self, get_response) -> None:
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)

        record_access(request, response)
        return response


class BodyLimitMiddleware:
    """A POST larger than its view accepts (portal.http.body_limit) is refused by its declared
    length before any byte of it is read. Sits before CsrfViewMiddleware, whose check reads
    request.POST — and with it the whole body — before the view could judge the size."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_view(self, request, view_func, view_args, view_kwargs):
        limit = getattr(view_func, "max_body_bytes", None)
        if limit is None or request.method != "POST":
            return None

        if (int_or_none(request.META.get("CONTENT_LENGTH")) or 0) > limit:
            return view_func.too_large(request)
        return None
