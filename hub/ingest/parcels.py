"""Parcel state derived from the set of its stored events, anomalies, and inbound manifests."""

from __future__ import annotations

import contextlib
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from pydantic import ValidationError
from sqlalchemy import Connection, String, select, type_coerce

from hub.db.bulk import insert_rows, update_rows
from hub.db.schema import anomalies, events, mqtt_outbox, parcels, preadvices
from hub.db.sql import chunks, member
from hub.db.types import utc_text
from hub.ingest.outbox import enqueue
from hub.notify.outbox import ReturnNotice, queue_returned
from parcel import topics
from parcel.control import Manifest
from parcel.lifecycle import Derived, EventType, SeenEvent, Status, derive, resume

# A parcel on its way back (or back) to its sender: the sender's booth gets a return manifest.
RETURN_STATUSES = frozenset({Status.RETURNED, Status.RETURN_ARRIVED, Status.RETURN_COLLECTED})


@dataclass(frozen=True)
class StoredEvent:
    """An event stored in the batch being applied, as derivation needs it; an acceptance also
    carries the manifest its destination booth gets when it is the one counted."""

    tracking_id: str
    seen: SeenEvent
    data: dict[str, Any]
    manifest: bytes | None = None


def stored_event(
    event_id: str, kind: EventType, at: datetime, booth: str, tracking_id: str, data: dict[str, Any]
) -> StoredEvent:
    """What derivation needs of an event just stored: it is not read back. It needs no database, so
    ingest makes it before taking its writer turn, the manifest of an acceptance included."""
    manifest = None
    if kind == EventType.ACCEPTED:
        # On failure it is made again when queued, where a failure is handled parcel by parcel.
        with contextlib.suppress(KeyError, ValidationError):
            manifest = intake_manifest(tracking_id, data)
    return StoredEvent(tracking_id, seen_event(event_id, kind, utc_text(at), booth, data), data, manifest)


def intake_manifest(tracking_id: str, data: dict[str, Any]) -> bytes:
    """The manifest of an accepted parcel for its destination booth, from the acceptance's data."""
    return Manifest(
        tracking_id=tracking_id,
        origin=data["origin"],
        destination=data["destination"],
        recipient=data["recipient"],
        cod_amount=data["cod_amount"],
        weight_g=data["weight_g"],
        merchant=data.get("merchant"),
    ).wire()


def seen_event(event_id: str, kind: EventType, at: str, booth: str, data: dict[str, Any]) -> SeenEvent:
    """The part of a stored event derivation needs (an acceptance also names its booths)."""
    if kind != EventType.ACCEPTED:
        return SeenEvent(id=event_id, type=kind, at=at, booth=booth)
    return SeenEvent(
        id=event_id,
        type=kind,
        at=at,
        booth=booth,
        destination=data.get("destination"),
        origin=data.get("origin"),
    )


def _queue_return(
    conn: Connection, tracking_id: str, derived: Derived, data_by_id: dict[str, dict[str, Any]], now: datetime
) -> None:
    """Once a return is counted, tell the sender's booth it is coming (cause return:<id>), so that
    booth can match it offline. The sender's booth comes from the acceptance, else from the
    pre-advice; with neither known yet, a later derivation (when the acceptance lands) sends it."""
    returned = derived.counted_once(EventType.RETURNED)
    cause = f"return:{tracking_id}"
    if returned is None or conn.execute(select(mqtt_outbox.c.id).where(mqtt_outbox.c.cause == cause)).first():
        return
    accepted = derived.counted_once(EventType.ACCEPTED)
    advice = conn.execute(
        select(
            preadvices.c.merchant,
            preadvices.c.origin,
            preadvices.c.destination,
            preadvices.c.recipient_name,
            preadvices.c.recipient_phone,
            preadvices.c.cod_amount,
            preadvices.c.weight_g,
        ).where(preadvices.c.tracking_id == tracking_id)
    ).first()
    if accepted is not None:
        data = data_by_id[accepted.id]
        fields: dict[str, Any] = {
            "origin": data["origin"],
            "destination": data["destination"],
            "recipient": data["recipient"],
            "cod_amount": data["cod_amount"],
            "weight_g": data["weight_g"],
            "merchant": data.get("merchant") or (advice.merchant if advice else None),
        }
    elif advice is not None and advice.origin is not None:
        fields = {
            "origin": advice.origin,
            "destination": advice.destination,
            "recipient": {"name": advice.recipient_name, "phone": advice.recipient_phone},
            "cod_amount": advice.cod_amount,
            "weight_g": advice.weight_g,
            "merchant": advice.merchant,
        }
    else:
        return
    manifest = Manifest(
        tracking_id=tracking_id,
        purpose="return",
        return_reason=data_by_id[returned.id].get("reason"),
        **fields,
    )
    enqueue(conn, cause, topics.booth_topic(fields["origin"], topics.MANIFEST), manifest.wire(), now)


