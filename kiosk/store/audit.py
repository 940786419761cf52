"""The local audit trail of counter attempts (never holds codes or PINs)."""

from __future__ import annotations

import sqlite3


def record(
    tx: sqlite3.Connection, at: str, clerk: str | None, action: str, tracking_id: str | None, outcome: str
) -> None:
    """Append one audit row."""
    tx.execute(
        "INSERT INTO audit (at, clerk, action, tracking_id, outcome) VALUES (?, ?, ?, ?, ?)",
        (at, clerk, action, tracking_id, outcome),
    )
