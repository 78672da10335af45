"""The sign-in limits behind the load balancer, through a real gunicorn with Redis keeping
the counters: every request arrives from the balancer's address
(127.0.0.1 here) with the client in X-Forwarded-For, as the documented balancer sends it.

Configured (BEHIND_PROXY=true, TRUSTED_PROXY_COUNT=1), 200 people sign in within a minute
with no refusal while one account under attack is locked; not configured, the whole site
is one address and the 31st sign-in of the minute is refused — the probe's finding."""

from __future__ import annotations

import http.cookiejar
import re
import threading
import time
import urllib.error
import urllib.parse
import urllib.request

import pytest
from allauth.account.models import EmailAddress

from benchmarks.gunicorn_server import gunicorn
from tests.conftest import PASSWORD, NoRedirect
from tests.factories import UserFactory

pytestmark = [pytest.mark.postgres, pytest.mark.redis, pytest.mark.django_db(transaction=True)]

TOO_MANY_FAILURES = "너무 많은 로그인 실패가 감지되었습니다. 잠시 후에 다시 시도하세요."


def sign_in(base: str, client_address: str, email: str, password: str = PASSWORD) -> tuple[int, str]:
    """A browser at `client_address` signs in through the balancer: (status, page text)."""
    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar()), NoRedirect())
    headers = {"X-Forwarded-For": client_address}
    page = opener.open(urllib.request.Request(f"{base}/accounts/login/", headers=headers), timeout=30).read().decode()
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page).group(1)
    body = urllib.parse.urlencode({"csrfmiddlewaretoken": token, "login": email, "password": password}).encode()
    request = urllib.request.Request(f"{base}/accounts/login/", data=body,
                                     headers=headers | {"Referer": f"{base}/accounts/login/"})
    try:
        response = opener.open(request, timeout=30)
        return response.status, response.read().decode()
    except urllib.error.HTTPError as error:
        return error.code, error.read().decode(errors="replace")


def people(count: int, prefix: str) -> list:
    users = [UserFactory(email=f"{prefix}{n}@example.com") for n in range(count)]
    EmailAddress.objects.bulk_create([EmailAddress(user=u, email=u.email, verified=True, primary=True) for u in users])
    return users


def balancer(behind: bool):
    return gunicorn(workers=2, threads=4, extra_env={
        "BEHIND_PROXY": "true" if behind else "false", "TRUSTED_PROXY_COUNT": "1",
        "DJANGO_SETTINGS_MODULE": "tests.fast_hashing_settings"})


def address(n: int) -> str:
    return f"198.51.{n // 200}.{n % 200 + 1}"


def test_two_hundred_people_sign_in_within_a_minute_and_one_attacked_account_is_locked():
    crowd = people(200, "deadline")
    victim, bystander = people(2, "target")
    results: dict[int, int] = {}
    with balancer(behind=True) as base:
        started = time.monotonic()
        lock = threading.Lock()

        def one(n: int) -> None:
            status, _ = sign_in(base, address(n), crowd[n].email)
            with lock:
                results[n] = status

        threads = [threading.Thread(target=one, args=(n,)) for n in range(len(crowd))]
        for index, thread in enumerate(threads):
            thread.start()
            if index % 8 == 7:  # eight browsers at a time
                for running in threads[index - 7:index + 1]:
                    running.join(timeout=60)
        for thread in threads:
            thread.join(timeout=60)
        elapsed = time.monotonic() - started

        # Five wrong passwords from five addresses lock the attacked account...
        for n in range(5):
            status, _ = sign_in(base, address(500 + n), victim.email, "wrong-password")
            assert status == 200
        status, page = sign_in(base, address(600), victim.email)
        locked = (status, TOO_MANY_FAILURES in page)
        # ...and nobody else: another person signs in from an attacker's address.
        bystander_status, _ = sign_in(base, address(500), bystander.email)

    refused = sorted(n for n, status in results.items() if status != 302)
    assert len(results) == 200 and refused == [], f"refused: {refused[:10]}"
    assert elapsed < 60
    assert locked == (200, True)
    assert bystander_status == 302


def test_without_the_proxy_settings_the_whole_site_is_one_address():
    crowd = people(31, "crowd")
    with balancer(behind=False) as base:
        statuses = [sign_in(base, address(n), person.email)[0] for n, person in enumerate(crowd)]
    assert statuses[:30] == [302] * 30 and statuses[30] == 429
