"""A person's own details and consents."""

from __future__ import annotations

from django.db import transaction

from portal.models import Consent, User
from portal.privacy import VERSION


def consent_state(user: User, item: str) -> bool:
    """The person's latest answer to `item` (False if never asked)."""
    latest = Consent.objects.filter(user=user, item=item).order_by("-recorded_at", "-pk").values_list("granted", flat=True).first()
    return bool(latest)


@transaction.atomic
def profile_update(*, user: User, name: str, position: str, phone: str, program_news: bool, ip: str | None = None) -> User:
    """Change the person's name, position and phone; a changed optional consent is recorded as
    a new answer to the current text."""
    from django.utils import timezone


    user.name, user.position, user.phone = name, " ".join(position.split()), phone.strip()
    user.save(update_fields=["name", "position", "phone"])
    if consent_state(user, "program_news") != program_news:
        Consent.objects.create(user=user, item="program_news", version=VERSION, granted=program_news, recorded_at=timezone.now(),
                               ip_address=ip)
    return user
