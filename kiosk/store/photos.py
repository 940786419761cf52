"""Counter photos (parcel, proof of delivery): each taking a row with its JPEG and the JPEG's sha256."""

from __future__ import annotations

import sqlite3
from dataclasses import asdict, dataclass


@dataclass(frozen=True)
class Photo:
    """A stored photo's metadata (the JPEG itself is fetched with `jpeg`)."""

    sha256: str
    kind: str
    tracking_id: str | None
    width: int
    height: int
    taken_at: str


def add(tx: sqlite3.Connection, photo: Photo, jpeg: bytes) -> None:
    """Keep a photo of a parcel (or of none). The same bytes taken for another parcel or purpose are
    a photo of their own; only the same photo kept twice (bytes, kind and parcel) is stored once."""
    tx.execute(
        "INSERT INTO photos (sha256, kind, tracking_id, width, height, jpeg, taken_at)"
        " SELECT :sha256, :kind, :tracking_id, :width, :height, :jpeg, :taken_at WHERE NOT EXISTS"
        " (SELECT 1 FROM photos WHERE sha256 = :sha256 AND kind = :kind AND tracking_id IS :tracking_id)",
        {**asdict(photo), "jpeg": jpeg},
    )


def jpeg(tx: sqlite3.Connection, sha256: str) -> bytes | None:
    """The JPEG bytes of a photo, or None."""
    row = tx.execute("SELECT jpeg FROM photos WHERE sha256 = ? LIMIT 1", (sha256,)).fetchone()
    return bytes(row[0]) if row else None


def for_parcel(tx: sqlite3.Connection, tracking_id: str) -> list[Photo]:
    """Photos of one parcel, oldest first."""
    rows = tx.execute(
        "SELECT sha256, kind, tracking_id, width, height, taken_at FROM photos"
        " WHERE tracking_id = ? ORDER BY taken_at, id",
        (tracking_id,),
    ).fetchall()
    return [Photo(*row) for row in rows]
