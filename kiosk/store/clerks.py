"""Counter clerks and their PIN hashes."""

from __future__ import annotations

import sqlite3
from typing import Any


def get(tx: sqlite3.Connection, clerk_id: str) -> dict[str, Any] | None:
    """The clerk row, or None."""
    row = tx.execute("SELECT * FROM clerks WHERE id = ?", (clerk_id,)).fetchone()
    return dict(row) if row else None


def upsert(tx: sqlite3.Connection, clerk_id: str, pin_hash: bytes, salt: bytes, role: str, at: str) -> None:
    """Create a clerk or reset an existing one's PIN and role."""
    tx.execute(
        "INSERT INTO clerks (id, pin_hash, pin_salt, role, failed_attempts, locked_until, created_at) "
        "VALUES (?, ?, ?, ?, 0, NULL, ?) ON CONFLICT(id) DO UPDATE SET pin_hash = excluded.pin_hash, "
        "pin_salt = excluded.pin_salt, role = excluded.role, failed_attempts = 0, locked_until = NULL",
        (clerk_id, pin_hash, salt, role, at),
    )


def set_attempts(tx: sqlite3.Connection, clerk_id: str, failed: int, locked_until: float | None) -> None:
    """Record the failed-attempt count and lock time of a clerk."""
    tx.execute(
        "UPDATE clerks SET failed_attempts = ?, locked_until = ? WHERE id = ?",
        (failed, locked_until, clerk_id),
    )
