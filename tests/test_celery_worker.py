"""A real Celery worker (on Redis in CI, on the filesystem broker on a laptop) delivers
the outbox."""

from __future__ import annotations

import time

import pytest
from celery.contrib.testing.worker import start_worker
from django.core import mail
from django.db import transaction

from portal.celery import app
from portal.models import OutboundEmail
from portal.services.outbox import email_enqueue


@pytest.fixture
def celery_worker(settings):
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    app.control.purge()
    with start_worker(app, pool="solo", concurrency=1, perform_ping_check=False, shutdown_timeout=30) as worker:
        yield worker


def _wait_until(condition, timeout: float = 20.0) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.1)
    return False


@pytest.mark.redis
@pytest.mark.django_db(transaction=True)
def test_worker_on_redis_delivers_an_email_queued_after_commit(celery_worker, settings):
    assert settings.CELERY_BROKER_URL.startswith("redis://")
    with transaction.atomic():
        email = email_enqueue(subject="Celery 작업 시험", body="본문", to=["worker@example.com"])
    assert _wait_until(lambda: OutboundEmail.objects.filter(pk=email.pk, sent_at__isnull=False).exists())
    assert [m.subject for m in mail.outbox] == ["Celery 작업 시험"]


@pytest.mark.django_db(transaction=True)
def test_worker_on_the_configured_broker_delivers_each_message_once(celery_worker):
    from portal.tasks import deliver_email

    with transaction.atomic():
        email = email_enqueue(subject="한 번만", body="본문", to=["once@example.com"])
    # A duplicate delivery (a retry racing the first) must not send twice.
    deliver_email.delay(email.pk)
    assert _wait_until(lambda: OutboundEmail.objects.filter(pk=email.pk, sent_at__isnull=False).exists())
    time.sleep(0.5)
    assert [m.subject for m in mail.outbox] == ["한 번만"]
