from __future__ import annotations

import logging

from celery import shared_task

from applications.lifecycle import agreement_execute, revision_sweep
from applications.models import Agreement, AgreementState, AgreementVersion, ApplicationCopy
from applications.services.agreements import render_failed, render_version
from applications.services.copies import copy_failed, copy_render
from applications.services.exports import export_build, export_fail

log = logging.getLogger(__name__)


@shared_task(bind=True, max_retries=3, default_retry_delay=10)
def build_export(self, export_id: int) -> None:

    try:
        export_build(export_id=export_id)
    except Exception as exc:
        if self.request.retries >= self.max_retries:
            export_fail(export_id=export_id, error=f"{type(exc).__name__}: {exc}")
            raise
        raise self.retry(exc=exc, countdown=10 * (2**self.request.retries))


@shared_task
def sweep_overdue_revisions() -> int:

    return revision_sweep()


@shared_task(bind=True, max_retries=4, default_retry_delay=5, acks_late=True)
def render_agreement(self, version_id: int) -> None:

    try:
        render_version(version_id=version_id)
    except Exception as exc:
        if self.request.retries >= self.max_retries:
            render_failed(version_id=version_id, error=f"{type(exc).__name__}: {exc}")
            raise
        raise self.retry(exc=exc, countdown=5 * (2**self.request.retries))


@shared_task(bind=True, max_retries=4, default_retry_delay=5, acks_late=True)
def render_copy(self, copy_id: int) -> None:
    """The applicant's PDF copy of their application (applications/services/copies.py)."""

    try:
        copy_render(copy_id=copy_id)
    except Exception as exc:
        if self.request.retries >= self.max_retries:
            copy_failed(copy_id=copy_id, error=f"{type(exc).__name__}: {exc}")
            raise
        raise self.retry(exc=exc, countdown=5 * (2**self.request.retries))


@shared_task(bind=True, max_retries=4, default_retry_delay=10, acks_late=True)
def execute_agreement(self, agreement_id: int) -> None:

    try:
        agreement_execute(agreement_id=agreement_id)
    except Exception as exc:
        if self.request.retries >= self.max_retries:
            Agreement.objects.filter(pk=agreement_id).update(execute_error=f"{type(exc).__name__}: {exc}"[:2000])
            raise
        raise self.retry(exc=exc, countdown=10 * (2**self.request.retries))


@shared_task
def render_pending_agreements() -> int:
    """Periodic: render versions (and applicants' copies) whose task the broker missed, and
    execute countersigned agreements that are not executed yet."""
    from datetime import timedelta

    from django.utils import timezone


    cutoff = timezone.now() - timedelta(minutes=2)
    pending = AgreementVersion.objects.filter(render_status=AgreementVersion.Render.PENDING, superseded_at__isnull=True, created_at__lte=cutoff)
    for version_id in pending.values_list("pk", flat=True):
        render_agreement.delay(version_id)
    for agreement_id in Agreement.objects.filter(state=AgreementState.COUNTERSIGNED).values_list("pk", flat=True):
        execute_agreement.delay(agreement_id)
    for copy_id in ApplicationCopy.objects.filter(status=ApplicationCopy.Status.PENDING, created_at__lte=cutoff).values_list("pk", flat=True):
        render_copy.delay(copy_id)
    return pending.count()
