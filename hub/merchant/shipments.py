"""A merchant's view of its shipments: pre-advice data, current status and full timeline."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Connection, Row, select

from hub.db.schema import events, parcels, preadvices
from parcel.money import format_taka

PRE_ADVISED = "pre_advised"
MAX_PAGE = 500


def _summary(r: Row[Any]) -> dict[str, Any]:
    return {
        "tracking_id": r.tracking_id,
        "reference": r.reference,
        "status": r.status or PRE_ADVISED,
        "destination": r.destination,
        # Where the parcel was taken in; before that, where the merchant said it would hand it in.
        "origin": r.accepted_at or r.planned_origin,
        "recipient": {"name": r.recipient_name, "phone": r.recipient_phone},
        "cod_amount": format_taka(r.cod_amount),
        "weight_g": r.weight_g,
        "created_at": r.created_at.isoformat(),
        "updated_at": r.updated_at.isoformat() if r.updated_at else None,
        "label_url": f"/api/v1/merchant/shipments/{r.tracking_id}/label.png",
    }


def _base() -> Any:
    return select(
        preadvices.c.tracking_id,
        preadvices.c.reference,
        preadvices.c.destination,
        preadvices.c.recipient_name,
        preadvices.c.recipient_phone,
        preadvices.c.cod_amount,
        preadvices.c.weight_g,
        preadvices.c.created_at,
        preadvices.c.origin.label("planned_origin"),
        parcels.c.origin.label("accepted_at"),
        parcels.c.status,
        parcels.c.updated_at,
    ).select_from(preadvices.outerjoin(parcels, parcels.c.tracking_id == preadvices.c.tracking_id))


def get(conn: Connection, merchant: str, tracking_id: str) -> dict[str, Any] | None:
    """One of the merchant's shipments with its timeline, or None (also for another merchant's parcel)."""
    row = conn.execute(
        _base().where(preadvices.c.tracking_id == tracking_id, preadvices.c.merchant == merchant)
    ).first()
    if row is None:
        return None
    out = _summary(row)
    timeline = conn.execute(
        select(events.c.id, events.c.type, events.c.at, events.c.booth)
        .where(events.c.tracking_id == tracking_id)
        .order_by(events.c.at, events.c.seq)
    ).all()
    out["events"] = [
        {"event_id": e.id, "type": e.type, "at": e.at.isoformat(), "booth": e.booth} for e in timeline
    ]
    return out


def page(
    conn: Connection,
    merchant: str,
    *,
    since: datetime | None = None,
    reference: str | None = None,
    after: str | None = None,
    limit: int = 100,
) -> dict[str, Any]:
    """The merchant's shipments, oldest first, paged by tracking id cursor `after`."""
    query = _base().where(preadvices.c.merchant == merchant)
    if since is not None:
        query = query.where(preadvices.c.created_at >= since)
    if reference is not None:
        query = query.where(preadvices.c.reference == reference)
    if after is not None:
        cursor = conn.execute(
            select(preadvices.c.created_at).where(
                preadvices.c.tracking_id == after, preadvices.c.merchant == merchant
            )
        ).scalar()
        if cursor is not None:
            query = query.where(
                (preadvices.c.created_at > cursor)
                | ((preadvices.c.created_at == cursor) & (preadvices.c.tracking_id > after))
            )
    rows = conn.execute(
        query.order_by(preadvices.c.created_at, preadvices.c.tracking_id).limit(min(limit, MAX_PAGE) + 1)
    ).all()
    items = [_summary(r) for r in rows[: min(limit, MAX_PAGE)]]
    more = len(rows) > min(limit, MAX_PAGE)
    return {"shipments": items, "next_after": items[-1]["tracking_id"] if more and items else None}
