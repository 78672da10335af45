"""Anchors of the hash chains, kept outside the database.

An anchor says "this chain's head was this digest": the newest event digest of applications
(and of each other chained record registered in portal/services/head_log.py, under its own key)
and the audit chain's (seq, digest), with an HMAC over the whole under the chain key, in the
"anchors" storage (an object-storage bucket of its own with object lock in production, shared
by every machine; a folder the backup keeps on a laptop). Three kinds of file:

- the **head log**, `log/YYYY/MM/DD/HHMMSSffffff-<random>.json.gz` (UTC): after every
  transaction that appended to a chain, the heads it left, written on commit by the machine
  that committed. Each file is new, under a name no other machine picks: several web machines write to one bucket with
  nothing to coordinate, no append and nothing ever rewritten, which object lock allows.
- the **chain of sweep files**, `chain/NNNNNNNN/NNNNNNNNNNNN.json.gz` (its number): once a
  minute the beat job writes every head no sweep has written yet (so also any the head log
  missed: the store was away at commit, or the process died between the commit and the
  write), and at least every HEARTBEAT a file
  even when nothing changed. Each records its number and the SHA-256 of the file before it;
  the database keeps the newest's number and SHA-256 (ChainHead "anchor-files"). Deleting a
  file, with the events it named, leaves a gap the next file or the database points at;
  altering one breaks its MAC or the next file's record of it; deleting the newest leaves a
  chain whose end is older than ANCHOR_GRACE. Only the beat writes them, one at a time under
  the row lock, so they need no coordination between web machines either.
- the **daily checkpoint**, `YYYY/MM/YYYY-MM-DDTHHMMSS.json.gz` (KST): every chain's head at
  once, so that a check reads one checkpoint and the log since, not the whole log. It records
  the chain of sweep files where it stood and the previous checkpoint's SHA-256, and is
  written only when everything anchored since the previous one still holds, so an anchored
  head is checked at least once before a checkpoint can stop naming it.

Why on commit, and not only a per-minute anchor: the moment worth cutting is the one right
after an unwelcome change (a decision, a refusal) — a per-minute anchor leaves that minute
open; on commit leaves only the milliseconds between the COMMIT and the write. The write
happens after the commit, outside every lock, and never fails the request; the sweep covers
what it missed.

`anchors_check` (run by `manage.py verify_events`) finds: an anchored head the database no
longer holds (events or whole applications deleted, the audit chain cut, the head moved back);
a head older than ANCHOR_GRACE that no anchor names (anchor files deleted); once the audit
log records a checkpoint, a store that no longer holds it (the store emptied or replaced); and,
once the chain of sweep files was started, a gap in it, a file altered, or no file written
within ANCHOR_GRACE. The last kind is told in the portal's language (Korean): it is what an
operator acts on first. What the chain cannot show: a file deleted together with the
database's record of it and every file after it, within the minutes before the next sweep —
hence object lock on the bucket (applications/checks.py warns without it)."""

from __future__ import annotations

import datetime
import hashlib
import logging
from dataclasses import dataclass, field

from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from portal.chains import AUDIT_CHAIN
from portal.models import AuditEvent, ChainHead
from portal.services.anchor_chain import (
    ANCHOR_GRACE,
    CHAIN,
    ChainWalk,
    chain_append,
    chain_lock,
    chain_name,
    chain_stale,
    chain_tip,
    chain_walk,
)
from portal.services.anchor_files import anchor_decode, anchor_document, anchor_fetch, anchor_read, anchor_save, anchor_storage
from portal.services.backups import walk
from portal.services.head_log import LOG, audit_head, chains

log = logging.getLogger(__name__)

__all__ = ["ANCHOR_GRACE", "AnchorWithheld", "anchor_read", "anchor_write", "anchors_check", "checkpoint_names", "heads_sweep",
           "latest_anchor_name", "log_names"]

# Log files named this long before a checkpoint are read with it anyway: the clocks of the
# machine that named them and of the one that wrote the checkpoint may differ a little.
CLOCK_SKEW = datetime.timedelta(minutes=10)
CHUNK = 5000


class AnchorWithheld(Exception):
    """The checkpoint is not written: something anchored since the previous one no longer holds."""

    def __init__(self, problems: list[str]) -> None:
        super().__init__(f"{len(problems)} anchored head(s) no longer hold; the checkpoint was not written: " + "; ".join(problems[:5]))
        self.problems = problems


# --- The head log (written at each commit by portal/services/head_log.py; swept here) ------


