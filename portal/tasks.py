from __future__ import annotations

import logging

from celery import shared_task

from portal.services.anchors import anchor_write, heads_sweep
from portal.services.outbox import email_deliver, pending_email_ids
from portal.services.retention import retention_run

log = logging.getLogger(__name__)


@shared_task(bind=True, max_retries=5, default_retry_delay=30)
def deliver_email(self, email_id: int) -> bool:
    try:
        return email_deliver(email_id=email_id)
    except Exception as exc:
        raise self.retry(exc=exc, countdown=30 * (2**self.request.retries))


@shared_task
def redeliver_pending_email() -> int:
    """Periodic: deliver messages whose queueing was missed (broker down at commit time)."""
    sent = 0
    for email_id in pending_email_ids():
        try:
            sent += int(email_deliver(email_id=email_id))
        except Exception:
            log.warning("Delivery of e-mail %s failed again.", email_id, exc_info=True)
    return sent


HEARTBEAT_KEY = "portal:worker-heartbeat"


@shared_task
def heartbeat() -> str:
    """Periodic: proves a worker is consuming the queue (read by /healthz/worker)."""
    from django.core.cache import cache
    from django.utils import timezone

    now = timezone.now().isoformat()
    cache.set(HEARTBEAT_KEY, now, timeout=None)
    return now


@shared_task
def anchor_chains() -> str:
    """Daily: a checkpoint of every chain's head, signed, written outside the database
    (portal/services/anchors.py). Fails, and says why in the log, when something anchored
    since the previous checkpoint is gone."""

    return anchor_write()


@shared_task
def anchor_heads() -> str | None:
    """Every minute: the next file of the chain of sweep files, naming every head no sweep wrote
    yet (so also those the head log written on commit missed), and one every five minutes when
    nothing changed, so that a chain ending long ago means files were deleted
    (portal/services/anchor_chain.py)."""

    return heads_sweep()


@shared_task(bind=True)
def destroy_expired_personal_data(self) -> int:
    """Daily: what has outlived its retention period is destroyed or anonymised, each
    destruction recorded (portal/retention.py); returns how many records went."""
    import uuid


    run = getattr(self.request, "id", None) or uuid.uuid4().hex
    return sum(record.count for record in retention_run(job=self.name, run=run))
