"""Print jobs: kept whether or not the printer managed to print them."""

from __future__ import annotations

import sqlite3


def add(tx: sqlite3.Connection, kind: str, tracking_id: str | None, content: str, at: str) -> int:
    """Record a job to print and return its id."""
    cur = tx.execute(
        "INSERT INTO print_jobs (kind, tracking_id, content, created_at) VALUES (?, ?, ?, ?)",
        (kind, tracking_id, content, at),
    )
    return int(cur.lastrowid or 0)


def mark(tx: sqlite3.Connection, job_id: int, status: str, detail: str = "") -> None:
    """Set a job's status (printed | failed) and detail."""
    tx.execute("UPDATE print_jobs SET status = ?, detail = ? WHERE id = ?", (status, detail, job_id))


def latest_for(tx: sqlite3.Connection, tracking_id: str) -> str | None:
    """Status of the newest job for a parcel, or None."""
    row = tx.execute(
        "SELECT status FROM print_jobs WHERE tracking_id = ? ORDER BY id DESC LIMIT 1", (tracking_id,)
    ).fetchone()
    return str(row[0]) if row else None
