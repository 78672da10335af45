"""Telling a company's people about their application: an e-mail through the outbox and an
in-app notice for each member, written in the caller's transaction."""

from __future__ import annotations

from django.urls import reverse

from applications.models import Application, Notification
from portal.services.outbox import email_enqueue, mail_text, render_bilingual


class Notice:
    """A notice to a company's people, rendered (each template once per language) and not yet
    written: the submission renders it before it takes the call's receipt counter, and
    writes it under the counter's lock with the receipt number put in (`send(replace=…)`)."""

    def __init__(self, *, application: Application, template_prefix: str, context: dict | None = None, url: str = "") -> None:
        self.application = application
        self.url = url or reverse("application_detail", args=[application.pk])
        self.members = list(application.company.memberships.select_related("user"))
        from django.conf import settings

        context = {"application": application, "call": application.call, "company": application.company,
                   "site_url": settings.SITE_URL} | (context or {})
        self.parts = render_bilingual(template_prefix, context)

    def send(self, *, replace: dict[str, str] | None = None) -> None:
        parts = self.parts
        for old, new in (replace or {}).items():
            parts = {language: (subject.replace(old, new), body.replace(old, new)) for language, (subject, body) in parts.items()}
        Notification.objects.bulk_create(
            Notification(user=m.user, application=self.application, message_ko=parts["ko"][0], message_en=parts["en"][0], url=self.url)
            for m in self.members
        )
        subject, body = mail_text(parts)
        email_enqueue(subject=subject, body=body, to=[m.user.email for m in self.members], reply_to=[self.application.call.contact_email])


def notify_members(*, application: Application, template_prefix: str, context: dict | None = None, url: str = "") -> None:
    """An e-mail through the outbox and an in-app notice for each member, in the caller's
    transaction. `url`: where the notice leads (the application's page unless given)."""
    Notice(application=application, template_prefix=template_prefix, context=context, url=url).send()


def notifications_mark_read(*, user) -> int:
    """The person has seen their notices (a POST from the notices page; reading is not a write)."""
    from django.utils import timezone

    return Notification.objects.filter(user=user, read_at__isnull=True).update(read_at=timezone.now())
