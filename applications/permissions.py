from __future__ import annotations

import rules

from portal.permissions import is_admin


@rules.predicate
def is_program_officer(user, obj) -> bool:
    """`obj` is a Program or anything with a `program` attribute (a call, later an application)."""
    if obj is None or not user.is_authenticated:
        return False
    program = getattr(obj, "program", obj)
    cache = user.__dict__.setdefault("_portal_officer_of", {})
    if program.pk not in cache:
        cache[program.pk] = program.officer_links.filter(user=user).exists()
    return cache[program.pk]


rules.add_perm("applications.manage_program", is_program_officer | is_admin)
