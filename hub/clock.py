"""The hub's notion of now, and the country's clock that people read."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

# What customers and staff read: Bangladesh Standard Time, which keeps no daylight saving.
DHAKA = timezone(timedelta(hours=6), "Asia/Dhaka")


def utcnow() -> datetime:
    """The current time, timezone-aware in UTC."""
    return datetime.now(UTC)
