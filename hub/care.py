"""Customer care: find a customer's parcels and see everything the hub knows about one."""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

from sqlalchemy import Connection, select

from hub.db.schema import commands, events, notifications, parcels, preadvices
from parcel import s10
from parcel.money import format_taka
from parcel.phone import normalise_mobile

CARE_COMMANDS = ("fetch_photo", "reissue_code")


def search(conn: Connection, query: str) -> tuple[str | None, list[dict[str, Any]]]:
    """(tracking id, []) for a valid tracking number, else (None, parcels of that phone number)."""
    query = query.strip()
    try:
        return s10.validate(query), []
    except s10.InvalidTrackingNumber:
        pass
    try:
        phone = normalise_mobile(query)
    except ValueError:
        return None, []
    found: dict[str, dict[str, Any]] = {}
    for r in conn.execute(
        select(parcels.c.tracking_id, parcels.c.status, parcels.c.recipient_name, parcels.c.updated_at)
        .where(parcels.c.recipient_phone == phone)
        .order_by(parcels.c.updated_at.desc())
        .limit(100)
    ):
        found[r.tracking_id] = {"tracking_id": r.tracking_id, "status": r.status, "name": r.recipient_name}
    for r in conn.execute(
        select(preadvices.c.tracking_id, preadvices.c.recipient_name)
        .where(preadvices.c.recipient_phone == phone)
        .limit(100)
    ):
        found.setdefault(
            r.tracking_id, {"tracking_id": r.tracking_id, "status": "pre_advised", "name": r.recipient_name}
        )
    return None, list(found.values())


def parcel_file(conn: Connection, tracking_id: str) -> dict[str, Any] | None:
    """Everything about one parcel for care staff: details, full timeline, SMS, care commands."""
    p = conn.execute(select(parcels).where(parcels.c.tracking_id == tracking_id)).first()
    pre = conn.execute(select(preadvices).where(preadvices.c.tracking_id == tracking_id)).first()
    if p is None and pre is None:
        return None
    timeline = [
        {"type": r.type, "at": r.at.isoformat(), "booth": r.booth, "detail": _detail(r.data)}
        for r in conn.execute(
            select(events.c.type, events.c.at, events.c.booth, events.c.data)
            .where(events.c.tracking_id == tracking_id)
            .order_by(events.c.at, events.c.seq)
        )
    ]
    sms = [
        {
            "cause": r.cause.split(":")[0],
            "status": r.status,
            "sent_at": r.sent_at,
            "attempts": r.attempts,
            "channel": r.channel,
            "language": r.language or "bn",
            "delivery": r.delivery_status,
            "delivered_at": r.delivered_at,
        }
        for r in conn.execute(
            select(
                notifications.c.cause,
                notifications.c.status,
                notifications.c.sent_at,
                notifications.c.attempts,
                notifications.c.channel,
                notifications.c.language,
                notifications.c.delivery_status,
                notifications.c.delivered_at,
            )
            .where(notifications.c.tracking_id == tracking_id)
            .order_by(notifications.c.id)
        )
    ]
    destination = (p.destination if p is not None else None) or (pre.destination if pre is not None else None)
    history = conn.execute(
        select(events.c.type, events.c.at, events.c.booth, events.c.data)
        .where(
            events.c.tracking_id == tracking_id,
            events.c.type.in_(("parcel.accepted", "parcel.return_collected")),
        )
        .order_by(events.c.at, events.c.seq)
    ).all()
    return {
        "tracking_id": tracking_id,
        "status": p.status if p is not None else "pre_advised",
        "destination": destination,
        "origin": p.origin if p is not None else None,
        "name": (p.recipient_name if p is not None else None) or (pre.recipient_name if pre else None),
        "phone": (p.recipient_phone if p is not None else None) or (pre.recipient_phone if pre else None),
        "cod": format_taka(p.cod_amount) if p is not None and p.cod_amount is not None else None,
        "merchant": pre.merchant if pre is not None else None,
        "sender": _sender(history, pre.merchant if pre is not None else None),
        "returned_to": _returned_to(history),
        "events": timeline,
        "sms": sms,
        "commands": care_commands(conn, destination, tracking_id) if destination else [],
    }


DETAIL_KEYS = (
    "reason",
    "cod_collected",
    "verified_by",
    "shelf",
    "unannounced",
    "collected_by",
    "collector_name",
    "document_kind",
    "document_tail",
    "sender_match",
    "approved_by",
)


def _detail(data: dict[str, Any]) -> list[tuple[str, Any]]:
    """What a care agent needs from an event's data, as (key, value) pairs in DETAIL_KEYS order (for
    a return handed back: who took it, on which document, whether they matched the recorded sender);
    fields left empty are left out, and never the code or its hash. The page names each field in its
    language (hub.web.labels.detail)."""
    return [(k, data[k]) for k in DETAIL_KEYS if data.get(k) is not None]


def _sender(history: Sequence[Any], merchant: str | None) -> dict[str, Any] | None:
    """The sender recorded at intake (kind, name, phone), else the pre-advising merchant, else None."""
    for r in history:
        if r.type == "parcel.accepted" and r.data.get("sender"):
            sender = r.data["sender"]
            return {"kind": sender["kind"], "name": sender.get("name"), "phone": sender.get("phone")}
    return {"kind": "merchant", "name": merchant, "phone": None} if merchant else None


def _returned_to(history: Sequence[Any]) -> dict[str, Any] | None:
    """Who a returned parcel was handed back to, at which booth and when; None until it was."""
    done = [r for r in history if r.type == "parcel.return_collected"]
    if not done:
        return None
    r = done[0]  # one handback counts; a second one is an anomaly shown in the timeline
    return {
        "at": r.at.isoformat(),
        "booth": r.booth,
        "collected_by": r.data.get("collected_by"),
        "name": r.data.get("collector_name"),
        "document": f"{r.data.get('document_kind')} …{r.data.get('document_tail')}",
        "sender_match": r.data.get("sender_match"),
        "approved_by": r.data.get("approved_by"),
    }


def care_commands(conn: Connection, booth_id: str, tracking_id: str) -> list[dict[str, Any]]:
    """fetch_photo / reissue_code commands sent for this parcel, newest first, with a photo when fetched."""
    out = []
    for r in conn.execute(
        select(commands)
        .where(commands.c.booth_id == booth_id)
        .order_by(commands.c.created_at.desc())
        .limit(500)
    ):
        if r.name not in CARE_COMMANDS or (r.args or {}).get("tracking_id") != tracking_id:
            continue
        photo = None
        if r.name == "fetch_photo" and r.ok and r.detail:
            try:
                photo = json.loads(r.detail).get("jpeg_base64")
            except (ValueError, AttributeError):
                photo = None
        out.append(
            {
                "name": r.name,
                "status": r.status,
                "actor": r.actor,
                "created_at": r.created_at.isoformat(),
                "ok": r.ok,
                "detail": None if photo else (r.detail or "")[:300],
                "photo": photo,
            }
        )
    return out
