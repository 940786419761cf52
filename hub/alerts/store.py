"""The alerts table: open, acknowledge, resolve, list."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Connection, desc, select

from hub.clock import utcnow
from hub.db.schema import alerts


def open_keys(conn: Connection) -> dict[tuple[str, str], int]:
    """{(booth, kind): alert id} of every alert not resolved."""
    rows = conn.execute(
        select(alerts.c.id, alerts.c.booth_id, alerts.c.kind).where(alerts.c.status != "resolved")
    ).all()
    return {(r.booth_id, r.kind): r.id for r in rows}


def open_alert(conn: Connection, booth_id: str, kind: str, detail: str, now: datetime) -> int:
    """Open a new alert; return its id."""
    return int(
        conn.execute(
            alerts.insert().values(
                booth_id=booth_id, kind=kind, detail=detail[:500], status="open", opened_at=now
            )
        ).inserted_primary_key[0]
    )


def resolve(conn: Connection, alert_id: int, now: datetime) -> None:
    """Resolve an alert (its condition has been gone long enough)."""
    conn.execute(
        alerts.update()
        .where(alerts.c.id == alert_id, alerts.c.status != "resolved")
        .values(status="resolved", resolved_at=now)
    )


def acknowledge(conn: Connection, alert_id: int, actor: str) -> bool:
    """Mark an open alert acknowledged by actor; False when it is not open."""
    return bool(
        conn.execute(
            alerts.update()
            .where(alerts.c.id == alert_id, alerts.c.status == "open")
            .values(status="acknowledged", acked_at=utcnow(), acked_by=actor)
        ).rowcount
    )


def active(conn: Connection, limit: int = 500) -> list[Any]:
    """Open and acknowledged alerts, newest first."""
    return list(
        conn.execute(
            select(alerts)
            .where(alerts.c.status != "resolved")
            .order_by(desc(alerts.c.opened_at))
            .limit(limit)
        ).all()
    )


def recently_resolved(conn: Connection, limit: int = 50) -> list[Any]:
    """The latest resolved alerts."""
    return list(
        conn.execute(
            select(alerts)
            .where(alerts.c.status == "resolved")
            .order_by(desc(alerts.c.resolved_at))
            .limit(limit)
        ).all()
    )


def for_booth(conn: Connection, booth_id: str, kind: str | None = None) -> list[Any]:
    """A booth's alerts (optionally of one kind), oldest first."""
    q = select(alerts).where(alerts.c.booth_id == booth_id)
    if kind:
        q = q.where(alerts.c.kind == kind)
    return list(conn.execute(q.order_by(alerts.c.id)).all())
