"""The audit log: one keyed hash chain over every recorded action (portal/chains.py).

The log outlives the people it names: its rows are chained and anchored, so nothing rewrites
them when a person leaves or a retention period ends. It therefore names people by their
account id (whose row leaving anonymises), never by an e-mail address; an address that
reaches it anyway is kept masked (docs/personal-data.md, "The audit log")."""

from __future__ import annotations

import re
from typing import Any

from django.db import models, transaction
from django.utils import timezone

from portal.audit_actions import AuditAction
from portal.chains import AUDIT_CHAIN, chain_digest, same_digest
from portal.models import AuditEvent, ChainHead, User
from portal.services.head_log import anchor_on_commit


def audit_digest(event: AuditEvent) -> str:
    return chain_digest({
        "seq": event.seq, "at": event.created_at.isoformat(), "actor": event.actor_id, "action": event.action,
        "target_type": event.target_type, "target_id": event.target_id, "ip": event.ip_address, "data": event.data,
        "prev": event.prev_hash,
    })


def audit_record(
    *, actor: User | None, action: str, target: models.Model, ip: str | None = None, data: dict[str, Any] | None = None
) -> AuditEvent:
    """Append one audit event to the chain. The chain's head row is locked until the
    caller's transaction ends (it is taken last, after any application's lock); the new
    head goes to the anchor store's head log once it commits. Every e-mail address in
    `data` is masked (masked_address): name a person by the account's id instead."""
    action = AuditAction(action).value  # an action the vocabulary does not name is refused before anything is written
    with transaction.atomic():
        ChainHead.objects.get_or_create(name=AUDIT_CHAIN)
        head = ChainHead.objects.select_for_update().get(name=AUDIT_CHAIN)
        now = timezone.now()
        event = AuditEvent(
            actor=actor if actor is not None and actor.is_authenticated else None,
            action=action,
            target_type=target._meta.label_lower,
            target_id=str(target.pk),
            ip_address=ip,
            data=data or {},
            # Milliseconds, as Django's JSON serialisation keeps them: a backup restores the same digest.
            created_at=now.replace(microsecond=now.microsecond // 1000 * 1000),
            seq=head.seq + 1,
            prev_hash=head.hash,
        )
        event.data = _without_addresses(_json_safe(event.data))
        event.hash = audit_digest(event)
        event.save()
        head.seq, head.hash = event.seq, event.hash
        head.save(update_fields=["seq", "hash"])
        anchor_on_commit(audit=True)
    return event


def _json_safe(data: dict) -> dict:
    """The data as it reads back from the JSON column (so the digest is the same when verified)."""
    import json

    from django.core.serializers.json import DjangoJSONEncoder

    return json.loads(json.dumps(data, cls=DjangoJSONEncoder))


# An e-mail address anywhere in a text (not only a whole value: a reason may quote one).
_ADDRESS = re.compile(r"[\w.!#$%&'*+/=?^`{|}~-]+@[\w-]+(?:\.[\w-]+)+")


def masked_address(address: str) -> str:
    """'h***@example.com' for hana@example.com: the reader of the log still tells one
    organisation's invitation from another's, but nobody can write to, or look up, the
    person. Not a keyed hash: a hash stays a stable pseudonym of the address for as long as
    its key lives, so anyone holding the key could still test whether a given person was
    invited long after they left; the masked form ties to nobody."""
    local, _at, domain = address.strip().rpartition("@")
    return f"{local[:1]}***@{domain.lower()}"


def _without_addresses(value: Any) -> Any:
    if isinstance(value, str):
        return _ADDRESS.sub(lambda found: masked_address(found.group()), value)
    if isinstance(value, list):
        return [_without_addresses(item) for item in value]
    if isinstance(value, dict):
        return {key: _without_addresses(item) for key, item in value.items()}
    return value


def verify_audit_chain() -> list[str]:
    """Problems found in the audit chain; empty when it verifies."""
    problems: list[str] = []
    prev_hash, expected = "", 1
    for event in AuditEvent.objects.order_by("seq").iterator(chunk_size=2000):
        if event.seq != expected:
            problems.append(f"audit event {event.seq}: expected seq {expected} (audit events are missing)")
        if event.prev_hash != prev_hash:
            problems.append(f"audit event {event.seq}: prev_hash does not match the previous event")
        if not same_digest(audit_digest(event), event.hash):
            problems.append(f"audit event {event.seq}: content does not match its digest (altered)")
        prev_hash, expected = event.hash, event.seq + 1
    head = ChainHead.objects.filter(name=AUDIT_CHAIN).first()
    if (head.hash if head else "") != prev_hash:
        problems.append("the newest audit event is not the chain's head (audit events were removed)")
    return problems
