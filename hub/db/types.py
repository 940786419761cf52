"""Column types shared by SQLite and PostgreSQL."""

from __future__ import annotations

import functools
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import String
from sqlalchemy.engine import Dialect
from sqlalchemy.types import TypeDecorator


def utc_text(value: datetime) -> str:
    """An aware datetime as fixed-width UTC text (YYYY-MM-DDTHH:MM:SS.ffffff+00:00), so text order is
    time order on every database."""
    if value.tzinfo is None:
        raise ValueError("naive datetime")
    return _utc_text(value)


@functools.lru_cache(maxsize=8192)
def _utc_text(value: datetime) -> str:
    # Cached: ingest writes each event's time twice and a batch's one `now` into many rows. Equal
    # aware datetimes are the same instant, whatever their offsets, so they share one text.
    return value.astimezone(UTC).isoformat(timespec="microseconds")


class UtcDateTime(TypeDecorator[datetime]):
    """An aware datetime stored as fixed-width UTC ISO 8601 text."""

    impl = String(32)
    cache_ok = True

    def process_bind_param(self, value: Any, dialect: Dialect) -> str | None:
        """Store as UTC text."""
        return None if value is None else utc_text(value)

    def process_result_value(self, value: Any, dialect: Dialect) -> datetime | None:
        """Read back as an aware UTC datetime."""
        return None if value is None else datetime.fromisoformat(value)
