from __future__ import annotations

import copy

from allauth.account.adapter import DefaultAccountAdapter
from allauth.core import context as allauth_context
from allauth.mfa.adapter import DefaultMFAAdapter
from django.conf import settings
from django.contrib.sites.shortcuts import get_current_site
from django.core.exceptions import ValidationError
from django.utils.translation import gettext, gettext_lazy

from portal import secrets_at_rest
from portal.roles import requires_mfa, roles_of
from portal.services.outbox import email_enqueue_message

EMAIL_MAX_LENGTH = 254


# allauth's "Incorrect code." reads as a bare noun phrase in Korean (올바르지 않은 코드.): a
# sentence that says what to do instead.
INCORRECT_CODE = gettext_lazy("The code is not correct. Enter the latest code again.")


class AccountAdapter(DefaultAccountAdapter):
    error_messages = {**DefaultAccountAdapter.error_messages, "incorrect_code": INCORRECT_CODE}

    def get_login_redirect_url(self, request) -> str:
        """Each person lands on their own desk (unless a `next` page was asked for): officers
        and administrators on the officer desk, reviewers on their assignments, companies'
        people on their applications."""
        from django.urls import reverse


        roles = roles_of(request.user)
        if roles.is_officer or roles.is_admin:
            return reverse("officer_desk")
        if roles.is_reviewer:
            return reverse("reviewer_desk")
        if roles.is_applicant:
            return reverse("application_dashboard")
        return super().get_login_redirect_url(request)

    def clean_email(self, email: str) -> str:
        # allauth would cut a longer address to the column's length without a word.
        if len(email) > EMAIL_MAX_LENGTH:
            raise ValidationError(
                gettext("An e-mail address can have at most %(limit)d characters (this one has %(length)d).")
                % {"limit": EMAIL_MAX_LENGTH, "length": len(email)},
                code="max_length",
            )
        return super().clean_email(email)

    def send_mail(self, template_prefix: str, email: str, context: dict) -> None:
        """Render as allauth does, then hand the message to the outbox instead of SMTP."""
        request = allauth_context.request
        # A copy: the current site is cached for the whole process. Mails name the portal in
        # the reader's language.
        site = copy.copy(get_current_site(request))
        site.name = gettext("Support Program Portal")
        ctx = {"request": request, "email": email, "current_site": site, "site_url": settings.SITE_URL,
               "code_minutes": settings.ACCOUNT_EMAIL_VERIFICATION_BY_CODE_TIMEOUT // 60}
        ctx.update(context)
        # Every account mail carries a code or a one-time link: removed from the outbox once sent.
        email_enqueue_message(message=self.render_mail(template_prefix, email, ctx), secret=True)


class MFAAdapter(DefaultMFAAdapter):
    error_messages = {**DefaultMFAAdapter.error_messages, "incorrect_code": INCORRECT_CODE}

    # TOTP keys and the recovery-code seed are stored encrypted (portal/secrets_at_rest.py).
    def encrypt(self, text: str) -> str:

        return secrets_at_rest.encrypt(text)

    def decrypt(self, encrypted_text: str) -> str:

        return secrets_at_rest.decrypt(encrypted_text)

    def can_delete_authenticator(self, authenticator) -> bool:
        # Staff roles must keep a second factor; they may replace it, not drop it.
        return not requires_mfa(authenticator.user)
