"""Submission keys of counter forms: a form sent twice finds the parcel its first send created."""

from __future__ import annotations

import sqlite3


def get(tx: sqlite3.Connection, key: str) -> str | None:
    """The tracking id a submission key created, or None."""
    row = tx.execute("SELECT tracking_id FROM submissions WHERE key = ?", (key,)).fetchone()
    return str(row[0]) if row else None


def put(tx: sqlite3.Connection, key: str, tracking_id: str, at: str) -> None:
    """Remember what a submission key created."""
    tx.execute("INSERT INTO submissions (key, tracking_id, at) VALUES (?, ?, ?)", (key, tracking_id, at))


def keys_for(tx: sqlite3.Connection, tracking_id: str) -> set[str]:
    """The submission keys of the forms that took one parcel in."""
    rows = tx.execute("SELECT key FROM submissions WHERE tracking_id = ?", (tracking_id,)).fetchall()
    return {str(r[0]) for r in rows}
