"""A Redis cache that degrades instead of failing: when Redis is unreachable, reads miss and
writes are dropped (and logged), so sessions fall back to the database and the portal keeps
taking submissions.

Rate-limit counters (allauth's "allauth:rl:" keys and their locks) move to a cache in the
process instead: sign-in keeps working during an outage, which on a deadline day matters more
than a shared count, and failed sign-ins are still limited, per web process rather than across
the fleet, until Redis is back.

A Redis that accepts connections but never answers costs each call its whole socket timeout,
and one page makes up to two dozen calls (sign-in: sessions and rate limits). So one failed
call opens a circuit breaker: for CACHE_BACKOFF_SECONDS this process treats that Redis as
away without asking it, then lets a single call through to try again (half-open) — closed
again if it answers, open for another period if it does not."""

from __future__ import annotations

import logging
import threading
import time

from django.conf import settings
from django.core.cache.backends.locmem import LocMemCache
from django.core.cache.backends.redis import RedisCache
from redis.exceptions import RedisError

log = logging.getLogger(__name__)

LOCAL_WHILE_DOWN = ("allauth:rl:",)
_local = LocMemCache("portal-rate-limits-while-redis-is-down", {"TIMEOUT": 3600, "OPTIONS": {"MAX_ENTRIES": 100_000}})

# The clock of the breakers; tests move it instead of waiting.
monotonic = time.monotonic


class Breaker:
    """The state of one Redis location in this process, shared by every thread's cache object
    (Django makes one per thread)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._open_until: float | None = None  # None: closed, Redis is asked

    def allows_a_call(self) -> bool:
        with self._lock:
            if self._open_until is None:
                return True
            now = monotonic()
            if now < self._open_until:
                return False
            # Half-open: this call tries; the others go on without Redis until it has answered
            # (or for another period, if it hangs too).
            self._open_until = now + settings.CACHE_BACKOFF_SECONDS
            return True

    def failed(self) -> None:
        with self._lock:
            self._open_until = monotonic() + settings.CACHE_BACKOFF_SECONDS

    def succeeded(self) -> None:
        if self._open_until is not None:
            with self._lock:
                self._open_until = None

    @property
    def is_open(self) -> bool:
        return self._open_until is not None and monotonic() < self._open_until


_breakers: dict[tuple[str, ...], Breaker] = {}
_breakers_lock = threading.Lock()


def breaker_for(servers) -> Breaker:
    key = tuple(servers)
    with _breakers_lock:
        return _breakers.setdefault(key, Breaker())


def forget_failures() -> None:
    """Close every breaker (tests)."""
    with _breakers_lock:
        _breakers.clear()


def _failsafe(name: str, default):
    method = getattr(RedisCache, name)

    def without_redis(args, kwargs, reason: str):
        key = args[0] if args else kwargs.get("key")
        if isinstance(key, str) and key.startswith(LOCAL_WHILE_DOWN):
            log.warning("cache %s %s, counting rate limits in this process", name, reason)
            return getattr(_local, name)(*args, **kwargs)
        log.info("cache %s %s, carrying on without it", name, reason)
        return default() if callable(default) else default

    def wrapper(self, *args, **kwargs):
        breaker = self.breaker
        if not breaker.allows_a_call():
            return without_redis(args, kwargs, "skipped: Redis marked away")
        try:
            result = method(self, *args, **kwargs)
        except (RedisError, OSError) as exc:  # refused, timed out, reset, …
            breaker.failed()
            log.warning("cache %s failed (%s); Redis marked away for %s s", name, type(exc).__name__,
                        settings.CACHE_BACKOFF_SECONDS)
            return without_redis(args, kwargs, "failed")
        except Exception as exc:  # Redis answered, but not as expected (incr of a missing key, …)
            log.warning("cache %s failed: %s", name, type(exc).__name__)
            return default() if callable(default) else default
        breaker.succeeded()
        return result

    wrapper.__name__ = name
    return wrapper


class ResilientRedisCache(RedisCache):
    @property
    def breaker(self) -> Breaker:
        return breaker_for(self._servers)

    get = _failsafe("get", None)
    set = _failsafe("set", None)
    add = _failsafe("add", False)
    delete = _failsafe("delete", False)
    touch = _failsafe("touch", False)
    get_many = _failsafe("get_many", dict)
    set_many = _failsafe("set_many", list)
    delete_many = _failsafe("delete_many", None)
    has_key = _failsafe("has_key", False)
    incr = _failsafe("incr", 0)
    get_or_set = _failsafe("get_or_set", None)