def heads_sweep(*, now: datetime.datetime | None = None) -> str | None:
    """The beat job, every minute: the next file of the chain of sweep files
    (portal/services/anchor_chain.py), naming every head not written by a sweep yet — and one
    at least every HEARTBEAT when nothing changed; None when nothing changed since a recent one.
    Marks each head it wrote with one single-row UPDATE once the chain's row lock is released,
    so it never holds two locks at once."""
    from portal.services.audit import audit_record  # a real cycle: the audit log's head is anchored here

    now = now or timezone.now()
    with transaction.atomic():
        tip = chain_lock()
        if tip.seq == 0 and anchor_fetch(chain_name(1)) is None:
            # From now on a check requires the chain: the audit log says since when, and file 1 names that event.
            audit_record(actor=None, action="chain.started", target=tip, data={"name": chain_name(1)})
        changed = {chain.key: list(chain.record_model().objects.exclude(event_head="").exclude(event_head=F("anchored_head"))
                                   .order_by("pk").values_list("pk", "event_head")) for chain in chains()}
        audit = ChainHead.objects.filter(name=AUDIT_CHAIN).exclude(hash="").exclude(hash=F("anchored")).values_list("seq", "hash").first()
        name = chain_append(tip, heads=changed, audit=audit, now=now, idle=not any(changed.values()) and audit is None)
    if name is None:
        return None
    for chain in chains():
        for pk, digest in changed[chain.key]:
            chain.record_model().objects.filter(pk=pk, event_head=digest).update(anchored_head=digest)
    if audit is not None:
        ChainHead.objects.filter(name=AUDIT_CHAIN, hash=audit[1]).update(anchored=audit[1])
    return name


# --- Daily checkpoints ------------------------------------------------------------------------

def checkpoint_names() -> list[str]:
    """Every checkpoint in the store, oldest first (the head log and the chain are not walked)."""

    storage = anchor_storage()
    try:
        directories, files = storage.listdir("")
    except (FileNotFoundError, OSError):
        return []
    names = [name for name in files if name.endswith(".json.gz")]
    for directory in sorted(d for d in directories if d not in (LOG, CHAIN)):
        names += [name for name in walk(storage, directory) if name.endswith(".json.gz")]
    return sorted(names)


def latest_anchor_name() -> str | None:
    names = checkpoint_names()
    return names[-1] if names else None


def anchor_write(*, now: datetime.datetime | None = None, despite: str = "") -> str:
    """Write a checkpoint of every chain's head; returns its name in the anchors storage.

    Refused (AnchorWithheld) when a head anchored since the previous checkpoint is gone: the
    checkpoint would name the cut chain as it now stands. `despite` (the reason, recorded in
    the audit log with the problems) writes it anyway — after a recovery that lost minutes
    the operator knows of, say."""
    from portal.services.audit import audit_record  # a real cycle: the audit log's head is anchored here

    now = now or timezone.now()
    previous = latest_anchor_name()
    read = _anchored_since(previous, now=now)
    problems = read.problems + _lost(read)
    if problems and not despite:
        log.error("The daily checkpoint of the hash chains was withheld: %s", "; ".join(problems[:20]))
        raise AnchorWithheld(problems)
    heads = {chain.key: chain.record_model().objects.exclude(event_head="").order_by("pk").values_list("pk", "event_head")
             .iterator(chunk_size=CHUNK) for chain in chains()}
    anchor = anchor_document(audit=audit_head(), now=now, **heads) | {
        # Where the chain of sweep files stands, and the checkpoint before: a check starts there.
        "chain": chain_tip(),
        "previous": {"name": previous, "sha256": read.checkpoint_sha256} if previous else None,
    }
    name, body = anchor_save(f"{timezone.localtime(now):%Y/%m/%Y-%m-%dT%H%M%S}.json.gz", anchor)
    # The audit log records it too: from then on, a store without it is an error.
    data = {"name": name, "sha256": hashlib.sha256(body).hexdigest(), **{chain.key: len(anchor[chain.key]) for chain in chains()}}
    if problems:
        data |= {"despite": despite, "problems": problems[:50]}
    audit_record(actor=None, action="chain.anchored", target=ChainHead.objects.get_or_create(name=AUDIT_CHAIN)[0], data=data)
    return name


# --- Checking the database against the anchors ----------------------------------------------

