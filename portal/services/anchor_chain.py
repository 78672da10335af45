"""The chain of sweep files in the anchor store (portal/services/anchors.py explains the store).

File n, `chain/<n // 10000>/<n>.json.gz`, names the chain heads the per-minute sweep found,
its number and the SHA-256 of file n - 1; the database's row ChainHead "anchor-files" keeps
the newest file's number and SHA-256. Only the sweep appends, one at a time under that row's
lock. A check walks the files from where a checkpoint left them (or from file 1) to the
newest and reports, in the portal's language, a gap, a file altered or replaced, and a chain
whose newest file is older than ANCHOR_GRACE — the newest files deleted, or the sweep stopped.

A sweep that finds files after the database's newest (a restore from a backup older than the
store, or a process that died between writing a file and committing its number) takes them
over when each follows from the one before: nothing is written twice under one number."""

from __future__ import annotations

import datetime
import hashlib
import logging
from collections.abc import Callable
from dataclasses import dataclass, field

from django.utils.translation import gettext as _

from portal.formatting import moment
from portal.models import AuditEvent, ChainHead
from portal.services.anchor_files import anchor_decode, anchor_document, anchor_fetch, anchor_save

log = logging.getLogger(__name__)

CHAIN = "chain"
FILES_CHAIN = "anchor-files"
# A sweep with nothing new still writes a file when the newest is this old, so that a chain
# whose newest file is older than ANCHOR_GRACE means files were deleted or the sweep stopped.
HEARTBEAT = datetime.timedelta(minutes=5)
# A head or chain file younger than this may still be on its way to the store.
ANCHOR_GRACE = datetime.timedelta(minutes=10)


class ChainBroken(Exception):
    """The sweep cannot append: the store holds a file under the next number that does not follow."""


def chain_name(seq: int) -> str:
    return f"{CHAIN}/{seq // 10000:08d}/{seq:012d}.json.gz"


def _when(at: str) -> str:
    return moment(datetime.datetime.fromisoformat(at), seconds=True)


# --- Appending (the sweep) --------------------------------------------------------------------

def chain_lock() -> ChainHead:
    """The chain's row, locked until the caller's transaction ends (call inside one)."""
    ChainHead.objects.get_or_create(name=FILES_CHAIN)
    return ChainHead.objects.select_for_update().get(name=FILES_CHAIN)


def _taken_over(seq: int, digest: str) -> tuple[int, str]:
    """The files after number `seq` that follow from it, one by one: the newest (number, SHA-256)."""
    while (body := anchor_fetch(chain_name(seq + 1))) is not None:
        name, link = chain_name(seq + 1), anchor_decode(chain_name(seq + 1), body).get("chain") or {}
        if link.get("seq") != seq + 1 or (link.get("previous") or "") != digest:
            raise ChainBroken(f"{name} is in the anchor store but does not follow file {seq} as the database records it; "
                              "nothing more is appended until an operator looks (manage.py verify_events)")
        seq, digest = seq + 1, hashlib.sha256(body).hexdigest()
        log.warning("Anchor chain file %s was in the store but not in the database: taken over.", name)
    return seq, digest


def _written_since(seq: int, since: datetime.datetime) -> bool:
    body = anchor_fetch(chain_name(seq)) if seq else None
    try:
        return body is not None and datetime.datetime.fromisoformat(anchor_decode(chain_name(seq), body)["at"]) >= since
    except (ValueError, KeyError):
        return False


def chain_append(tip: ChainHead, *, heads: dict[str, list], audit: tuple[int, str] | None, now: datetime.datetime,
                 idle: bool) -> str | None:
    """Write the next chain file naming these heads (per chain key) and record it on `tip`
    (locked by chain_lock); its name, or None when `idle` (nothing new) and the newest file is
    younger than HEARTBEAT."""
    seq, digest = _taken_over(tip.seq, tip.hash)
    if idle and seq == tip.seq and _written_since(seq, now - HEARTBEAT):
        return None
    anchor = anchor_document(audit=audit, now=now, **heads) | {"chain": {"seq": seq + 1, "previous": digest or None}}
    name, body = anchor_save(chain_name(seq + 1), anchor)
    if name != chain_name(seq + 1):  # another writer despite the lock: never two files under one number
        raise ChainBroken(f"{chain_name(seq + 1)} was taken while the chain's row was locked (written as {name})")
    tip.seq, tip.hash = seq + 1, hashlib.sha256(body).hexdigest()
    tip.save(update_fields=["seq", "hash"])
    return name


def chain_tip() -> dict | None:
    """Where the chain stands, as a checkpoint records it: {"seq", "sha256"}, None before file 1."""
    row = ChainHead.objects.filter(name=FILES_CHAIN, seq__gt=0).values_list("seq", "hash").first()
    return {"seq": row[0], "sha256": row[1]} if row else None


# --- Walking (the check) ----------------------------------------------------------------------

