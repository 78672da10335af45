"""Daily anchors of the hash chains, kept outside the database.

An anchor is every application's newest event digest and the audit chain's head, with an
HMAC over the whole under the chain key, written to the "anchors" storage (an object-storage
bucket with versioning or object lock in production; a folder the backup keeps on a laptop).
Someone who can write to the database, but not to that storage and without the key, can
neither delete an application with its events nor cut the end off a chain unnoticed:
`manage.py verify_events` checks the newest anchor against the database."""

from __future__ import annotations

import datetime
import gzip
import hashlib
import hmac
import json

from django.core.files.base import ContentFile
from django.core.files.storage import storages
from django.utils import timezone

from portal.chains import canonical, chain_key

FORMAT = 1


def _storage():
    return storages["anchors"]


def _mac(anchor: dict) -> str:
    return hmac.new(chain_key(), canonical(anchor), hashlib.sha256).hexdigest()


def anchor_write(*, now: datetime.datetime | None = None) -> str:
    """Write today's anchor; returns its name in the anchors storage."""
    from applications.models import Application
    from portal.models import ChainHead
    from portal.services.audit import AUDIT_CHAIN, audit_record

    now = now or timezone.now()
    head = ChainHead.objects.filter(name=AUDIT_CHAIN).first()
    anchor = {
        "format": FORMAT,
        "at": now.isoformat(),
        "audit": {"seq": head.seq if head else 0, "hash": head.hash if head else ""},
        "applications": [[pk, digest] for pk, digest in
                         Application.objects.exclude(event_head="").order_by("pk").values_list("pk", "event_head").iterator(chunk_size=5000)],
    }
    body = gzip.compress(canonical({"anchor": anchor, "mac": _mac(anchor)}), mtime=0)
    name = _storage().save(f"{timezone.localtime(now):%Y/%m/%Y-%m-%dT%H%M%S}.json.gz", ContentFile(body))
    # The database keeps a note of it too (the anchor itself is what counts).
    audit_record(actor=None, action="chain.anchored", target=ChainHead.objects.get_or_create(name=AUDIT_CHAIN)[0],
                 data={"name": name, "sha256": hashlib.sha256(body).hexdigest(), "applications": len(anchor["applications"])})
    return name


def latest_anchor_name() -> str | None:
    from portal.services.backups import walk

    names = sorted(name for name in walk(_storage()) if name.endswith(".json.gz"))
    return names[-1] if names else None


def anchor_read(name: str) -> dict:
    """The anchor's content; raises ValueError when its MAC does not verify."""
    with _storage().open(name, "rb") as handle:
        document = json.loads(gzip.decompress(handle.read()))
    anchor = document.get("anchor") or {}
    if not hmac.compare_digest(_mac(anchor), document.get("mac", "")):
        raise ValueError(f"anchor {name}: its MAC does not verify (the anchor was altered, or the key is not the one that wrote it)")
    return anchor


def verify_against_anchor(name: str | None = None) -> list[str]:
    """What the database lost or changed since the anchor (the newest by default): every
    anchored application must still exist and its chain must still hold the anchored
    digest; the audit chain must still hold its anchored head."""
    from applications.models import ApplicationEvent
    from portal.models import AuditEvent

    name = name or latest_anchor_name()
    if name is None:
        return []
    try:
        anchor = anchor_read(name)
    except ValueError as exc:
        return [str(exc)]
    problems = []
    anchored = dict(anchor["applications"])
    present = set(ApplicationEvent.objects.filter(application_id__in=list(anchored)).values_list("application_id", "hash")
                  .iterator(chunk_size=5000))
    for pk, digest in anchored.items():
        if (pk, digest) not in present:
            problems.append(f"application {pk}: its chain no longer holds the digest anchored at {anchor['at']} "
                            "(the application or its events were deleted or rewritten)")
    audit = anchor["audit"]
    if audit["seq"] and not AuditEvent.objects.filter(seq=audit["seq"], hash=audit["hash"]).exists():
        problems.append(f"audit event {audit['seq']} anchored at {anchor['at']} is gone or altered")
    return problems
