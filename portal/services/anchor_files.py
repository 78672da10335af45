"""The files of the anchor store (portal/services/anchors.py): a JSON document of chain heads,
an HMAC over it under the chain key, gzipped; written once under a new name, never rewritten."""

from __future__ import annotations

import datetime
import gzip
import hashlib
import hmac
import json
import zlib

from django.core.files.base import ContentFile
from django.core.files.storage import storages

from portal.chains import canonical, chain_key

FORMAT = 1


def anchor_storage():
    return storages["anchors"]


def anchor_mac(anchor: dict) -> str:
    return hmac.new(chain_key(), canonical(anchor), hashlib.sha256).hexdigest()


def anchor_document(*, audit: tuple[int, str] | None, now: datetime.datetime, applications=(), **heads) -> dict:
    """The heads of the applications' chains under "applications", and of each other registered
    chain under its own key (portal/services/head_log.py); a reader takes a key that is
    missing as no heads (files written before that chain existed)."""
    return {
        "format": FORMAT,
        "at": now.isoformat(),
        "audit": {"seq": audit[0], "hash": audit[1]} if audit else None,
        "applications": [[pk, digest] for pk, digest in applications],
    } | {key: [[pk, digest] for pk, digest in chain] for key, chain in heads.items()}


def anchor_save(name: str, anchor: dict) -> tuple[str, bytes]:
    """Save under `name` (the storage may pick another if it is taken); the name and the bytes written."""
    body = gzip.compress(canonical({"anchor": anchor, "mac": anchor_mac(anchor)}), mtime=0)
    return anchor_storage().save(name, ContentFile(body)), body


def anchor_fetch(name: str) -> bytes | None:
    """The file's bytes, or None when the store does not hold it."""
    try:
        with anchor_storage().open(name, "rb") as handle:
            return handle.read()
    except FileNotFoundError:
        return None


def anchor_decode(name: str, body: bytes) -> dict:
    """The anchor a file holds; ValueError when it is not an anchor file or its MAC does not verify."""
    try:
        document = json.loads(gzip.decompress(body))
    except (OSError, EOFError, zlib.error, ValueError) as exc:
        raise ValueError(f"anchor {name}: not an anchor file ({exc.__class__.__name__})") from None
    anchor = document.get("anchor") if isinstance(document, dict) else None
    if not isinstance(anchor, dict) or not hmac.compare_digest(anchor_mac(anchor), str(document.get("mac", ""))):
        raise ValueError(f"anchor {name}: its MAC does not verify (the anchor was altered, or the key is not the one that wrote it)")
    return anchor


def anchor_read(name: str) -> dict:
    """An anchor's content (a checkpoint, a head log or a chain file); FileNotFoundError when the
    store does not hold it, ValueError when its MAC does not verify."""
    body = anchor_fetch(name)
    if body is None:
        raise FileNotFoundError(name)
    return anchor_decode(name, body)


def anchor_bucket_protection(storage) -> str:
    """What keeps an S3 anchor store's files from being deleted or overwritten: "object-lock"
    (enabled with a default retention, so every new file is locked), "versioning" (a delete or
    an overwrite keeps the earlier version), or "" (nothing). Raises botocore's errors when the
    bucket cannot be asked (no permission, no answer)."""
    from botocore.exceptions import ClientError

    client = storage.connection.meta.client
    try:
        lock = client.get_object_lock_configuration(Bucket=storage.bucket_name).get("ObjectLockConfiguration", {})
    except ClientError as exc:
        if exc.response.get("Error", {}).get("Code") != "ObjectLockConfigurationNotFoundError":
            raise
        lock = {}
    if lock.get("ObjectLockEnabled") == "Enabled" and lock.get("Rule", {}).get("DefaultRetention"):
        return "object-lock"
    if client.get_bucket_versioning(Bucket=storage.bucket_name).get("Status") == "Enabled":
        return "versioning"
    return ""
