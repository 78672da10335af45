"""A real Celery worker (on Redis in CI, on the filesystem broker on a laptop) delivers
the outbox."""

from __future__ import annotations

import pytest
from django.core import mail
from django.db import transaction

from portal.models import OutboundEmail
from portal.services.outbox import email_enqueue
from tests.conftest import wait_until as _wait_until
from tests.conftest import worker_drained


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
    assert worker_drained()  # the duplicate has run as well
    assert [m.subject for m in mail.outbox] == ["한 번만"]
