from __future__ import annotations

from django.contrib.auth.models import AbstractUser, BaseUserManager, _user_has_perm
from django.db import models
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

PORTAL_APPS = {"portal", "applications", "reviews", "projects"}


class UserManager(BaseUserManager["User"]):
    use_in_migrations = True

    def _create_user(self, email: str, password: str | None, **extra: object) -> User:
        if not email:
            raise ValueError("An e-mail address is required.")
        user = self.model(email=self.normalize_email(email).lower(), **extra)
        user.set_password(password)
        user.save(using=self._db)
        return user

    def create_user(self, email: str, password: str | None = None, **extra: object) -> User:
        extra.setdefault("is_staff", False)
        extra.setdefault("is_superuser", False)
        return self._create_user(email, password, **extra)

    def create_superuser(self, email: str, password: str | None = None, **extra: object) -> User:
        extra.setdefault("is_staff", True)
        extra.setdefault("is_superuser", True)
        return self._create_user(email, password, **extra)


class User(AbstractUser):
    """A person. E-mail is the login; no resident registration number is ever collected."""

    username = None
    first_name = None
    last_name = None
    email = models.EmailField(_("e-mail address"), unique=True)
    name = models.CharField(_("name"), max_length=100, blank=True)
    phone = models.CharField(_("phone"), max_length=30, blank=True)
    # The job title shown beside the name when the person signs an agreement for a company.
    position = models.CharField(_("position"), max_length=50, blank=True)
    # Raised whenever a role or an authenticator of the person changes: the roles a session
    # keeps (portal/roles.py) are good only for the version they were read at.
    roles_version = models.PositiveIntegerField(default=0, editable=False)
    # When the person left the portal (회원 탈퇴, portal/services/leaving.py): the account is
    # closed and its personal fields are gone; the records the law keeps (applications,
    # agreements, events) still point at this row and name the person by the pseudonym.
    left_at = models.DateTimeField(_("left the portal"), null=True, blank=True, editable=False)
    pseudonym = models.CharField(_("pseudonym"), max_length=20, blank=True, editable=False)

    USERNAME_FIELD = "email"
    REQUIRED_FIELDS: list[str] = []

    objects = UserManager()

    class Meta:
        verbose_name = _("user")
        verbose_name_plural = _("users")
        constraints = [models.UniqueConstraint(fields=["pseudonym"], condition=~models.Q(pseudonym=""), name="one_account_per_pseudonym")]

    def __str__(self) -> str:
        return self.get_full_name()

    def has_perm(self, perm: str, obj=None) -> bool:
        """The portal's own permissions are decided by its rules for everyone. Django lets
        a superuser through every check; here an admin may not, say, edit a company's
        draft."""
        if perm.split(".", 1)[0] in PORTAL_APPS:
            return self.is_active and _user_has_perm(self, perm, obj)
        return super().has_perm(perm, obj)

    def get_full_name(self) -> str:
        if self.left_at is not None:
            return gettext("Former member %(pseudonym)s") % {"pseudonym": self.pseudonym}
        return self.name or self.email

    def get_short_name(self) -> str:
        return self.get_full_name()