def _queue_return_notice(
    conn: Connection, tracking_id: str, derived: Derived, data_by_id: dict[str, dict[str, Any]], now: datetime
) -> None:
    """While a return waits at its sender's booth, tell a walk-in sender who gave a mobile (once:
    the cause is unique). A merchant's parcel is covered by its webhook (merchants keep no phone
    with the hub); with the acceptance not here yet, a later derivation (when it lands) sends it."""
    if derived.status != Status.RETURN_ARRIVED:
        return
    arrived = derived.counted_once(EventType.RETURN_ARRIVED)
    accepted = derived.counted_once(EventType.ACCEPTED)
    if arrived is None or accepted is None:
        return
    sender = data_by_id[accepted.id].get("sender") or {}
    if sender.get("kind") != "walk_in" or not sender.get("phone"):
        return
    queue_returned(conn, [ReturnNotice(tracking_id, arrived.booth, sender["phone"])], now)


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


def rederive_many(
    conn: Connection,
    tracking_ids: list[str],
    now: datetime,
    fresh: Mapping[str, StoredEvent] | None = None,
) -> None:
    """Recompute parcels from their events with set-based statements: upsert each row, its
    anomalies and checkpoint, and queue its manifest (once) and its return messages.

    fresh: the events stored in this batch, by id. A parcel whose new events all come after the last
    one its derivation went through (the usual case: a parcel moves forward) continues from the
    checkpoint in its row; the others are derived again from all their events, read in one go
    without their data (only an acceptance's booths come out of it). An acceptance's data is needed
    only when it becomes the one counted, which the row's accepted_event tells; a return's only
    while the parcel goes back.
    """
    fresh = fresh or {}
    new_events: dict[str, list[SeenEvent]] = {}
    for stored in fresh.values():
        new_events.setdefault(stored.tracking_id, []).append(stored.seen)
    current: dict[str, str | None] = {}  # parcel row -> the acceptance its columns came from
    derived_by: dict[str, Derived] = {}
    for part in chunks(tracking_ids):
        for r in conn.execute(
            select(parcels.c.tracking_id, parcels.c.accepted_event, parcels.c.derivation).where(
                member(conn, parcels.c.tracking_id, part)
            )
        ):
            current[r.tracking_id] = r.accepted_event
            if r.tracking_id in new_events and (d := resume(r.derivation, new_events[r.tracking_id])):
                derived_by[r.tracking_id] = d
    again = [t for t in tracking_ids if t not in derived_by]
    for tracking_id, seen in _every_event(conn, again).items():
        derived_by[tracking_id] = derive(seen)
    derived_by = {t: d for t, d in derived_by.items() if d.status is not None}
    wanted: set[str] = set()
    for tracking_id, derived in derived_by.items():
        accepted = derived.counted_once(EventType.ACCEPTED)
        back = derived.status in RETURN_STATUSES
        if accepted is not None and (back or accepted.id != current.get(tracking_id)):
            wanted.add(accepted.id)
        if back and (returned := derived.counted_once(EventType.RETURNED)):
            wanted.add(returned.id)
    data_by_id = _event_data(conn, wanted, {i: e.data for i, e in fresh.items()})
    inserts: list[dict[str, Any]] = []
    full_updates: list[dict[str, Any]] = []
    status_updates: list[dict[str, Any]] = []
    new_anomalies: list[dict[str, Any]] = []
    manifests: dict[str, tuple[str, bytes]] = {}  # parcel -> (destination, manifest)
    for tracking_id, derived in derived_by.items():
        accepted = derived.counted_once(EventType.ACCEPTED)
        values: dict[str, Any] = {
            "status": derived.status.value,  # type: ignore[union-attr]
            "updated_at": now,
            "derivation": derived.checkpoint(),
        }
        changed = accepted is not None and accepted.id != current.get(tracking_id)
        if accepted is not None and changed:
            values.update(_from_acceptance(data_by_id[accepted.id]), accepted_event=accepted.id)
            made = fresh[accepted.id].manifest if accepted.id in fresh else None
            data = data_by_id[accepted.id]
            manifests[tracking_id] = (data["destination"], made or intake_manifest(tracking_id, data))
        if tracking_id not in current:
            inserts.append({"tracking_id": tracking_id, **{k: values.get(k) for k in _PARCEL_COLUMNS}})
        elif changed:
            full_updates.append({"tracking_id": tracking_id, **values})
        else:
            status_updates.append({"tracking_id": tracking_id, **values})
        # A resumed derivation went through the new events only: its anomalies are the new ones.
        new_anomalies += [
            {"event_id": e.id, "tracking_id": tracking_id, "reason": why} for e, why in derived.anomalies
        ]
    insert_rows(conn, parcels, inserts)
    update_rows(conn, parcels, "tracking_id", full_updates)
    update_rows(conn, parcels, "tracking_id", status_updates)
    for part in chunks(again):
        conn.execute(anomalies.delete().where(member(conn, anomalies.c.tracking_id, part)))
    insert_rows(conn, anomalies, new_anomalies)
    _queue_manifests(conn, manifests, now)
    for tracking_id, derived in derived_by.items():  # rare: one look-up each is fine
        if derived.status in RETURN_STATUSES:
            _queue_return(conn, tracking_id, derived, data_by_id, now)
            _queue_return_notice(conn, tracking_id, derived, data_by_id, now)


