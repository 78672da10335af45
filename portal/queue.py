"""Queueing a Celery task from a request without letting a missing broker slow it down.

Every task queued from a web request has a fallback that needs no broker (a beat sweep
renders pending versions, delivers the outbox, builds waiting exports, applies finalized
selections), so a request never waits for the broker: the connection attempt is short
(CELERY_BROKER_CONNECTION_TIMEOUT), and after one failure this process does not try again
for BROKER_BACKOFF_SECONDS — the next requests cost nothing while Redis is away."""

from __future__ import annotations

import importlib
import logging
import time

from django.conf import settings

log = logging.getLogger(__name__)

_down_until = 0.0


def enqueue(task, *args) -> bool:
    """Queue `task(*args)`; False (and a warning) when the broker cannot take it now."""
    global _down_until
    if time.monotonic() < _down_until:
        log.info("Broker marked down: %s%r left to its sweep.", task.name, args)
        return False
    try:
        task.apply_async(args=list(args), retry=False)
    except Exception:
        _down_until = time.monotonic() + settings.BROKER_BACKOFF_SECONDS
        log.warning("Could not queue %s%r; its sweep will do it.", task.name, args, exc_info=True)
        return False
    return True


def enqueue_by_name(name: str, *args) -> bool:
    """Queue the task at dotted path `name` ("reviews.tasks.offer_next_place"): services name
    the task instead of importing its module, so that task modules (which import services)
    and services import one way."""
    module, _dot, attribute = name.rpartition(".")
    return enqueue(getattr(importlib.import_module(module), attribute), *args)


def broker_marked_down() -> bool:
    return time.monotonic() < _down_until


def forget_broker_failure() -> None:
    global _down_until
    _down_until = 0.0
