"""E-mail goes through the outbox: a broker that is down loses nothing, and a message is
sent once however many times delivery runs."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core import mail
from django.db import transaction
from django.utils import timezone

from portal.models import OutboundEmail
from portal.services import outbox
from portal.tasks import redeliver_pending_email

pytestmark = pytest.mark.django_db


def test_delivering_twice_sends_once():
    email = outbox.email_enqueue(subject="제목", body="본문", to=["a@example.com"])
    assert outbox.email_deliver(email_id=email.pk) is True
    assert outbox.email_deliver(email_id=email.pk) is False
    assert len(mail.outbox) == 1
    email.refresh_from_db()
    assert email.sent_at is not None and email.attempts == 1


def test_broker_down_keeps_the_message_and_the_sweep_sends_it(monkeypatch, django_capture_on_commit_callbacks):
    def broker_down(*args, **kwargs):
        raise ConnectionError("broker unreachable")

    monkeypatch.setattr("portal.tasks.deliver_email.apply_async", broker_down)
    with django_capture_on_commit_callbacks(execute=True):
        with transaction.atomic():
            email = outbox.email_enqueue(subject="접수 완료", body="본문", to=["a@example.com"])
    # The caller's transaction committed and nothing was sent.
    assert OutboundEmail.objects.filter(pk=email.pk, sent_at__isnull=True).exists()
    assert mail.outbox == []

    OutboundEmail.objects.filter(pk=email.pk).update(created_at=timezone.now() - timedelta(minutes=2))
    assert redeliver_pending_email() == 1
    assert redeliver_pending_email() == 0
    assert len(mail.outbox) == 1


def test_failed_send_is_recorded_and_retried_later(monkeypatch):
    email = outbox.email_enqueue(subject="제목", body="본문", to=["a@example.com"])

    def smtp_down(self, *args, **kwargs):
        raise OSError("SMTP unreachable")

    monkeypatch.setattr("django.core.mail.EmailMessage.send", smtp_down)
    with pytest.raises(OSError):
        outbox.email_deliver(email_id=email.pk)
    email.refresh_from_db()
    assert email.sent_at is None and email.attempts == 1 and "SMTP unreachable" in email.last_error
    monkeypatch.undo()
    assert outbox.email_deliver(email_id=email.pk) is True


def test_a_mail_reads_in_korean_only_with_no_english_half(alice, acme):
    email = outbox.email_enqueue_rendered(
        template_prefix="companies/email/join_decision", context={"company": acme, "approved": True}, to=["a@example.com"]
    )
    assert email.subject.startswith("[지원사업 신청 포털]")
    assert email.body.startswith(f"{acme.name} 기업의 대표 관리자가 요청을 승인했습니다.")
    assert "English" not in email.body and "approved" not in email.body