"""The monitoring cell's view of booths: online state, last seen, devices and outbox backlog."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Connection, select

from hub.db.schema import booths


def booth_list(conn: Connection) -> list[dict[str, Any]]:
    """Every registered booth as the booths API shows it."""
    rows = conn.execute(
        select(booths.c.booth_id, booths.c.state, booths.c.last_seen, booths.c.health).order_by(
            booths.c.booth_id
        )
    ).all()
    out = []
    for r in rows:
        health = r.health or {}
        out.append(
            {
                "booth_id": r.booth_id,
                "state": "online" if r.state == "online" else "offline",
                "last_seen": r.last_seen.isoformat() if r.last_seen else None,
                "devices": health.get("devices", {}),
                "outbox": health.get("outbox"),
            }
        )
    return out
