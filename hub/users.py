"""Monitoring-cell staff accounts: roles and scrypt password hashes."""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
from dataclasses import dataclass

from sqlalchemy import Connection, select

from hub.clock import utcnow
from hub.db.schema import users

ROLES = ("viewer", "operator", "admin")
_N, _R, _P = 2**14, 8, 1
MIN_PASSWORD = 8


@dataclass(frozen=True)
class User:
    """A logged-in member of the cell."""

    id: int
    name: str
    role: str

    def may(self, role: str) -> bool:
        """True when this user's role is at least role (viewer < operator < admin)."""
        return ROLES.index(self.role) >= ROLES.index(role)


def hash_password(password: str) -> str:
    """An scrypt hash of password as 'scrypt$N$r$p$salt$digest' (base64)."""
    salt = secrets.token_bytes(16)
    digest = hashlib.scrypt(password.encode(), salt=salt, n=_N, r=_R, p=_P, dklen=32)
    b64 = base64.b64encode
    return f"scrypt${_N}${_R}${_P}${b64(salt).decode()}${b64(digest).decode()}"


def verify_password(password: str, stored: str) -> bool:
    """True when password matches the stored scrypt hash."""
    try:
        scheme, n, r, p, salt, digest = stored.split("$")
        if scheme != "scrypt":
            return False
        want = base64.b64decode(digest)
        got = hashlib.scrypt(
            password.encode(), salt=base64.b64decode(salt), n=int(n), r=int(r), p=int(p), dklen=len(want)
        )
    except (ValueError, TypeError):
        return False
    return hmac.compare_digest(got, want)


def create_user(conn: Connection, name: str, role: str, password: str) -> int:
    """Create (or reset the password and role of) user name; return its id."""
    if role not in ROLES:
        raise ValueError(f"role must be one of {', '.join(ROLES)}")
    if len(password) < MIN_PASSWORD:
        raise ValueError(f"the password must have at least {MIN_PASSWORD} characters")
    if not name or len(name) > 64:
        raise ValueError("the name must have 1 to 64 characters")
    hashed = hash_password(password)
    found = conn.execute(select(users.c.id).where(users.c.name == name)).scalar()
    if found is not None:
        conn.execute(users.update().where(users.c.id == found).values(role=role, password_hash=hashed))
        return int(found)
    return int(
        conn.execute(
            users.insert().values(name=name, role=role, password_hash=hashed, created_at=utcnow())
        ).inserted_primary_key[0]
    )


def authenticate(conn: Connection, name: str, password: str) -> User | None:
    """The user when name and password match, else None (the same work is done either way)."""
    row = conn.execute(select(users).where(users.c.name == name)).first()
    if row is None:
        verify_password(password, hash_password("not-a-user"))
        return None
    if not verify_password(password, row.password_hash):
        return None
    return User(row.id, row.name, row.role)


def get_user(conn: Connection, user_id: int) -> User | None:
    """The user with user_id, or None when it no longer exists."""
    row = conn.execute(select(users).where(users.c.id == user_id)).first()
    return User(row.id, row.name, row.role) if row else None
