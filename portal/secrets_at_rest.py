"""Secrets the database must hold (TOTP keys, the recovery-code seed) are encrypted with a key
from the environment, so that a database dump or a backup holds no live second factor."""

from __future__ import annotations

import base64
import hashlib

from django.conf import settings

PREFIX = "enc1:"


def _fernet():
    from cryptography.fernet import Fernet, MultiFernet

    keys = [k.strip() for k in getattr(settings, "MFA_ENCRYPTION_KEYS", []) if k.strip()]
    if not keys:  # a laptop: derived from SECRET_KEY (production sets its own, see docs/deployment.md)
        keys = [base64.urlsafe_b64encode(hashlib.sha256(b"portal mfa secrets v1" + settings.SECRET_KEY.encode()).digest()).decode()]
    # The first key encrypts; all decrypt (rotation: put the new key first, re-encrypt, drop the old).
    return MultiFernet([Fernet(k) for k in keys])


def encrypt(text: str) -> str:
    if text.startswith(PREFIX):
        return text
    return PREFIX + _fernet().encrypt(text.encode()).decode()


def decrypt(text: str) -> str:
    """The secret; a value stored before encryption was introduced is returned as it is."""
    if not text.startswith(PREFIX):
        return text
    return _fernet().decrypt(text[len(PREFIX):].encode()).decode()
