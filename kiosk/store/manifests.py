"""Manifests: parcels the hub announced to this booth."""

from __future__ import annotations

import sqlite3

from parcel.control import Manifest


def put(tx: sqlite3.Connection, manifest: Manifest, at: str) -> None:
    """Store (or replace) the manifest of a parcel."""
    tx.execute(
        "INSERT OR REPLACE INTO manifests (tracking_id, payload, received_at, purpose) VALUES (?, ?, ?, ?)",
        (manifest.tracking_id, manifest.model_dump_json(), at, manifest.purpose or "receive"),
    )


def get(tx: sqlite3.Connection, tracking_id: str) -> Manifest | None:
    """The manifest of a parcel, or None."""
    row = tx.execute("SELECT payload FROM manifests WHERE tracking_id = ?", (tracking_id,)).fetchone()
    return Manifest.model_validate_json(row[0]) if row else None


def with_purpose(tx: sqlite3.Connection, purpose: str) -> list[Manifest]:
    """Manifests sent here for one purpose ("receive", "intake" or "return"), oldest first."""
    rows = tx.execute(
        "SELECT payload FROM manifests WHERE purpose = ? ORDER BY received_at, tracking_id", (purpose,)
    ).fetchall()
    return [Manifest.model_validate_json(r[0]) for r in rows]
