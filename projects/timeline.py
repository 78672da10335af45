"""The project's own append-only, hash-chained timeline, chained like an application's
history (applications/services/events.py) and anchored with it (portal/services/head_log.py)."""

from __future__ import annotations

from django.utils import timezone

from portal.chains import chain_digest, same_digest
from portal.services.head_log import anchor_on_commit
from projects.models import Project, ProjectEvent, ProjectEventType

CHAIN = "projects"


def event_digest(*, project_id: int, seq: int, created_at, actor_id, action: str, from_state: str, to_state: str, message: str,
                 ip: str | None, data: dict, prev_hash: str) -> str:
    """HMAC-SHA256 (keyed outside the database, portal/chains.py) over the event and the previous event's digest."""
    return chain_digest({
        "project": project_id, "seq": seq, "at": created_at.isoformat(), "actor": actor_id, "action": action,
        "from": from_state, "to": to_state, "message": message, "ip": ip, "data": data, "prev": prev_hash,
    })


def event_record(*, project: Project, actor, action: str, from_state: str = "", to_state: str = "", message: str = "",
                 ip: str | None = None, data: dict | None = None) -> ProjectEvent:
    """Append an event. The caller holds the project's row lock, which orders the events of
    one project. An action the vocabulary does not name is refused before anything is written."""
    action = ProjectEventType(action)
    data = data or {}
    last = project.events.order_by("-seq").values_list("seq", "hash").first()
    last_seq, prev_hash = last if last else (0, "")
    now = timezone.now()
    # Milliseconds, as Django's JSON serialisation keeps them: a backup restores the same hash.
    created_at = now.replace(microsecond=now.microsecond // 1000 * 1000)
    actor_id = actor.pk if actor is not None and actor.is_authenticated else None
    digest = event_digest(project_id=project.pk, seq=last_seq + 1, created_at=created_at, actor_id=actor_id, action=action,
                          from_state=from_state, to_state=to_state, message=message, ip=ip, data=data, prev_hash=prev_hash)
    event = ProjectEvent(project=project, seq=last_seq + 1, created_at=created_at, actor_id=actor_id, action=action,
                         from_state=from_state, to_state=to_state, message=message, ip_address=ip, data=data,
                         prev_hash=prev_hash, hash=digest)
    event.save(force_insert=True)
    Project.objects.filter(pk=project.pk).update(event_head=digest)
    project.event_head = digest
    anchor_on_commit(chain=CHAIN, record_id=project.pk)
    return event


def verify_chain(project: Project) -> list[str]:
    """Problems found in one project's chain; empty when it verifies."""
    problems: list[str] = []
    prev_hash, expected_seq = "", 1
    for event in project.events.order_by("seq"):
        if event.seq != expected_seq:
            problems.append(f"event {event.seq}: expected seq {expected_seq} (an event is missing)")
        if event.prev_hash != prev_hash:
            problems.append(f"event {event.seq}: prev_hash does not match the previous event")
        digest = event_digest(project_id=event.project_id, seq=event.seq, created_at=event.created_at, actor_id=event.actor_id,
                              action=event.action, from_state=event.from_state, to_state=event.to_state, message=event.message,
                              ip=event.ip_address, data=event.data, prev_hash=event.prev_hash)
        if not same_digest(digest, event.hash):
            problems.append(f"event {event.seq}: content does not match its hash (altered)")
        prev_hash, expected_seq = event.hash, event.seq + 1
    if prev_hash != project.event_head:
        problems.append("the newest event is not the one the project points to (an event was removed)")
    return problems
