"""Closed business days: the COD expected and counted when the day's cash was closed."""

from __future__ import annotations

import sqlite3
from typing import Any


def get(tx: sqlite3.Connection, business_date: str) -> dict[str, Any] | None:
    """The close of one day, or None while it is open."""
    row = tx.execute("SELECT * FROM cash_days WHERE business_date = ?", (business_date,)).fetchone()
    return dict(row) if row else None


def insert(tx: sqlite3.Connection, **values: Any) -> None:
    """Record a day's close (the primary key refuses a second close of the same day)."""
    names = ", ".join(values)
    marks = ", ".join("?" for _ in values)
    tx.execute(f"INSERT INTO cash_days ({names}) VALUES ({marks})", tuple(values.values()))  # noqa: S608