@dataclass
class Anchored:
    """What the anchors read say, with when each was first said."""

    heads: dict[str, dict[int, dict[str, str]]] = field(default_factory=dict)  # chain key → pk → {digest: at}
    audit: dict[tuple[int, str], str] = field(default_factory=dict)  # (seq, digest) → at
    checkpoint: str | None = None
    checkpoint_sha256: str = ""
    log_files: int = 0
    chain: ChainWalk = field(default_factory=ChainWalk)
    problems: list[str] = field(default_factory=list)

    @property
    def applications(self) -> dict[int, dict[str, str]]:
        return self.heads.get("applications", {})

    def add(self, anchor: dict) -> None:
        for chain in chains():
            for pk, digest in anchor.get(chain.key, []):
                self.heads.setdefault(chain.key, {}).setdefault(pk, {}).setdefault(digest, anchor["at"])
        audit = anchor.get("audit")
        if audit and audit.get("seq"):
            self.audit.setdefault((audit["seq"], audit["hash"]), anchor["at"])


def log_names(*, since: datetime.datetime | None, now: datetime.datetime) -> list[str]:
    """The head log files named at or after `since` (all of them without it), oldest first."""

    storage = anchor_storage()
    if since is None:
        return sorted(name for name in walk(storage, LOG) if name.endswith(".json.gz"))
    since = since.astimezone(datetime.timezone.utc)
    first = f"{LOG}/{since:%Y/%m/%d}/{since:%H%M%S%f}"
    names, day = [], since.date()
    while day <= (now + CLOCK_SKEW).astimezone(datetime.timezone.utc).date():
        folder = f"{LOG}/{day:%Y/%m/%d}"
        try:
            _directories, files = storage.listdir(folder)
        except (FileNotFoundError, OSError):
            files = []
        names += [f"{folder}/{name}" for name in files if name.endswith(".json.gz") and f"{folder}/{name}" >= first]
        day += datetime.timedelta(days=1)
    return sorted(names)


def _anchored_since(checkpoint: str | None, *, now: datetime.datetime, from_first: bool = False,
                    keep: frozenset[int] = frozenset()) -> Anchored:
    """The checkpoint (none: no checkpoint yet), every head log file since, and the chain of
    sweep files from where the checkpoint recorded it (`from_first`: checked from file 1, read
    from there)."""
    read = Anchored(checkpoint=checkpoint)
    since, start = None, None
    if checkpoint is not None:
        body = anchor_fetch(checkpoint)
        if body is None:
            read.problems.append(f"checkpoint {checkpoint} is missing from the anchor store")
        else:
            read.checkpoint_sha256 = hashlib.sha256(body).hexdigest()
            try:
                anchor = anchor_decode(checkpoint, body)
            except ValueError as exc:
                read.problems.append(str(exc))
            else:
                read.add(anchor)
                since, start = datetime.datetime.fromisoformat(anchor["at"]) - CLOCK_SKEW, anchor.get("chain")
    for name in log_names(since=since, now=now):
        try:
            read.add(anchor_read(name))
        except ValueError as exc:
            read.problems.append(str(exc))
        read.log_files += 1
    read.chain = chain_walk(start=start, add=read.add, from_first=from_first, keep=keep, checkpoint=checkpoint or "")
    read.problems += read.chain.problems
    return read


def _chunks(items: list, size: int = CHUNK):
    for start in range(0, len(items), size):
        yield items[start:start + size]


def _lost(read: Anchored) -> list[str]:
    """Anchored heads the database no longer holds."""
    problems = []
    for chain in chains():
        anchored, record_id = read.heads.get(chain.key, {}), f"{chain.record}_id"
        for pks in _chunks(sorted(anchored)):
            present = set(chain.event_model().objects.filter(**{f"{record_id}__in": pks}).values_list(record_id, "hash")
                          .iterator(chunk_size=CHUNK))
            for pk in pks:
                gone = sorted(at for digest, at in anchored[pk].items() if (pk, digest) not in present)
                if gone:
                    problems.append(f"{chain.noun} {pk}: its chain no longer holds the digest anchored at {gone[-1]} "
                                    f"(the {chain.noun} or its events were deleted or rewritten)")
    for seqs in _chunks(sorted({seq for seq, _digest in read.audit})):
        present = set(AuditEvent.objects.filter(seq__in=seqs).values_list("seq", "hash"))
        problems += [f"audit event {seq} anchored at {at} is gone or altered"
                     for (seq, digest), at in sorted(read.audit.items()) if seq in seqs and (seq, digest) not in present]
    return problems


