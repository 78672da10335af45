"""Which roles a person holds, read in one query and kept on the user for the request — and
in the session for up to SESSION_SECONDS, as long as the person's `roles_version` (on the user
row the request loads anyway) has not moved: a role or authenticator added or removed raises
it (signals below), so a change counts from the next request, not after the lifetime."""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import Exists, OuterRef

from portal.models import User


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


# The rows that give a person a role, by the Roles flag they set: the model (by its label) and
# the filter its rows must pass. Company membership is this app's; the apps above register
# theirs in their ready() (applications: officers; reviews: reviewers), so portal, the bottom
# layer, imports neither.
ROLE_SOURCES: dict[str, tuple[str, dict]] = {"is_applicant": ("portal.CompanyMembership", {})}


def register_role(flag: str, model_label: str, **filters) -> None:
    """From an app's ready(): rows of `model_label` passing `filters` give their user `flag`."""
    ROLE_SOURCES[flag] = (model_label, filters)
    _watch(model_label)


def roles_of(user) -> Roles:
    if user is None or not user.is_authenticated or not user.is_active:
        return _ANONYMOUS
    cached = getattr(user, "_portal_roles", None)
    if cached is not None:
        return cached
    from django.apps import apps


    flags = (
        User.objects.filter(pk=user.pk)
        .annotate(**{flag: Exists(apps.get_model(label).objects.filter(user=OuterRef("pk"), **filters))
                     for flag, (label, filters) in ROLE_SOURCES.items()})
        .values(*ROLE_SOURCES)
        .first()
    ) or {}
    roles = Roles(**{flag: bool(flags.get(flag)) for flag in ROLE_SOURCES}, is_admin=bool(user.is_superuser or user.is_staff))
    user._portal_roles = roles
    return roles


def forget_roles(user) -> None:
    """Drop this request's copy; the sessions' copies follow roles_version (the signals below)."""
    for attribute in ("_portal_roles", "_portal_mfa"):
        if hasattr(user, attribute):
            delattr(user, attribute)


def requires_mfa(user) -> bool:
    return roles_of(user).is_staff_role


def has_mfa(user) -> bool:
    cached = getattr(user, "_portal_mfa", None)
    if cached is not None:
        return cached
    from allauth.mfa.models import Authenticator

    user._portal_mfa = Authenticator.objects.filter(user=user, type=Authenticator.Type.TOTP).exists()
    return user._portal_mfa


SESSION_KEY = "_portal_roles"
SESSION_SECONDS = 300


def roles_changed(user_id: int) -> None:
    """The person's roles or authenticators changed: every session of theirs reads them again."""
    from django.db.models import F


    User.objects.filter(pk=user_id).update(roles_version=F("roles_version") + 1)


def _on_link_change(sender, instance, **kwargs) -> None:
    if getattr(instance, "user_id", None):
        roles_changed(instance.user_id)


def _watch(label: str) -> None:
    from django.apps import apps
    from django.db.models.signals import post_delete, post_save

    model = apps.get_model(label)
    post_save.connect(_on_link_change, sender=model, dispatch_uid=f"roles-{label}-save")
    post_delete.connect(_on_link_change, sender=model, dispatch_uid=f"roles-{label}-delete")


def connect() -> None:
    """Roles change with their rows (this app's; register_role watches the others') and with
    the person's authenticators."""
    for label in [*(label for label, _filters in ROLE_SOURCES.values()), "mfa.Authenticator"]:
        _watch(label)


class SessionRolesMiddleware:
    """Keeps the roles and the MFA flag in the session (see the module's docstring); after
    AuthenticationMiddleware, before anything that asks for roles."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        import time

        session = getattr(request, "session", None)
        user = getattr(request, "user", None)
        if session is None or session.session_key is None or user is None or not user.is_authenticated:
            return self.get_response(request)
        now = int(time.time())
        kept = session.get(SESSION_KEY)
        fresh = (isinstance(kept, dict) and kept.get("user") == user.pk and kept.get("version") == user.roles_version
                 and 0 <= now - kept.get("at", 0) < SESSION_SECONDS and user.is_active)
        if fresh:
            user._portal_roles = Roles(is_applicant=kept["applicant"], is_reviewer=kept["reviewer"], is_officer=kept["officer"],
                                       is_admin=bool(user.is_superuser or user.is_staff))
            if kept.get("mfa") is not None:
                user._portal_mfa = kept["mfa"]
        response = self.get_response(request)
        roles = getattr(user, "_portal_roles", None)
        if roles is not None and not fresh and getattr(request, "session", None) is session and session.session_key:
            session[SESSION_KEY] = {"user": user.pk, "version": user.roles_version, "at": now, "applicant": roles.is_applicant,
                                    "reviewer": roles.is_reviewer, "officer": roles.is_officer,
                                    "mfa": getattr(user, "_portal_mfa", None)}
        return response
