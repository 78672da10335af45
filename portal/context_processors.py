from __future__ import annotations

from portal.roles import roles_of


def roles(request) -> dict:
    return {"roles": roles_of(getattr(request, "user", None))}
