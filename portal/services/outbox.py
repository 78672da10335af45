"""E-mail goes through an outbox row so that no message is lost when the broker is down."""

from __future__ import annotations

import logging
from datetime import timedelta

from django.conf import settings
from django.core.mail import EmailMessage, EmailMultiAlternatives
from django.db import transaction
from django.utils import timezone

from portal.models import OutboundEmail
from portal.queue import enqueue

log = logging.getLogger(__name__)
MAX_ATTEMPTS = 10


REDACTED = "(일회용 링크·코드가 담긴 메일이라 발송 후 본문을 지웠습니다. The text held a one-time link or code and was removed after delivery.)"


def email_enqueue(
    *, subject: str, body: str, to: list[str], html_body: str = "", from_email: str | None = None, secret: bool = False
) -> OutboundEmail:
    """Store the message and ask Celery to deliver it once the transaction commits. A
    `secret` message (a one-time link or code) loses its text once delivered."""
    email = OutboundEmail.objects.create(
        redact_after_delivery=secret,
        subject=subject[:255],
        body=body,
        html_body=html_body,
        from_email=from_email or settings.DEFAULT_FROM_EMAIL,
        to=list(to),
    )
    transaction.on_commit(lambda: _queue_delivery(email.pk), robust=True)
    return email


def email_enqueue_message(*, message: EmailMessage, secret: bool = False) -> OutboundEmail:
    html = ""
    for content, mimetype in getattr(message, "alternatives", []) or []:
        if mimetype == "text/html":
            html = content
    body = message.body
    if getattr(message, "content_subtype", "plain") == "html" and not html:
        html = body
    return email_enqueue(subject=message.subject, body=body, to=list(message.to), html_body=html, from_email=message.from_email,
                         secret=secret)


def _queue_delivery(email_id: int) -> None:
    from portal.tasks import deliver_email

    enqueue(deliver_email, email_id)  # the broker down: the periodic sweep delivers it later


def email_deliver(*, email_id: int) -> bool:
    """Send one stored message unless it was sent already. Returns whether it was sent now.

    The row lock makes two deliveries of the same message (a retry racing the sweep) send
    it once. A failed attempt is recorded before the error goes up to the caller's retry.
    """
    failure: Exception | None = None
    with transaction.atomic():
        try:
            email = OutboundEmail.objects.select_for_update().get(pk=email_id)
        except OutboundEmail.DoesNotExist:
            return False
        if email.sent_at is not None:
            return False
        message = EmailMultiAlternatives(email.subject, email.body, email.from_email, email.to)
        if email.html_body:
            message.attach_alternative(email.html_body, "text/html")
        email.attempts += 1
        try:
            message.send()
        except Exception as exc:
            failure = exc
            email.last_error = f"{type(exc).__name__}: {exc}"[:2000]
        else:
            email.sent_at = timezone.now()
            email.last_error = ""
            if email.redact_after_delivery:
                email.body, email.html_body = REDACTED, ""
        email.save(update_fields=["attempts", "last_error", "sent_at", "body", "html_body"])
    if failure is not None:
        raise failure
    return True


def pending_email_ids(*, older_than: timedelta = timedelta(minutes=1)) -> list[int]:
    cutoff = timezone.now() - older_than
    return list(
        OutboundEmail.objects.filter(sent_at__isnull=True, created_at__lte=cutoff, attempts__lt=MAX_ATTEMPTS)
        .order_by("created_at")
        .values_list("pk", flat=True)[:500]
    )


def render_bilingual(template_prefix: str, context: dict) -> dict[str, tuple[str, str]]:
    """{language: (subject, body)} from `<prefix>_subject.txt` and `<prefix>_body.txt`,
    each template rendered once per language."""
    from django.template.loader import render_to_string
    from django.utils import translation

    parts = {}
    for language in ("ko", "en"):
        with translation.override(language):
            subject = " ".join(render_to_string(f"{template_prefix}_subject.txt", context).split())
            parts[language] = (subject, render_to_string(f"{template_prefix}_body.txt", context).strip())
    return parts


def bilingual_message(parts: dict[str, tuple[str, str]]) -> tuple[str, str]:
    """(subject, body) of a message in Korean with the English text below it."""
    body = f"{parts['ko'][1]}\n\n────────── English ──────────\n\n{parts['en'][0]}\n\n{parts['en'][1]}\n"
    return f"[지원사업 신청 포털] {parts['ko'][0]}", body


def email_enqueue_bilingual(*, template_prefix: str, context: dict, to: list[str], secret: bool = False) -> OutboundEmail:
    """A message in Korean with the English text below it, from `<prefix>_subject.txt` and
    `<prefix>_body.txt` rendered once in each language."""
    subject, body = bilingual_message(render_bilingual(template_prefix, context))
    return email_enqueue(subject=subject, body=body, to=to, secret=secret)