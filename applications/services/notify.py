"""Telling a company's people about their application: an e-mail through the outbox and an
in-app notice for each member, written in the caller's transaction."""

from __future__ import annotations

from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import translation

from applications.models import Application, Notification
from portal.services.outbox import email_enqueue_bilingual


def notify_members(*, application: Application, template_prefix: str, context: dict | None = None) -> None:
    members = list(application.company.memberships.select_related("user"))
    context = {"application": application, "call": application.call, "company": application.company} | (context or {})
    url = reverse("application_detail", args=[application.pk])
    messages = {}
    for language in ("ko", "en"):
        with translation.override(language):
            messages[language] = " ".join(render_to_string(f"{template_prefix}_subject.txt", context).split())
    Notification.objects.bulk_create(
        Notification(user=m.user, application=application, message_ko=messages["ko"], message_en=messages["en"], url=url)
        for m in members
    )
    email_enqueue_bilingual(template_prefix=template_prefix, context=context, to=[m.user.email for m in members])


def notifications_mark_read(*, user) -> int:
    """The person has seen their notices (a POST from the notices page; reading is not a write)."""
    from django.utils import timezone

    return Notification.objects.filter(user=user, read_at__isnull=True).update(read_at=timezone.now())
