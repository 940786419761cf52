"""Parcels known at this booth: accepted here or received here."""

from __future__ import annotations

import sqlite3
from typing import Any

COLUMNS = [
    "tracking_id",
    "origin",
    "destination",
    "recipient_name",
    "recipient_phone",
    "cod_amount",
    "fee",
    "weight_g",
    "status",
    "announced",
    "code_hash",
    "code_salt",
    "code_expires_at",
    "code_attempts",
    "locked",
    "clerk",
    "created_at",
    "updated_at",
    "shelf",
    "photo_sha256",
    "cod_collected",
    "verified_by",
    "delivered_at",
    "business_date",
    "return_reason",
    "ready_at",
    "merchant",
    "return_arrived_at",
    "return_collected_at",
    "collected_by",
    "sender_name",
    "sender_phone",
    "sender_match",
]


def get(tx: sqlite3.Connection, tracking_id: str) -> dict[str, Any] | None:
    """The parcel row as a dict, or None."""
    row = tx.execute("SELECT * FROM parcels WHERE tracking_id = ?", (tracking_id,)).fetchone()
    return dict(row) if row else None


def insert(tx: sqlite3.Connection, **values: Any) -> None:
    """Insert a parcel row."""
    unknown = set(values) - set(COLUMNS)
    if unknown:
        raise KeyError(f"unknown parcel columns {sorted(unknown)}")
    names = ", ".join(values)
    marks = ", ".join("?" for _ in values)
    tx.execute(f"INSERT INTO parcels ({names}) VALUES ({marks})", tuple(values.values()))  # noqa: S608


def update(tx: sqlite3.Connection, tracking_id: str, **values: Any) -> None:
    """Update columns of one parcel."""
    unknown = set(values) - set(COLUMNS)
    if unknown:
        raise KeyError(f"unknown parcel columns {sorted(unknown)}")
    sets = ", ".join(f"{k} = ?" for k in values)
    tx.execute(f"UPDATE parcels SET {sets} WHERE tracking_id = ?", (*values.values(), tracking_id))  # noqa: S608


def exists(tx: sqlite3.Connection, tracking_id: str) -> bool:
    """True when the parcel is known here."""
    return tx.execute("SELECT 1 FROM parcels WHERE tracking_id = ?", (tracking_id,)).fetchone() is not None


def ready_by_phone(tx: sqlite3.Connection, destination: str, phone: str) -> list[dict[str, Any]]:
    """Parcels ready (or locked) for collection here for one recipient phone."""
    rows = tx.execute(
        "SELECT * FROM parcels WHERE destination = ? AND recipient_phone = ? AND status = 'ready' "
        "ORDER BY updated_at",
        (destination, phone),
    ).fetchall()
    return [dict(r) for r in rows]


def ready_before(tx: sqlite3.Connection, destination: str, before: str) -> list[dict[str, Any]]:
    """Parcels ready here since before a time (uncollected candidates for return)."""
    rows = tx.execute(
        "SELECT * FROM parcels WHERE destination = ? AND status = 'ready' AND ready_at IS NOT NULL "
        "AND ready_at <= ? ORDER BY ready_at",
        (destination, before),
    ).fetchall()
    return [dict(r) for r in rows]


def delivered_on(tx: sqlite3.Connection, destination: str, business_date: str) -> list[dict[str, Any]]:
    """Parcels delivered here on one business day (for the cash close)."""
    rows = tx.execute(
        "SELECT * FROM parcels WHERE destination = ? AND status = 'delivered' AND business_date = ? "
        "ORDER BY delivered_at",
        (destination, business_date),
    ).fetchall()
    return [dict(r) for r in rows]


def with_status(tx: sqlite3.Connection, status: str, origin: str) -> list[dict[str, Any]]:
    """Parcels of one status whose sender's booth is origin (returns back here), oldest first."""
    rows = tx.execute(
        "SELECT * FROM parcels WHERE status = ? AND origin = ? ORDER BY updated_at", (status, origin)
    ).fetchall()
    return [dict(r) for r in rows]
