"""Which roles a person holds, read once per request (one query) and kept on the user."""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import Exists, OuterRef


@dataclass(frozen=True)
class Roles:
    is_applicant: bool = False
    is_reviewer: bool = False
    is_officer: bool = False
    is_admin: bool = False

    @property
    def is_staff_role(self) -> bool:
        return self.is_reviewer or self.is_officer or self.is_admin


_ANONYMOUS = Roles()


def roles_of(user) -> Roles:
    if user is None or not user.is_authenticated or not user.is_active:
        return _ANONYMOUS
    cached = getattr(user, "_portal_roles", None)
    if cached is not None:
        return cached
    from applications.models import ProgramOfficer
    from portal.models import CompanyMembership, User
    from reviews.models import ReviewerProfile

    flags = (
        User.objects.filter(pk=user.pk)
        .annotate(
            _member=Exists(CompanyMembership.objects.filter(user=OuterRef("pk"))),
            _reviewer=Exists(ReviewerProfile.objects.filter(user=OuterRef("pk"), is_active=True)),
            _officer=Exists(ProgramOfficer.objects.filter(user=OuterRef("pk"))),
        )
        .values("_member", "_reviewer", "_officer")
        .first()
    ) or {}
    roles = Roles(
        is_applicant=bool(flags.get("_member")),
        is_reviewer=bool(flags.get("_reviewer")),
        is_officer=bool(flags.get("_officer")),
        is_admin=bool(user.is_superuser or user.is_staff),
    )
    user._portal_roles = roles
    return roles


def forget_roles(user) -> None:
    if hasattr(user, "_portal_roles"):
        del user._portal_roles


def requires_mfa(user) -> bool:
    return roles_of(user).is_staff_role


def has_mfa(user) -> bool:
    from allauth.mfa.models import Authenticator

    return Authenticator.objects.filter(user=user, type=Authenticator.Type.TOTP).exists()
