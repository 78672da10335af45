"""A Redis cache that degrades instead of failing: when Redis is unreachable, reads miss and
writes are dropped (and logged), so sessions fall back to the database and the portal keeps
taking submissions.

Rate-limit counters (allauth's "allauth:rl:" keys and their locks) move to a cache in the
process instead: sign-in keeps working during an outage, which on a deadline day matters more
than a shared count, and failed sign-ins are still limited, per web process rather than across
the fleet, until Redis is back."""

from __future__ import annotations

import logging

from django.core.cache.backends.locmem import LocMemCache
from django.core.cache.backends.redis import RedisCache

log = logging.getLogger(__name__)

LOCAL_WHILE_DOWN = ("allauth:rl:",)
_local = LocMemCache("portal-rate-limits-while-redis-is-down", {"TIMEOUT": 3600, "OPTIONS": {"MAX_ENTRIES": 100_000}})


def _failsafe(name: str, default):
    method = getattr(RedisCache, name)

    def wrapper(self, *args, **kwargs):
        try:
            return method(self, *args, **kwargs)
        except Exception as exc:  # redis.exceptions.ConnectionError, TimeoutError, …
            key = args[0] if args else kwargs.get("key")
            if isinstance(key, str) and key.startswith(LOCAL_WHILE_DOWN):
                log.warning("cache %s failed, counting rate limits in this process: %s", name, type(exc).__name__)
                return getattr(_local, name)(*args, **kwargs)
            log.warning("cache %s failed, carrying on without it: %s", name, type(exc).__name__)
            return default() if callable(default) else default

    wrapper.__name__ = name
    return wrapper


class ResilientRedisCache(RedisCache):
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
