"""Registering companies and managing who acts for them."""

from __future__ import annotations

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from portal.models import Company, CompanyInvitation, CompanyJoinRequest, CompanyMembership, User
from portal.roles import forget_roles
from portal.services.audit import audit_record, masked_address
from portal.services.outbox import email_enqueue_rendered


class DuplicateCompany(Exception):
    """The business registration number is registered already."""

    def __init__(self, company: Company) -> None:
        super().__init__(company.business_number)
        self.company = company


@transaction.atomic
def company_register(*, user: User, data: dict, ip: str | None = None) -> Company:
    """Create the company with `user` as its owner.

    The unique constraint on the business number decides between two people registering
    the same company at once; the loser gets DuplicateCompany, not an error page.
    """
    existing = Company.objects.filter(business_number=data["business_number"]).first()
    if existing is not None:
        raise DuplicateCompany(existing)
    try:
        with transaction.atomic():
            company = Company.objects.create(**data)
    except IntegrityError:
        raise DuplicateCompany(Company.objects.get(business_number=data["business_number"])) from None
    CompanyMembership.objects.create(company=company, user=user, role=CompanyMembership.Role.OWNER, can_sign=True)
    forget_roles(user)
    audit_record(actor=user, action="company.registered", target=company, ip=ip, data={"business_number": company.business_number})
    return company


@transaction.atomic
def company_update(*, user: User, company: Company, data: dict, ip: str | None = None) -> Company:
    changed = {}
    for field, value in data.items():
        if getattr(company, field) != value:
            changed[field] = str(value)
            setattr(company, field, value)
    if changed:
        company.save()
        audit_record(actor=user, action="company.updated", target=company, ip=ip, data={"changed": sorted(changed)})
    return company


@transaction.atomic
def invitation_create(*, user: User, company: Company, email: str, ip: str | None = None) -> CompanyInvitation:
    email = email.strip().lower()
    if CompanyMembership.objects.filter(company=company, user__email__iexact=email).exists():
        raise ValidationError(_("This person is already a member of the company."), code="already_member")
    # A fresh invitation replaces an earlier open one for the same address.
    CompanyInvitation.objects.filter(company=company, email__iexact=email, accepted_at__isnull=True).delete()
    invitation = CompanyInvitation.objects.create(company=company, email=email, invited_by=user)
    accept_url = settings.SITE_URL + reverse("invitation_accept", args=[invitation.token])
    context = {"company": company, "inviter": user, "accept_url": accept_url, "invitation": invitation}
    email_enqueue_rendered(template_prefix="companies/email/invitation", context=context, to=[email], secret=True)
    # The invitation's row holds the address while it is kept; the log only the masked form,
    # and the account if the person already has one.
    invited = User.objects.filter(email__iexact=email, left_at__isnull=True).values_list("pk", flat=True).first()
    audit_record(actor=user, action="company.invited", target=company, ip=ip,
                 data={"invitation": invitation.pk, "invitee": masked_address(email), **({"user": invited} if invited else {})})
    return invitation


@transaction.atomic
def invitation_accept(*, user: User, token: str, ip: str | None = None) -> Company:
    invitation = CompanyInvitation.objects.select_for_update().filter(token=token).select_related("company").first()
    if invitation is None or invitation.accepted_at is not None:
        raise ValidationError(_("This invitation has already been used or does not exist."), code="used")
    if invitation.is_expired:
        raise ValidationError(_("This invitation has expired. Ask the company's owner to send a new one."), code="expired")
    if invitation.email.lower() != user.email.lower():
        raise PermissionDenied(_("This invitation was sent to another e-mail address."))
    CompanyMembership.objects.get_or_create(company=invitation.company, user=user)
    invitation.accepted_at = timezone.now()
    invitation.accepted_by = user
    invitation.save(update_fields=["accepted_at", "accepted_by"])
    forget_roles(user)
    audit_record(actor=user, action="company.invitation_accepted", target=invitation.company, ip=ip)
    return invitation.company


@transaction.atomic
def join_request_create(*, user: User, company: Company, message: str, ip: str | None = None) -> CompanyJoinRequest:
    if CompanyMembership.objects.filter(company=company, user=user).exists():
        raise ValidationError(_("You are already a member of this company."), code="already_member")
    join_request, created = CompanyJoinRequest.objects.get_or_create(
        company=company, user=user, status=CompanyJoinRequest.Status.PENDING, defaults={"message": message}
    )
    if created:
        owners = list(
            company.memberships.filter(role=CompanyMembership.Role.OWNER).values_list("user__email", flat=True)
        )
        if owners:
            email_enqueue_rendered(
                template_prefix="companies/email/join_request",
                context={
                    "company": company,
                    "requester": user,
                    "message": message,
                    "company_url": settings.SITE_URL + reverse("company_detail", args=[company.pk]),
                },
                to=owners,
            )
        audit_record(actor=user, action="company.join_requested", target=company, ip=ip)
    return join_request


@transaction.atomic
def join_request_decide(*, user: User, join_request_id: int, company: Company, approve: bool, ip: str | None = None) -> CompanyJoinRequest:
    join_request = (
        CompanyJoinRequest.objects.select_for_update()
        .filter(pk=join_request_id, company=company, status=CompanyJoinRequest.Status.PENDING)
        .select_related("user")
        .first()
    )
    if join_request is None:
        raise ValidationError(_("This request has already been decided."), code="decided")
    join_request.status = CompanyJoinRequest.Status.APPROVED if approve else CompanyJoinRequest.Status.DECLINED
    join_request.decided_at = timezone.now()
    join_request.decided_by = user
    join_request.save(update_fields=["status", "decided_at", "decided_by"])
    if approve:
        CompanyMembership.objects.get_or_create(company=company, user=join_request.user)
    email_enqueue_rendered(
        template_prefix="companies/email/join_decision",
        context={"company": company, "approved": approve},
        to=[join_request.user.email],
    )
    audit_record(
        actor=user, action="company.join_approved" if approve else "company.join_declined", target=company, ip=ip,
        data={"user": join_request.user_id},
    )
    return join_request


@transaction.atomic
def membership_make_owner(*, user: User, company: Company, membership_id: int, ip: str | None = None) -> CompanyMembership:
    """An owner makes another member an owner too (a company may have several): so that the
    company keeps an owner when this one leaves the portal."""
    membership = CompanyMembership.objects.select_for_update().filter(pk=membership_id, company=company).select_related("user").first()
    if membership is None:
        raise ValidationError(_("This person no longer acts for the company."), code="gone")
    if membership.role == CompanyMembership.Role.OWNER:
        raise ValidationError(_("This person is already an owner of the company."), code="already_owner")
    membership.role = CompanyMembership.Role.OWNER
    membership.save(update_fields=["role"])
    forget_roles(membership.user)
    audit_record(actor=user, action="company.owner_appointed", target=company, ip=ip, data={"membership": membership.pk})
    return membership
