"""Print jobs: kept whether or not the printer managed to print them, with their document for reprints."""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass

STATUSES = ("pending", "printed", "failed")


@dataclass(frozen=True)
class PrintJob:
    """One job: what it is, for which parcel, its state and (when kept) its document JSON."""

    id: int
    kind: str
    tracking_id: str | None
    status: str
    detail: str
    attempts: int
    created_at: str
    printed_at: str | None
    content: str
    document: str | None


_BY_ID = (
    "SELECT id, kind, tracking_id, status, detail, attempts, created_at, printed_at, content, document"
    " FROM print_jobs WHERE id = ?"
)
_RECENT = (
    "SELECT id, kind, tracking_id, status, detail, attempts, created_at, printed_at, content, document"
    " FROM print_jobs WHERE ? IS NULL OR status = ? ORDER BY id DESC LIMIT ?"
)


def add(
    tx: sqlite3.Connection,
    kind: str,
    tracking_id: str | None,
    content: str,
    at: str,
    document: str | None = None,
) -> int:
    """Record a job to print (its text, and the document JSON it is rendered from) and return its id."""
    cur = tx.execute(
        "INSERT INTO print_jobs (kind, tracking_id, content, document, created_at) VALUES (?, ?, ?, ?, ?)",
        (kind, tracking_id, content, document, at),
    )
    return int(cur.lastrowid or 0)


def mark(tx: sqlite3.Connection, job_id: int, status: str, detail: str = "", at: str | None = None) -> None:
    """Set a job's status (printed | failed) and detail; count the attempt."""
    tx.execute(
        "UPDATE print_jobs SET status = ?, detail = ?, attempts = attempts + 1,"
        " printed_at = CASE WHEN ? = 'printed' THEN COALESCE(?, printed_at) ELSE printed_at END WHERE id = ?",
        (status, detail, status, at, job_id),
    )


def get(tx: sqlite3.Connection, job_id: int) -> PrintJob | None:
    """One job, or None."""
    row = tx.execute(_BY_ID, (job_id,)).fetchone()
    return PrintJob(*row) if row else None


def recent(tx: sqlite3.Connection, limit: int = 50, status: str | None = None) -> list[PrintJob]:
    """The newest jobs first, optionally only those with a status."""
    rows = tx.execute(_RECENT, (status, status, limit))
    return [PrintJob(*row) for row in rows.fetchall()]


def latest_for(tx: sqlite3.Connection, tracking_id: str) -> str | None:
    """Status of the newest job for a parcel, or None."""
    row = tx.execute(
        "SELECT status FROM print_jobs WHERE tracking_id = ? ORDER BY id DESC LIMIT 1", (tracking_id,)
    ).fetchone()
    return str(row[0]) if row else None
