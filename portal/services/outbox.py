"""E-mail goes through an outbox row so that no message is lost when the broker is down."""

from __future__ import annotations

import logging
from datetime import timedelta
from email.utils import format_datetime

from django.conf import settings
from django.core.mail import EmailMessage, EmailMultiAlternatives
from django.db import transaction
from django.utils import timezone

from portal.models import OutboundEmail
from portal.queue import enqueue_by_name

log = logging.getLogger(__name__)
MAX_ATTEMPTS = 10


REDACTED = "(일회용 링크·코드가 담긴 메일이라 발송 후 본문을 지웠습니다. The text held a one-time link or code and was removed after delivery.)"


def email_enqueue(
    *, subject: str, body: str, to: list[str], html_body: str = "", from_email: str | None = None, secret: bool = False,
    reply_to: list[str] | None = None,
) -> OutboundEmail:
    """Store the message and ask Celery to deliver it once the transaction commits. A
    `secret` message (a one-time link or code) loses its text once delivered. `reply_to`:
    who answers a reply (the program's contact), not the no-reply sender."""
    email = OutboundEmail.objects.create(
        redact_after_delivery=secret,
        subject=subject[:255],
        body=body,
        html_body=html_body,
        from_email=from_email or settings.DEFAULT_FROM_EMAIL,
        to=list(to),
        reply_to=[address for address in reply_to or [] if address],
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
    enqueue_by_name("portal.tasks.deliver_email", email_id)  # the broker down: the periodic sweep delivers it later


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
        # Date: when the change was written, in KST as the text's times are (a delivery that
        # waited for SMTP keeps the time the message speaks of).
        message = EmailMultiAlternatives(email.subject, email.body, email.from_email, email.to, reply_to=email.reply_to or None,
                                         headers={"Date": format_datetime(timezone.localtime(email.created_at))})
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


# The language a mail is written in. People have no language preference on their account
# yet, so every mail reads in Korean only; the in-app notices keep both languages.
MAIL_LANGUAGE = "ko"
SUBJECT_PREFIX = {"ko": "[지원사업 신청 포털]", "en": "[Support Program Portal]"}


def mail_text(parts: dict[str, tuple[str, str]], language: str = MAIL_LANGUAGE) -> tuple[str, str]:
    """(subject, body) of a message in the reader's language only, no second language below."""
    subject, body = parts[language]
    return f"{SUBJECT_PREFIX[language]} {subject}", f"{body}\n"


def email_enqueue_rendered(
    *, template_prefix: str, context: dict, to: list[str], secret: bool = False, reply_to: list[str] | None = None
) -> OutboundEmail:
    """A message in the reader's language from `<prefix>_subject.txt` and `<prefix>_body.txt`."""
    from django.template.loader import render_to_string
    from django.utils import translation

    with translation.override(MAIL_LANGUAGE):
        subject = " ".join(render_to_string(f"{template_prefix}_subject.txt", context).split())
        body = render_to_string(f"{template_prefix}_body.txt", context).strip()
    subject, body = mail_text({MAIL_LANGUAGE: (subject, body)})
    return email_enqueue(subject=subject, body=body, to=to, secret=secret, reply_to=reply_to)