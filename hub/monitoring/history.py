"""A booth's history for its page: uptime timeline, device incidents, recent events and commands."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Connection, desc, select

from hub.db.schema import alerts, commands, events, status_changes


def uptime(conn: Connection, booth_id: str, now: datetime, days: int = 7) -> dict[str, Any]:
    """Status changes of the last days as spans [{state, start, end}] and the online share."""
    since = now - timedelta(days=days)
    before = conn.execute(
        select(status_changes.c.state)
        .where(status_changes.c.booth_id == booth_id, status_changes.c.received_at < since)
        .order_by(desc(status_changes.c.id))
        .limit(1)
    ).scalar()
    rows = conn.execute(
        select(status_changes.c.state, status_changes.c.received_at)
        .where(status_changes.c.booth_id == booth_id, status_changes.c.received_at >= since)
        .order_by(status_changes.c.id)
    ).all()
    if before is None and rows:
        since = rows[0].received_at  # a booth younger than the window: show its whole life
    spans: list[dict[str, Any]] = []
    state, start = before or "unknown", since
    for row in rows:
        if row.received_at > start:
            spans.append({"state": state, "start": start, "end": row.received_at})
        state, start = row.state, row.received_at
    spans.append({"state": state, "start": start, "end": now})
    total = (now - since).total_seconds()
    online = sum((s["end"] - s["start"]).total_seconds() for s in spans if s["state"] == "online")
    for s in spans:
        s["pct_start"] = round((s["start"] - since).total_seconds() / total * 100, 3)
        s["pct_width"] = round((s["end"] - s["start"]).total_seconds() / total * 100, 3)
    return {"spans": spans, "online_share": online / total if total else 0.0, "days": days}


def changes(conn: Connection, booth_id: str, limit: int = 50) -> list[Any]:
    """The booth's latest status changes, newest first."""
    return list(
        conn.execute(
            select(status_changes)
            .where(status_changes.c.booth_id == booth_id)
            .order_by(desc(status_changes.c.id))
            .limit(limit)
        ).all()
    )


def incidents(conn: Connection, booth_id: str, limit: int = 50) -> list[Any]:
    """The booth's alerts (device and others), newest first."""
    return list(
        conn.execute(
            select(alerts).where(alerts.c.booth_id == booth_id).order_by(desc(alerts.c.id)).limit(limit)
        ).all()
    )


def recent_events(conn: Connection, booth_id: str, limit: int = 50) -> list[Any]:
    """The booth's latest events by seq, newest first (no personal data is shown from them)."""
    return list(
        conn.execute(
            select(events.c.seq, events.c.type, events.c.at, events.c.tracking_id, events.c.received_at)
            .where(events.c.booth == booth_id)
            .order_by(desc(events.c.seq))
            .limit(limit)
        ).all()
    )


def recent_commands(conn: Connection, booth_id: str, limit: int = 30) -> list[Any]:
    """Commands sent to the booth, newest first."""
    return list(
        conn.execute(
            select(commands)
            .where(commands.c.booth_id == booth_id)
            .order_by(desc(commands.c.created_at))
            .limit(limit)
        ).all()
    )
