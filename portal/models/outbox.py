from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class OutboundEmail(models.Model):
    """An e-mail written in the same transaction as the change it reports.

    Celery delivers it after commit; a periodic job delivers what the broker missed, so a
    broker that is down never loses a message.
    """

    created_at = models.DateTimeField(_("written"), auto_now_add=True, db_index=True)
    subject = models.CharField(_("subject"), max_length=255)
    body = models.TextField(_("text"))
    html_body = models.TextField(_("HTML text"), blank=True)
    from_email = models.CharField(_("sender"), max_length=255)
    to = models.JSONField(_("recipients"))
    reply_to = models.JSONField(_("reply to"), default=list, blank=True)
    sent_at = models.DateTimeField(_("sent"), null=True, blank=True)
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    last_error = models.TextField(_("last error"), blank=True)
    # Messages that carry a one-time link or code (sign-up and sign-in codes, password reset,
    # invitations): their text is removed once delivered, so that neither the admin nor a
    # backup holds a live secret.
    redact_after_delivery = models.BooleanField(_("text removed once delivered"), default=False)

    class Meta:
        verbose_name = _("outgoing e-mail")
        verbose_name_plural = _("outgoing e-mails")
        indexes = [models.Index(fields=["sent_at", "created_at"], name="outbox_pending_idx")]

    def __str__(self) -> str:
        return self.subject
