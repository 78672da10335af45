"""A Redis that accepts connections and never answers: each cache call used to wait its full
socket timeout, so /calls/ took 5 s, the officer queue 7 s, sign-in 23.5 s. One failed call
now opens the cache's circuit breaker (portal/cache.py) and the pages go on without Redis."""

from __future__ import annotations

import socket
import threading
import time
from contextlib import contextmanager

import pytest
from django.test import Client, override_settings

from portal import cache as resilient
from tests.conftest import PASSWORD, login_with_mfa

pytestmark = pytest.mark.django_db

SOCKET_TIMEOUT = 1.0


class SilentListener:
    """A TCP server on 127.0.0.1 that accepts every connection and never replies; counts the
    connections, each of them one cache call that reached it (redis-py drops a connection
    whose call timed out, so the next call connects again)."""

    def __init__(self) -> None:
        self.server = socket.create_server(("127.0.0.1", 0))
        self.server.settimeout(0.1)
        self.port = self.server.getsockname()[1]
        self.accepted: list[socket.socket] = []
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._accept, daemon=True)

    def _accept(self) -> None:
        while not self._stop.is_set():
            try:
                connection, _address = self.server.accept()
            except TimeoutError:
                continue
            except OSError:
                return
            self.accepted.append(connection)

    def __enter__(self) -> SilentListener:
        self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self._stop.set()
        self._thread.join()
        for connection in self.accepted:
            connection.close()
        self.server.close()

    @property
    def calls(self) -> int:
        return len(self.accepted)


@contextmanager
def hung_redis_listener():
    """The default cache pointed at a SilentListener."""
    resilient._local.clear()
    with SilentListener() as listener:
        caches = {"default": {"BACKEND": "portal.cache.ResilientRedisCache", "LOCATION": f"redis://127.0.0.1:{listener.port}/1",
                              "OPTIONS": {"socket_connect_timeout": SOCKET_TIMEOUT, "socket_timeout": SOCKET_TIMEOUT}}}
        with override_settings(CACHES=caches):
            yield listener
    resilient._local.clear()


def timed(fetch):
    started = time.monotonic()
    response = fetch()
    return response, time.monotonic() - started


def test_with_a_hung_redis_pages_ask_it_once_and_stay_fast(call, olivia, alice, client):
    officer = Client()
    login_with_mfa(officer, olivia)  # signed in before Redis hangs; the session is in the database too
    pages = {
        "/calls/": lambda: client.get("/calls/"),
        "/officer/queue/": lambda: officer.get("/officer/queue/"),
        "sign-in": lambda: Client().post("/accounts/login/", {"login": alice.email, "password": PASSWORD}),
        "/healthz": lambda: client.get("/healthz"),
    }
    with hung_redis_listener() as listener:
        answers = {name: timed(fetch) for name, fetch in pages.items()}
        # One call waited for Redis and opened the breaker; no page asked it again.
        assert listener.calls == 1
    statuses = {name: response.status_code for name, (response, _seconds) in answers.items()}
    # The machine stays in the balancer: the cache being away degrades it, the database decides.
    assert statuses == {"/calls/": 200, "/officer/queue/": 200, "sign-in": 302, "/healthz": 200}
    assert answers["/healthz"][0].json() | {} == {"status": "degraded", "database": "ok", "cache": "away"}
    # Together about one timeout, not one for every cache call (sign-in alone makes over
    # twenty). Generous for a busy machine.
    assert sum(seconds for _response, seconds in answers.values()) < 8 * SOCKET_TIMEOUT


def test_failed_sign_ins_are_still_limited_while_redis_hangs(alice):
    with hung_redis_listener() as listener:
        guessing = Client()
        for attempt in range(5):
            guessing.post("/accounts/login/", {"login": alice.email, "password": f"wrong-{attempt}"})
        response = guessing.post("/accounts/login/", {"login": alice.email, "password": PASSWORD})
        assert listener.calls == 1
    assert response.status_code == 200 and "너무 많은 로그인 실패" in response.content.decode()


def test_after_the_pause_one_call_tries_again_and_a_recovered_redis_is_used(settings, monkeypatch):
    """Half-open: after CACHE_BACKOFF_SECONDS a single call asks Redis; if it answers, the
    breaker closes."""
    from django.core.cache import cache
    from django.core.cache.backends.redis import RedisCache

    if not settings.REDIS_URL:
        pytest.skip("needs Redis: set REDIS_URL")
    clock = [1000.0]
    monkeypatch.setattr(resilient, "monotonic", lambda: clock[0])
    asked = []
    real_get = RedisCache.get

    def flaky_get(self, key, *args, **kwargs):
        asked.append(key)
        if len(asked) == 1:
            raise resilient.RedisError("Timeout reading from socket")
        return real_get(self, key, *args, **kwargs)

    monkeypatch.setattr(RedisCache, "get", flaky_get)
    monkeypatch.setattr(resilient.ResilientRedisCache, "get", resilient._failsafe("get", None))
    cache.set("portal:breaker-test", "here")  # the breaker is closed: written to Redis
    assert cache.get("portal:breaker-test") is None  # this call fails and opens the breaker
    assert cache.get("portal:breaker-test") is None and len(asked) == 1  # not asked while open
    clock[0] += settings.CACHE_BACKOFF_SECONDS
    assert cache.get("portal:breaker-test") == "here"  # half-open: one call, and Redis answered
    assert cache.get("portal:breaker-test") == "here" and len(asked) == 3
    assert not cache.breaker.is_open

