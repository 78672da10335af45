from __future__ import annotations

import logging

from celery import shared_task

from portal.services.outbox import email_deliver, pending_email_ids

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
    """Daily: every chain's head, signed, written outside the database (portal/services/anchors.py)."""
    from portal.services.anchors import anchor_write

    return anchor_write()