def _unanchored(read: Anchored, *, now: datetime.datetime) -> list[str]:
    """Heads older than ANCHOR_GRACE that no anchor names: what was written for them is gone."""
    cutoff, problems = now - ANCHOR_GRACE, []
    for chain in chains():
        anchored, record_id = read.heads.get(chain.key, {}), f"{chain.record}_id"
        heads = [(pk, digest) for pk, digest in chain.record_model().objects.exclude(event_head="").order_by("pk")
                 .values_list("pk", "event_head").iterator(chunk_size=CHUNK) if digest not in anchored.get(pk, {})]
        for chunk in _chunks(heads):
            events = {(pk, digest): (seq, at) for pk, digest, seq, at in chain.event_model().objects.filter(
                **{f"{record_id}__in": [pk for pk, _digest in chunk]}, hash__in=[digest for _pk, digest in chunk],
            ).values_list(record_id, "hash", "seq", "created_at")}
            for pk, digest in chunk:
                seq, at = events.get((pk, digest), (None, None))
                if at is not None and at < cutoff:  # a head with no such event is the chain's own check's finding
                    problems.append(f"{chain.noun} {pk}: its newest event ({seq}, written {at.isoformat()}) is in no anchor "
                                    "(the anchor files naming it were deleted, or never written)")
    newest = AuditEvent.objects.order_by("-seq").values_list("seq", "hash", "created_at").first()
    if newest and (newest[0], newest[1]) not in read.audit and newest[2] < cutoff:
        problems.append(f"audit event {newest[0]}, the newest, written {newest[2].isoformat()}, is in no anchor "
                        "(the anchor files naming it were deleted, or never written)")
    return problems


def _recorded_checkpoint_present(names: list[str]) -> list[str]:
    """Once the audit log records a checkpoint, the store must still hold it, byte for byte."""

    record = AuditEvent.objects.filter(action="chain.anchored").order_by("-seq").values_list("data", "created_at").first()
    if record is None:
        return []
    data, at = record
    name = data.get("name", "")
    if not names:
        return [f"the anchor store holds no checkpoint, yet the audit log records that {name} was written at {at.isoformat()} "
                "(the store was emptied or replaced, or it is not the store the portal writes to)"]
    if name not in names:
        return [f"checkpoint {name}, recorded in the audit log at {at.isoformat()}, is missing from the anchor store"]
    with anchor_storage().open(name, "rb") as handle:
        if hashlib.sha256(handle.read()).hexdigest() != data.get("sha256"):
            return [f"checkpoint {name} is not the file the audit log recorded at {at.isoformat()} (its SHA-256 differs)"]
    return []


def _checkpoints_linked(names: list[str]) -> tuple[list[str], dict[int, tuple[str, str]]]:
    """Each checkpoint names the one before it by SHA-256: problems, and the chain file each
    recorded (number → (checkpoint, SHA-256)) for the walk to compare."""
    problems, recorded, before = [], {}, None  # before: (name, SHA-256) of the previous checkpoint
    for name in names:
        body = anchor_fetch(name) or b""
        try:
            anchor = anchor_decode(name, body)
        except ValueError as exc:
            problems.append(str(exc))
            anchor = {}
        previous = anchor.get("previous")
        if previous and previous.get("name") not in names:
            problems.append(_("Checkpoint %(previous)s, which checkpoint %(name)s records as the one before it, is missing from "
                              "the anchor store.") % {"previous": previous.get("name"), "name": name})
        elif previous and before is not None and (previous.get("name"), previous.get("sha256")) != before:
            problems.append(_("Checkpoint %(previous)s was altered or replaced: the next checkpoint (%(name)s) recorded another "
                              "SHA-256 for it.") % {"previous": previous.get("name"), "name": name})
        if anchor.get("chain"):
            recorded[anchor["chain"]["seq"]] = (name, anchor["chain"]["sha256"])
        before = (name, hashlib.sha256(body).hexdigest())
    return problems, recorded


def anchors_check(*, checkpoint: str | None = None, now: datetime.datetime | None = None, from_first: bool = False) -> Anchored:
    """The database against the anchors: the newest checkpoint (or `checkpoint`), the head log
    since and the chain of sweep files since. `from_first` also checks the chain from its
    first file and every checkpoint against the one before it. The result's `problems` is
    empty when nothing anchored was lost."""
    now = now or timezone.now()
    names = checkpoint_names()
    links, recorded = _checkpoints_linked(names) if from_first else ([], {})
    read = _anchored_since(checkpoint or (names[-1] if names else None), now=now, from_first=from_first, keep=frozenset(recorded))
    links += [_("Anchor chain file no. %(seq)s is not the file checkpoint %(checkpoint)s recorded (its SHA-256 differs).")
              % {"seq": seq, "checkpoint": name} for seq, (name, digest) in sorted(recorded.items())
              if read.chain.digests.get(seq, digest) != digest]
    read.problems = (_recorded_checkpoint_present(names) + links + read.problems + chain_stale(read.chain, now=now)
                     + _lost(read) + _unanchored(read, now=now))
    return read
