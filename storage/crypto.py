"""Encryption at rest for PAN and UPI IDs (cryptography's Fernet), plus masking for display.

Why: a database dump or a log line must never expose a member's PAN or UPI ID. Values are
encrypted with Fernet (AES-128-CBC + HMAC-SHA256) under a key from the environment
(``INAAM_ENCRYPTION_KEY``; several comma-separated keys rotate with ``MultiFernet``: the first
encrypts, all decrypt). Only the embedded mode falls back to a development key. A keyed
fingerprint (HMAC-SHA256) lets code compare two values without decrypting either.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import logging
import threading
from typing import Any

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from sqlalchemy import String
from sqlalchemy.types import TypeDecorator

logger = logging.getLogger(__name__)

DEV_ENCRYPTION_KEY = base64.urlsafe_b64encode(hashlib.sha256(b"inaam-dev-only-encryption-key").digest()).decode()
"""Development key used only when INAAM_ENCRYPTION_KEY is unset (embedded mode, tests)."""

_lock = threading.Lock()
_fernet: MultiFernet | None = None
_fp_key: bytes = b""


class DecryptionError(ValueError):
    """Raised when a stored value cannot be decrypted with the configured keys."""


def parse_keys(value: str) -> list[str]:
    """Validate comma-separated Fernet keys; raises ValueError naming the bad one (by position)."""
    keys = [k.strip() for k in value.split(",") if k.strip()]
    if not keys:
        raise ValueError("no key given")
    for i, key in enumerate(keys, start=1):
        try:
            Fernet(key)
        except (ValueError, TypeError):
            raise ValueError(f"key {i} is not a Fernet key (32 url-safe base64 bytes)") from None
    return keys


def configure(keys: list[str] | None) -> None:
    """Use ``keys`` (first encrypts) for this process; ``None`` means the development key."""
    global _fernet, _fp_key
    keys = keys or [DEV_ENCRYPTION_KEY]
    with _lock:
        _fernet = MultiFernet([Fernet(k) for k in keys])
        _fp_key = hashlib.sha256(b"fingerprint:" + keys[0].encode()).digest()


def _get() -> MultiFernet:
    if _fernet is None:
        configure(None)
    assert _fernet is not None
    return _fernet


def encrypt(value: str) -> str:
    return _get().encrypt(value.encode("utf-8")).decode("ascii")


def decrypt(token: str) -> str:
    try:
        return _get().decrypt(token.encode("ascii")).decode("utf-8")
    except InvalidToken:
        raise DecryptionError("stored value cannot be decrypted with INAAM_ENCRYPTION_KEY") from None


def fingerprint(value: str) -> str:
    """Keyed SHA-256 of a normalised value: equal inputs give equal fingerprints, nothing else leaks."""
    _get()
    return hmac.new(_fp_key, value.strip().casefold().encode("utf-8"), hashlib.sha256).hexdigest()


class EncryptedString(TypeDecorator[str]):
    """A string column stored as a Fernet token; reads give back the plain value."""

    impl = String(255)
    cache_ok = True

    def process_bind_param(self, value: str | None, dialect: Any) -> str | None:
        return None if value is None else encrypt(value)

    def process_result_value(self, value: str | None, dialect: Any) -> str | None:
        return None if value is None else decrypt(value)


def mask_upi(vpa: str | None) -> str:
    """'ramesh.kumar@okaxis' -> 'ra••••ar@okaxis' (handle kept so members recognise it)."""
    if not vpa:
        return ""
    user, _, psp = vpa.partition("@")
    shown = user[:2] + "••••" + (user[-2:] if len(user) > 5 else "")
    return f"{shown}@{psp}" if psp else shown


def mask_pan(pan: str | None) -> str:
    """'ABCPK1234L' -> 'ABXXXXXX4L'."""
    if not pan:
        return ""
    return pan[:2] + "X" * (len(pan) - 4) + pan[-2:]
