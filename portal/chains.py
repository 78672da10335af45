"""Keyed hash chains: tamper evidence that someone with write access to the database alone
cannot forge.

Every chained row (an application's events, the audit log) carries HMAC-SHA256 over its
content and the previous row's digest, keyed with EVENT_CHAIN_KEY — a secret kept in the
environment, never in the database. Rewriting a row and recomputing the chain needs the key.
Deleting a whole chain (an application with its events) is found against the daily anchor
(portal/services/anchors.py), kept outside the database."""

from __future__ import annotations

import hashlib
import hmac
import json

from django.conf import settings


def chain_key() -> bytes:
    """EVENT_CHAIN_KEY, or a key derived from SECRET_KEY for a laptop (production sets its
    own, so that rotating SECRET_KEY does not break the chains)."""
    configured = getattr(settings, "EVENT_CHAIN_KEY", "")
    if configured:
        return configured.encode()
    return hmac.new(settings.SECRET_KEY.encode(), b"portal event chain v1", hashlib.sha256).digest()


def canonical(payload: dict) -> bytes:
    return json.dumps(payload, sort_keys=True, ensure_ascii=False, separators=(",", ":"), default=str).encode()


def chain_digest(payload: dict) -> str:
    return hmac.new(chain_key(), canonical(payload), hashlib.sha256).hexdigest()


def same_digest(a: str, b: str) -> bool:
    return hmac.compare_digest(a or "", b or "")


# The site audit log's chain, by the name of its ChainHead row.
AUDIT_CHAIN = "audit"
