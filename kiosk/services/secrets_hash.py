"""Salted scrypt hashes for PINs and collection codes."""

from __future__ import annotations

import hashlib
import hmac
import secrets

SALT_BYTES = 16


def new_salt() -> bytes:
    """A random salt."""
    return secrets.token_bytes(SALT_BYTES)


def digest(secret: str, salt: bytes) -> bytes:
    """scrypt(secret, salt)."""
    return hashlib.scrypt(secret.encode(), salt=salt, n=2**14, r=8, p=1, dklen=32)


def matches(secret: str, salt: bytes, expected: bytes) -> bool:
    """True when secret hashes to expected (constant-time compare)."""
    return hmac.compare_digest(digest(secret, salt), expected)
