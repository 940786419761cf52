"""API keys: random, shown once, stored only as SHA-256."""

from __future__ import annotations

import hashlib
import secrets

from sqlalchemy import Connection, select

from hub.clock import utcnow
from hub.db.schema import api_keys

ROLES = ("merchant", "monitor", "admin")


def key_hash(key: str) -> str:
    """SHA-256 hex of a key (keys are long and random, so no salt is needed)."""
    return hashlib.sha256(key.encode()).hexdigest()


def create_api_key(conn: Connection, name: str, role: str) -> str:
    """Store a new key for name with role and return the plaintext, which is not kept."""
    if role not in ROLES:
        raise ValueError(f"role must be one of {', '.join(ROLES)}")
    key = "dak_" + secrets.token_urlsafe(32)
    conn.execute(
        api_keys.insert().values(name=name, role=role, key_sha256=key_hash(key), created_at=utcnow())
    )
    return key


def role_of(conn: Connection, key: str) -> str | None:
    """The role of a presented key, or None when it is not known."""
    return conn.execute(select(api_keys.c.role).where(api_keys.c.key_sha256 == key_hash(key))).scalar()


def identify(conn: Connection, key: str) -> tuple[str, str] | None:
    """The (name, role) of a presented key, or None when it is not known."""
    row = conn.execute(
        select(api_keys.c.name, api_keys.c.role).where(api_keys.c.key_sha256 == key_hash(key))
    ).first()
    return None if row is None else (row.name, row.role)
