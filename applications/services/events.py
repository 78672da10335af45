"""The application's append-only, hash-chained history."""

from __future__ import annotations

from django.utils import timezone

from applications.models import Application, ApplicationEvent, EventType
from portal.chains import chain_digest, same_digest
from portal.services.head_log import anchor_on_commit


def event_digest(*, application_id: int, seq: int, created_at, actor_id, action: str, from_state: str,
                 to_state: str, message: str, ip: str | None, data: dict, prev_hash: str) -> str:
    """HMAC-SHA256 (keyed outside the database, portal/chains.py) over the event and the
    previous event's digest."""
    return chain_digest({
        "application": application_id, "seq": seq, "at": created_at.isoformat(), "actor": actor_id, "action": action,
        "from": from_state, "to": to_state, "message": message, "ip": ip, "data": data, "prev": prev_hash,
    })


def chain_head(application: Application) -> tuple[int, str]:
    """(seq, hash) of the application's newest event; (0, "") before the first. Read under
    the application's row lock, it stays the head until the lock is released."""
    last = application.events.order_by("-seq").values_list("seq", "hash").first()
    return last if last else (0, "")


def event_build(
    *, application: Application, actor, action: str, from_state: str = "", to_state: str = "",
    message: str = "", ip: str | None = None, data: dict | None = None, head: tuple[int, str] | None = None,
) -> ApplicationEvent:
    """The next event of the chain, unsaved, and `application.event_head` set to its digest:
    the caller saves both (the submission saves the head with the application's own UPDATE);
    the new head goes to the anchor store's head log once the transaction commits.
    `head` is `chain_head(application)` when the caller read it already."""
    action = EventType(action)
    data = data or {}
    last_seq, prev_hash = head if head is not None else chain_head(application)
    seq = last_seq + 1
    now = timezone.now()
    # Milliseconds, as Django's JSON serialisation keeps them: a backup restores the same hash.
    created_at = now.replace(microsecond=now.microsecond // 1000 * 1000)
    actor_id = actor.pk if actor is not None and actor.is_authenticated else None
    digest = event_digest(
        application_id=application.pk, seq=seq, created_at=created_at, actor_id=actor_id, action=action,
        from_state=from_state, to_state=to_state, message=message, ip=ip, data=data, prev_hash=prev_hash,
    )
    application.event_head = digest
    anchor_on_commit(application_id=application.pk)
    return ApplicationEvent(
        application=application, seq=seq, created_at=created_at, actor_id=actor_id, action=action,
        from_state=from_state, to_state=to_state, message=message, ip_address=ip, data=data,
        prev_hash=prev_hash, hash=digest,
    )


def event_record(
    *, application: Application, actor, action: str, from_state: str = "", to_state: str = "",
    message: str = "", ip: str | None = None, data: dict | None = None,
) -> ApplicationEvent:
    """Append an event. The caller holds the application's row lock (select_for_update),
    which orders the events of one application. `action` is one of EventType: an event
    the vocabulary does not name is refused before anything is written."""
    event = event_build(application=application, actor=actor, action=action, from_state=from_state, to_state=to_state,
                        message=message, ip=ip, data=data)
    event.save(force_insert=True)
    Application.objects.filter(pk=application.pk).update(event_head=event.hash)
    return event


def verify_chain(application: Application) -> list[str]:
    """Problems found in one application's chain; empty when it verifies."""
    problems: list[str] = []
    prev_hash = ""
    expected_seq = 1
    for event in application.events.order_by("seq"):
        if event.seq != expected_seq:
            problems.append(f"event {event.seq}: expected seq {expected_seq} (an event is missing)")
        if event.prev_hash != prev_hash:
            problems.append(f"event {event.seq}: prev_hash does not match the previous event")
        digest = event_digest(
            application_id=event.application_id, seq=event.seq, created_at=event.created_at, actor_id=event.actor_id,
            action=event.action, from_state=event.from_state, to_state=event.to_state, message=event.message,
            ip=event.ip_address, data=event.data, prev_hash=event.prev_hash,
        )
        if not same_digest(digest, event.hash):
            problems.append(f"event {event.seq}: content does not match its hash (altered)")
        prev_hash = event.hash
        expected_seq = event.seq + 1
    if prev_hash != application.event_head:
        problems.append("the newest event is not the one the application points to (an event was removed)")
    return problems
