from __future__ import annotations

import logging

from celery import shared_task

log = logging.getLogger(__name__)


@shared_task(bind=True, max_retries=3, default_retry_delay=10)
def build_export(self, export_id: int) -> None:
    from applications.services.exports import export_build, export_fail

    try:
        export_build(export_id=export_id)
    except Exception as exc:
        if self.request.retries >= self.max_retries:
            export_fail(export_id=export_id, error=f"{type(exc).__name__}: {exc}")
            raise
        raise self.retry(exc=exc, countdown=10 * (2**self.request.retries))


@shared_task
def sweep_overdue_revisions() -> int:
    from applications.services.workflow import revision_sweep

    return revision_sweep()