@dataclass
class ChainWalk:
    files: int = 0
    newest: tuple[int, str] | None = None  # (number, written at)
    digests: dict[int, str] = field(default_factory=dict)  # the SHA-256 of the numbers asked for
    problems: list[str] = field(default_factory=list)


def _missing(first: int, last: int) -> str:
    if first == last:
        return _("Anchor chain file no. %(seq)s is missing from the anchor store: the chain of anchor files is broken there "
                 "(a file was deleted).") % {"seq": first}
    return _("Anchor chain files no. %(first)s to %(last)s are missing from the anchor store: the chain of anchor files is "
             "broken there (files were deleted).") % {"first": first, "last": last}


def chain_walk(*, start: dict | None, add: Callable[[dict], None], from_first: bool = False, keep: frozenset[int] = frozenset(),
               checkpoint: str = "") -> ChainWalk:
    """Read the chain from `start` (a checkpoint's record of it, which file `start["seq"]` must
    match; None: from file 1) to its end, passing each file's anchor to `add`; `from_first`
    checks the files before `start` too, without passing them on (what they named may since
    have been destroyed by the retention job, and the checkpoint names every head that was
    left). Files up to the database's newest, or the checkpoint's, must all be there; after it
    the walk ends at the first missing number. `keep`: the numbers whose SHA-256 the result keeps."""
    walk = ChainWalk()
    tip_seq, tip_hash = ChainHead.objects.filter(name=FILES_CHAIN).values_list("seq", "hash").first() or (0, "")
    first = start["seq"] if start else 1
    # A database whose number is behind a checkpoint's was moved back: the checkpoint's still counts.
    must_exist = max(tip_seq, first if start else 0)
    seq = 1 if from_first else first
    previous: str | None = None  # what the next file must record; None: unknown (a gap, or where the walk starts)
    gap: int | None = None
    while True:
        body = anchor_fetch(chain_name(seq))
        if body is None:
            if seq <= must_exist:
                gap = seq if gap is None else gap
                previous, seq = None, seq + 1
                continue
            break
        if gap is not None:
            walk.problems.append(_missing(gap, seq - 1))
            gap = None
        digest = hashlib.sha256(body).hexdigest()
        if seq in keep:
            walk.digests[seq] = digest
        try:
            anchor = anchor_decode(chain_name(seq), body)
        except ValueError:
            walk.problems.append(_("Anchor chain file no. %(seq)s cannot be verified: it was altered, or written with "
                                   "another key.") % {"seq": seq})
            anchor = None
        link = (anchor or {}).get("chain") or {}
        if anchor is not None and link.get("seq") != seq:
            walk.problems.append(_("The file in the place of anchor chain file no. %(seq)s says it is no. %(found)s: it was "
                                   "moved or replaced.") % {"seq": seq, "found": link.get("seq")})
        if anchor is not None and previous is not None and (link.get("previous") or "") != previous:
            walk.problems.append(_("Anchor chain file no. %(seq)s was altered or replaced: the next file (no. %(next)s) "
                                   "recorded another SHA-256 for it.") % {"seq": seq - 1, "next": seq})
        if start and seq == start["seq"] and digest != start["sha256"]:
            walk.problems.append(_("Anchor chain file no. %(seq)s is not the file checkpoint %(checkpoint)s recorded (its "
                                   "SHA-256 differs).") % {"seq": seq, "checkpoint": checkpoint})
        if seq == tip_seq and digest != tip_hash:
            walk.problems.append(_("Anchor chain file no. %(seq)s is not the file the database recorded as the newest (its "
                                   "SHA-256 differs).") % {"seq": seq})
        if anchor is not None:
            if seq >= first:
                add(anchor)
            walk.newest = (seq, anchor.get("at", ""))
        walk.files += 1
        previous, seq = digest, seq + 1
    if gap is not None:
        walk.problems.append(_missing(gap, seq - 1))
    return walk


def chain_stale(walk: ChainWalk, *, now: datetime.datetime) -> list[str]:
    """Once the chain was started, its newest file must be younger than ANCHOR_GRACE."""
    if walk.newest is not None:
        seq, at = walk.newest
        if datetime.datetime.fromisoformat(at) >= now - ANCHOR_GRACE:
            return []
        return [_("The newest anchor chain file (no. %(seq)s) was written at %(at)s, more than %(minutes)s minutes ago: the "
                  "anchor-heads job has stopped, or newer chain files were deleted.")
                % {"seq": seq, "at": _when(at), "minutes": int(ANCHOR_GRACE.total_seconds() // 60)}]
    started = AuditEvent.objects.filter(action="chain.started").order_by("seq").values_list("created_at", flat=True).first()
    if started is not None and not ChainHead.objects.filter(name=FILES_CHAIN, seq__gt=0).exists():
        return [_("The anchor store holds no chain file and the database records none, although the audit log records that the "
                  "chain of anchor files was started at %(at)s: the files and the database's record of them were removed.")
                % {"at": _when(started.isoformat())}]
    return []
