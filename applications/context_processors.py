from __future__ import annotations

from applications.models import Notification


def notices(request) -> dict:
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}

    def unread() -> int:

        return Notification.objects.filter(user=user, read_at__isnull=True).count()

    # Counted only when a template shows it.
    return {"unread_notices": unread}
