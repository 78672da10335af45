"""Leaving the portal (회원 탈퇴): the account is closed and the personal information held
only for it goes at once; what the law requires to be kept stays, naming the person by a
pseudonym (or by the name frozen in it when signed, as an agreement's signature does).

Lock order: the person's row, then the companies they own in id order, then their pending
ownership claims. Two owners of one company leaving at once are serialised on the company's
row, so the second sees that the first is gone and is refused as the last owner; a claim's
approval takes the claimant's row first too (portal/services/claims.py), so it either ends
before the claimant leaves or finds the account closed."""

from __future__ import annotations

import secrets

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import CharField, Exists, OuterRef
from django.db.models.functions import Cast
from django.utils import timezone
from django.utils.translation import gettext as _

from portal import personal_data
from portal.models import (
    Company,
    CompanyInvitation,
    CompanyJoinRequest,
    CompanyMembership,
    Consent,
    DestructionRecord,
    OutboundEmail,
    User,
)
from portal.privacy import CONSENT_ITEMS, VERSION
from portal.roles import forget_roles, roles_changed, roles_of
from portal.services.audit import audit_record
from portal.services.claims import claims_cancel_for_leaving
from portal.services.people import consent_state

LEAVING_JOB = "portal.services.leaving.account_leave"
# The address a closed account keeps (e-mail is the unique login): a reserved domain that can
# never receive mail (RFC 2606), so the person's address is free for a new sign-up.
LEFT_DOMAIN = "left.invalid"


def leaving_obstacles(user: User) -> list[str]:
    """Why the person cannot leave now, one sentence each; empty when they can."""
    reasons: list[str] = []
    roles = roles_of(user)
    if roles.is_officer or roles.is_admin:
        reasons.append(_("An account of the agency (a program officer's or an administrator's) is not closed from this page. "
                         "Ask the system administrator to close it."))
    for company in _companies_only_they_own(user):
        reasons.append(_("You are the only owner of a company, so you cannot leave yet: %(company)s. On the company's page make "
                         "another member an owner, then try again; if nobody else acts for it, invite a colleague first.")
                       % {"company": company.name})
    for holder in personal_data.holders():
        reasons.extend(holder.obstacles(user))
    return reasons


def _companies_only_they_own(user: User) -> list[Company]:
    owner = CompanyMembership.Role.OWNER
    others = CompanyMembership.objects.filter(company=OuterRef("pk"), role=owner).exclude(user=user)
    owned = CompanyMembership.objects.filter(user=user, role=owner).values("company_id")
    return list(Company.objects.filter(pk__in=owned).exclude(Exists(others)).order_by("name"))


@transaction.atomic
def account_leave(*, user_id: int) -> User:
    """Close the account of `user_id` for good, or refuse (ValidationError with every reason,
    nothing changed). What goes at once: the name, e-mail address, phone and position, the
    password and second factors, memberships of companies, open invitations and requests to
    join, in-app notices, e-mails addressed to the person alone, and whatever each app's
    holder forgets (portal/personal_data.py); pending ownership claims are cancelled (their
    documents go with the retention job's next run). What stays: the rows the law keeps, pointing at
    this account under its pseudonym, and the consents, as evidence, until the retention job
    destroys them (RETENTION_CONSENTS_YEARS)."""
    user = User.objects.select_for_update().get(pk=user_id)
    if user.left_at is not None:
        raise ValidationError(_("This account has already been closed."), code="left")
    # The companies the person owns, locked: a co-owner leaving at the same moment waits here.
    list(Company.objects.select_for_update().filter(memberships__user=user, memberships__role=CompanyMembership.Role.OWNER)
         .order_by("pk").values_list("pk", flat=True))
    reasons = leaving_obstacles(user)
    if reasons:
        raise ValidationError(reasons, code="obstacle")

    now = timezone.now()
    address = user.email
    pseudonym = _new_pseudonym()
    for holder in personal_data.holders():
        holder.forget(user, now=now)
    _forget_accounts_own(user, address=address, now=now)

    user.left_at, user.pseudonym = now, pseudonym
    user.email = f"{pseudonym.lower()}@{LEFT_DOMAIN}"
    user.name = user.phone = user.position = ""
    user.is_active = user.is_staff = user.is_superuser = False
    user.last_login = None
    user.set_unusable_password()  # and every session's auth hash with it
    user.save(update_fields=["left_at", "pseudonym", "email", "name", "phone", "position", "is_active", "is_staff", "is_superuser",
                             "last_login", "password"])
    user.groups.clear()
    user.user_permissions.clear()
    roles_changed(user.pk)
    forget_roles(user)

    DestructionRecord.objects.create(
        destroyed_at=now, category="left_account", method=DestructionRecord.Method.ANONYMISED, count=1, job=LEAVING_JOB,
        period=_("until the person leaves"), detail={"pseudonym": pseudonym},
    )
    # Not the person as actor: the audit log's rows keep the account they name, and this one
    # names only the pseudonym.
    audit_record(actor=None, action="account.left", target=user, data={"pseudonym": pseudonym})
    return user


def _new_pseudonym() -> str:
    while True:
        pseudonym = secrets.token_hex(4).upper()
        if not User.objects.filter(pseudonym=pseudonym).exists():
            return pseudonym


def _forget_accounts_own(user: User, *, address: str, now) -> None:
    """The portal's own rows about the person."""
    from allauth.account.models import EmailAddress
    from allauth.mfa.models import Authenticator

    claims_cancel_for_leaving(user=user, now=now)
    CompanyMembership.objects.filter(user=user).delete()
    CompanyJoinRequest.objects.filter(user=user, status=CompanyJoinRequest.Status.PENDING).delete()
    CompanyJoinRequest.objects.filter(user=user).update(message="")
    CompanyInvitation.objects.filter(email__iexact=address, accepted_at__isnull=True).delete()
    CompanyInvitation.objects.filter(accepted_by=user).update(email="")
    EmailAddress.objects.filter(user=user).delete()
    Authenticator.objects.filter(user=user).delete()
    _forget_mail_to(address)
    # Leaving withdraws every consent still given: a new answer, as any withdrawal is.
    Consent.objects.bulk_create([
        Consent(user=user, item=item.key, version=VERSION, granted=False, recorded_at=now)
        for item in CONSENT_ITEMS if consent_state(user, item.key)
    ])


def _forget_mail_to(address: str) -> None:
    """Messages to the person alone are deleted; the person's address leaves the others."""
    address = address.lower()
    candidates = OutboundEmail.objects.annotate(to_text=Cast("to", CharField())).filter(to_text__icontains=address)
    for message in candidates:
        kept = [to for to in message.to if to.lower() != address]
        if not kept:
            message.delete()
        elif kept != message.to:
            OutboundEmail.objects.filter(pk=message.pk).update(to=kept)

