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
