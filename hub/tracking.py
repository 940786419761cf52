"""Public tracking: a parcel's status and timeline, without any personal data."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Connection, select

from hub.db.schema import events, parcels, preadvices
from hub.merchant.shipments import PRE_ADVISED
from parcel import s10


def track(conn: Connection, raw_tracking_id: str) -> dict[str, Any] | None:
    """The public view of a parcel, or None when unknown; raise s10.InvalidTrackingNumber when malformed.

    A parcel a merchant has pre-advised but not yet handed in is known: its number is what the merchant
    gives the customer with the order, so it answers as pre_advised with no events yet, not as unknown.
    """
    tracking_id = s10.validate(raw_tracking_id)
    status = conn.execute(select(parcels.c.status).where(parcels.c.tracking_id == tracking_id)).scalar()
    if status is None:
        advised = conn.execute(
            select(preadvices.c.tracking_id).where(preadvices.c.tracking_id == tracking_id)
        ).scalar()
        if advised is None:
            return None
        return {"tracking_id": tracking_id, "status": PRE_ADVISED, "events": []}
    rows = conn.execute(
        select(events.c.type, events.c.at, events.c.booth)
        .where(events.c.tracking_id == tracking_id)
        .order_by(events.c.at, events.c.seq)
    ).all()
    return {
        "tracking_id": tracking_id,
        "status": status,
        "events": [{"type": r.type, "at": r.at.isoformat(), "booth": r.booth} for r in rows],
    }
