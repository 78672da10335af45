from __future__ import annotations

from typing import Any

from django.db import models

from portal.models import AuditEvent, User


def audit_record(
    *, actor: User | None, action: str, target: models.Model, ip: str | None = None, data: dict[str, Any] | None = None
) -> AuditEvent:
    return AuditEvent.objects.create(
        actor=actor if actor is not None and actor.is_authenticated else None,
        action=action,
        target_type=target._meta.label_lower,
        target_id=str(target.pk),
        ip_address=ip,
        data=data or {},
    )
