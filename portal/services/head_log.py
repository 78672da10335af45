"""The head log: at each commit that appended to a hash chain (an application's events, the
site audit log), one small file in the anchor store naming the chains' new heads — so that cutting
the newest events is caught before the next sweep (portal/services/anchors.py sweeps, chains the
files and writes the daily checkpoints). Below the audit log and the anchors, which both use it."""

from __future__ import annotations

import datetime
import logging
import secrets
import threading

from django.db import transaction
from django.utils import timezone

from portal.cache import breaker_for
from portal.chains import AUDIT_CHAIN
from portal.models import ChainHead
from portal.services.anchor_files import anchor_document, anchor_save

log = logging.getLogger(__name__)

LOG = "log"

# The records whose own hash chains are anchored here, beside the site audit log: the apps
# above register them (applications: each application and its events, applications/apps.py),
# so that this module, in the bottom layer, imports none of them. The record model has
# `event_head` and `anchored_head`; the event model `application_id`, `hash`, `seq`, `created_at`.
_CHAIN_MODELS: dict[str, str] = {}


def register_chain(*, records: str, events: str) -> None:
    _CHAIN_MODELS.update(records=records, events=events)


def chained_records():
    from django.apps import apps

    return apps.get_model(_CHAIN_MODELS["records"])


def chain_events():
    from django.apps import apps

    return apps.get_model(_CHAIN_MODELS["events"])


def heads_write(*, applications, audit: tuple[int, str] | None, now: datetime.datetime | None = None) -> str:
    """One head log file naming these heads; returns its name (its folder and time in UTC)."""
    now = (now or timezone.now()).astimezone(datetime.timezone.utc)
    name = f"{LOG}/{now:%Y/%m/%d}/{now:%H%M%S%f}-{secrets.token_hex(6)}.json.gz"
    return anchor_save(name, anchor_document(applications=applications, audit=audit, now=now))[0]


_pending = threading.local()


def anchor_on_commit(*, application_id: int | None = None, audit: bool = False) -> None:
    """Write the head of this chain to the head log once the current transaction commits.

    Called for every appended event. The write reads the heads again after the commit, so
    what it anchors is always committed: a chain touched in a savepoint rolled back, or in a
    transaction rolled back whole, is only written again as it stands."""
    if application_id is not None:
        if not hasattr(_pending, "applications"):
            _pending.applications = set()
        _pending.applications.add(application_id)
    if audit:
        _pending.audit = True
    transaction.on_commit(_write_pending)


def _write_pending() -> None:
    # One file per commit: the first callback of the commit writes every chain it touched,
    # the callbacks of its other events find nothing left.
    ids, audit = getattr(_pending, "applications", set()), getattr(_pending, "audit", False)
    if not ids and not audit:
        return
    _pending.applications, _pending.audit = set(), False
    # The write happens in the request: a store that hangs would cost every writing request
    # its timeouts. After one failure this process leaves the writes to the sweep for
    # CACHE_BACKOFF_SECONDS (the cache's circuit breaker, one for the store), then tries again.
    breaker = breaker_for(("anchor-store",))
    if not breaker.allows_a_call():
        return
    try:
        heads_write(applications=_application_heads(ids), audit=audit_head() if audit else None)
    except Exception:
        breaker.failed()
        log.warning("The chain heads of a commit could not be written to the anchor store; the sweep writes them within a minute.",
                    exc_info=True)
    else:
        breaker.succeeded()


def _application_heads(ids) -> list[tuple[int, str]]:
    Application = chained_records()

    return list(Application.objects.filter(pk__in=list(ids)).exclude(event_head="").order_by("pk").values_list("pk", "event_head"))


def audit_head() -> tuple[int, str] | None:
    return ChainHead.objects.filter(name=AUDIT_CHAIN).exclude(hash="").values_list("seq", "hash").first()
