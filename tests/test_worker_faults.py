"""The Celery worker is killed while rendering an agreement: the task comes back to another
worker and exactly one PDF results."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from django.conf import settings

from applications import lifecycle
from applications.models import AgreementVersion
from benchmarks.gunicorn_server import ROOT, database_url
from tests.conftest import wait_until

pytestmark = [pytest.mark.postgres, pytest.mark.redis, pytest.mark.django_db(transaction=True)]


def start_worker(env) -> subprocess.Popen:
    return subprocess.Popen(
        [sys.executable, "-m", "tests.slow_render_worker", "worker", "--pool=prefork", "--concurrency=1", "--loglevel=WARNING",
         "--without-heartbeat", "--without-gossip", "--without-mingle"],
        cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True,
    )


def unacked_older_than(seconds: float) -> bool:
    """The broker holds a delivered, unacknowledged task older than `seconds` (kombu's index)."""
    import redis

    broker = redis.Redis.from_url(settings.CELERY_BROKER_URL)
    return broker.zcount("unacked_index", 0, time.time() - seconds) > 0


def render_in_progress() -> bool:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(*) FROM pg_locks l JOIN pg_class c ON l.relation = c.oid "
            "WHERE c.relname = 'applications_agreementversion' AND l.mode = 'RowShareLock' AND l.pid <> pg_backend_pid()"
        )
        return cursor.fetchone()[0] > 0


def test_a_worker_killed_mid_render_leaves_the_task_to_the_next_worker(selected, olivia, signing_cert):
    from portal.celery import app

    app.control.purge()
    env = {**os.environ, "DATABASE_URL": database_url(), "MEDIA_ROOT": str(settings.MEDIA_ROOT), "PORTAL_VAR_DIR": str(settings.VAR_DIR),
           "SECRET_KEY": settings.SECRET_KEY, "AGREEMENT_SIGNING_KEY": settings.AGREEMENT_SIGNING_KEY,
           "AGREEMENT_SIGNING_CERT": settings.AGREEMENT_SIGNING_CERT, "CELERY_VISIBILITY_TIMEOUT": "5",
           "TEST_RENDER_HOLD": "1"}
    first = start_worker(env)
    try:
        agreement = lifecycle.agreement_start(user=olivia, application_id=selected.pk)  # queues the render on commit
        version = agreement.current_version()
        # Kill it while it is inside the render: its transaction holds the version's row lock.
        assert wait_until(lambda: render_in_progress(), timeout=30)
        os.killpg(first.pid, signal.SIGKILL)
        first.wait(timeout=10)
        assert AgreementVersion.objects.get(pk=version.pk).render_status == "pending"
    finally:
        if first.poll() is None:
            os.killpg(first.pid, signal.SIGKILL)
    env["TEST_RENDER_HOLD"] = "0"
    # The unacknowledged task is due again once the visibility timeout (5 s) has passed.
    assert wait_until(lambda: unacked_older_than(5), timeout=30)
    second = start_worker(env)
    try:
        assert wait_until(lambda: AgreementVersion.objects.get(pk=version.pk).render_status == "done", timeout=90)
    finally:
        os.killpg(second.pid, signal.SIGTERM)
        second.wait(timeout=30)
    version.refresh_from_db()
    folder = Path(version.pdf.storage.path(version.pdf.name)).parent
    assert [p.name for p in folder.iterdir()] == [Path(version.pdf.name).name]
    assert version.render_attempts == 1  # the killed attempt's transaction never committed