def _every_event(conn: Connection, tracking_ids: list[str]) -> dict[str, list[SeenEvent]]:
    """All stored events of these parcels as derivation sees them, without reading their data."""
    by_parcel: dict[str, list[SeenEvent]] = {t: [] for t in tracking_ids}
    for part in chunks(tracking_ids):
        for r in conn.execute(
            select(
                events.c.id,
                events.c.type,
                type_coerce(events.c.at, String).label("at"),  # stored UTC text, already sortable
                events.c.booth,
                events.c.tracking_id,
                events.c.data["destination"].as_string().label("destination"),
                events.c.data["origin"].as_string().label("origin"),
            ).where(member(conn, events.c.tracking_id, part))
        ):
            kind = _KINDS[r.type]
            by_parcel[r.tracking_id].append(
                SeenEvent(r.id, kind, r.at, r.booth, r.destination, r.origin)
                if kind == EventType.ACCEPTED
                else SeenEvent(r.id, kind, r.at, r.booth)
            )
    return by_parcel


def _event_data(
    conn: Connection, ids: set[str], fresh: Mapping[str, dict[str, Any]]
) -> dict[str, dict[str, Any]]:
    """The stored data of events by id: from fresh where it is there, the rest read in one go."""
    found = {i: fresh[i] for i in ids if i in fresh}
    missing = sorted(ids - found.keys())
    for part in chunks(missing):
        found.update(
            conn.execute(select(events.c.id, events.c.data).where(member(conn, events.c.id, part))).all()
        )
    return found


_KINDS = {kind.value: kind for kind in EventType}

_PARCEL_COLUMNS = (
    "status",
    "updated_at",
    "origin",
    "destination",
    "recipient_name",
    "recipient_phone",
    "cod_amount",
    "fee",
    "weight_g",
    "accepted_event",
    "derivation",
)


def _queue_manifests(conn: Connection, by_parcel: dict[str, tuple[str, bytes]], now: datetime) -> None:
    """Queue each accepted parcel's manifest (by_parcel: its destination and manifest) once (cause
    manifest:<id>), with one lookup."""
    causes = {f"manifest:{t}": t for t in by_parcel}
    sent: set[str] = set()
    for part in chunks(list(causes)):
        sent.update(
            conn.execute(select(mqtt_outbox.c.cause).where(member(conn, mqtt_outbox.c.cause, part))).scalars()
        )
    rows = []
    for cause, tracking_id in causes.items():
        if cause in sent:
            continue
        destination, manifest = by_parcel[tracking_id]
        rows.append(
            {
                "cause": cause,
                "topic": topics.booth_topic(destination, topics.MANIFEST),
                "payload": manifest,
                "qos": 1,
                "retain": False,
                "status": "pending",
                "created_at": now,
            }
        )
    insert_rows(conn, mqtt_outbox, rows)
