"""Parcel state derived from the set of its stored events, anomalies, and inbound manifests."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Connection, select

from hub.db.schema import anomalies, events, parcels
from hub.db.types import utc_text
from hub.ingest.outbox import enqueue
from parcel import topics
from parcel.lifecycle import Derived, EventType, SeenEvent, derive
from parcel.messages import Manifest


def rederive(conn: Connection, tracking_id: str, now: datetime) -> Derived:
    """Recompute a parcel from all its events: upsert its row, replace its anomalies, queue its manifest."""
    rows = conn.execute(
        select(events.c.id, events.c.type, events.c.at, events.c.booth, events.c.data).where(
            events.c.tracking_id == tracking_id
        )
    ).all()
    data_by_id: dict[str, dict[str, Any]] = {}
    seen: list[SeenEvent] = []
    for r in rows:
        kind = EventType(r.type)
        data_by_id[r.id] = r.data
        destination = r.data.get("destination") if kind == EventType.ACCEPTED else None
        seen.append(SeenEvent(id=r.id, type=kind, at=utc_text(r.at), booth=r.booth, destination=destination))
    derived = derive(seen)
    if derived.status is None:
        return derived
    accepted = next((e for e in derived.counted if e.type == EventType.ACCEPTED), None)
    values: dict[str, Any] = {"status": derived.status.value, "updated_at": now}
    if accepted is not None:
        values.update(_from_acceptance(data_by_id[accepted.id]))
    if conn.execute(select(parcels.c.tracking_id).where(parcels.c.tracking_id == tracking_id)).first():
        conn.execute(parcels.update().where(parcels.c.tracking_id == tracking_id).values(**values))
    else:
        conn.execute(parcels.insert().values(tracking_id=tracking_id, **values))
    conn.execute(anomalies.delete().where(anomalies.c.tracking_id == tracking_id))
    if derived.anomalies:
        conn.execute(
            anomalies.insert(),
            [{"event_id": e.id, "tracking_id": tracking_id, "reason": why} for e, why in derived.anomalies],
        )
    if accepted is not None:
        _queue_manifest(conn, tracking_id, data_by_id[accepted.id], now)
    return derived


def _from_acceptance(data: dict[str, Any]) -> dict[str, Any]:
    return {
        "origin": data["origin"],
        "destination": data["destination"],
        "recipient_name": data["recipient"]["name"],
        "recipient_phone": data["recipient"]["phone"],
        "cod_amount": data["cod_amount"],
        "fee": data["fee"],
        "weight_g": data["weight_g"],
    }


def _queue_manifest(conn: Connection, tracking_id: str, data: dict[str, Any], now: datetime) -> None:
    manifest = Manifest(
        tracking_id=tracking_id,
        origin=data["origin"],
        destination=data["destination"],
        recipient=data["recipient"],
        cod_amount=data["cod_amount"],
        weight_g=data["weight_g"],
        merchant=data.get("merchant"),
    )
    topic = topics.booth_topic(manifest.destination, topics.MANIFEST)
    enqueue(conn, f"manifest:{tracking_id}", topic, manifest.model_dump_json().encode(), now, qos=1)
