"""The head log: at each commit that appended to a hash chain (an application's events, the
site audit log), one small file in the anchor store naming the chains' new heads — so that cutting
the newest events is caught before the next sweep (portal/services/anchors.py sweeps, chains the
files and writes the daily checkpoints). Below the audit log and the anchors, which both use it."""

from __future__ import annotations

import datetime
import logging
import secrets
import threading
from collections.abc import Callable
from dataclasses import dataclass

from django.db import transaction
from django.utils import timezone

from portal.cache import breaker_for
from portal.chains import AUDIT_CHAIN
from portal.models import ChainHead
from portal.services.anchor_files import anchor_document, anchor_save

log = logging.getLogger(__name__)

LOG = "log"

# The records whose own hash chains are anchored here, beside the site audit log: the apps
# above register them (applications: each application and its events, applications/apps.py;
# projects: each project and its timeline), so that this module, in the bottom layer, imports
# none of them. The record model has `event_head` and `anchored_head`; the event model
# `<record>_id`, `hash`, `seq`, `created_at`.
@dataclass(frozen=True)
class Chain:
    """One kind of chained record. `key`: where the anchor files list its heads
    ([[pk, digest], …]); `record`: the events' foreign key to the record; `noun`: how the
    check names a record; `verify`: the record's own check, problems in words (manage.py
    verify_events runs it for every record)."""

    key: str
    records: str
    events: str
    record: str
    noun: str
    verify: Callable | None = None

    def record_model(self):
        from django.apps import apps

        return apps.get_model(self.records)

    def event_model(self):
        from django.apps import apps

        return apps.get_model(self.events)


_CHAINS: dict[str, Chain] = {}
APPLICATIONS = "applications"


def register_chain(*, records: str, events: str, key: str = APPLICATIONS, record: str = "application", noun: str = "application",
                   verify: Callable | None = None) -> None:
    _CHAINS[key] = Chain(key=key, records=records, events=events, record=record, noun=noun, verify=verify)


def chains() -> list[Chain]:
    """Every registered chain, the applications' first."""
    return sorted(_CHAINS.values(), key=lambda chain: chain.key != APPLICATIONS)


def chained_records():
    return _CHAINS[APPLICATIONS].record_model()


def chain_events():
    return _CHAINS[APPLICATIONS].event_model()


def heads_write(*, heads: dict[str, list], audit: tuple[int, str] | None, now: datetime.datetime | None = None) -> str:
    """One head log file naming these heads (per chain key); returns its name (its folder and time in UTC)."""
    now = (now or timezone.now()).astimezone(datetime.timezone.utc)
    name = f"{LOG}/{now:%Y/%m/%d}/{now:%H%M%S%f}-{secrets.token_hex(6)}.json.gz"
    return anchor_save(name, anchor_document(audit=audit, now=now, **heads))[0]


_pending = threading.local()


def anchor_on_commit(*, application_id: int | None = None, audit: bool = False, chain: str = APPLICATIONS,
                     record_id: int | None = None) -> None:
    """Write the head of this chain to the head log once the current transaction commits:
    an application's (`application_id`), another registered record's (`chain`, `record_id`),
    the audit log's (`audit`).

    Called for every appended event. The write reads the heads again after the commit, so
    what it anchors is always committed: a chain touched in a savepoint rolled back, or in a
    transaction rolled back whole, is only written again as it stands."""
    if application_id is not None:
        chain, record_id = APPLICATIONS, application_id
    if record_id is not None:
        if not hasattr(_pending, "records"):
            _pending.records = {}
        _pending.records.setdefault(chain, set()).add(record_id)
    if audit:
        _pending.audit = True
    transaction.on_commit(_write_pending)


def _write_pending() -> None:
    # One file per commit: the first callback of the commit writes every chain it touched,
    # the callbacks of its other events find nothing left.
    records, audit = getattr(_pending, "records", {}), getattr(_pending, "audit", False)
    if not any(records.values()) and not audit:
        return
    _pending.records, _pending.audit = {}, False
    # The write happens in the request: a store that hangs would cost every writing request
    # its timeouts. After one failure this process leaves the writes to the sweep for
    # CACHE_BACKOFF_SECONDS (the cache's circuit breaker, one for the store), then tries again.
    breaker = breaker_for(("anchor-store",))
    if not breaker.allows_a_call():
        return
    try:
        heads_write(heads={chain.key: _heads(chain, records.get(chain.key, ())) for chain in chains()},
                    audit=audit_head() if audit else None)
    except Exception:
        breaker.failed()
        log.warning("The chain heads of a commit could not be written to the anchor store; the sweep writes them within a minute.",
                    exc_info=True)
    else:
        breaker.succeeded()


def _heads(chain: Chain, ids) -> list[tuple[int, str]]:
    if not ids:
        return []
    return list(chain.record_model().objects.filter(pk__in=list(ids)).exclude(event_head="").order_by("pk")
                .values_list("pk", "event_head"))


def audit_head() -> tuple[int, str] | None:
    return ChainHead.objects.filter(name=AUDIT_CHAIN).exclude(hash="").values_list("seq", "hash").first()
