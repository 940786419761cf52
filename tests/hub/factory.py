"""Builders of booth messages for hub tests."""

from __future__ import annotations

import json
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

from hub.ingest.apply import Inbound
from parcel import s10, topics
from parcel.lifecycle import EventType
from parcel.messages import Accepted, Arrived, CashClosed, Delivered, Ready, Recipient, Strict, make_event

ORIGIN = "BD-1000-01"
DEST = "BD-1207-01"
T0 = datetime(2026, 11, 20, 9, 0, tzinfo=UTC)
NOW = datetime(2026, 11, 23, 12, 0, tzinfo=UTC)


def tid(serial: int = 12345678) -> str:
    """A valid tracking number."""
    return s10.make("CP", serial)


def accepted(tracking_id: str, origin: str = ORIGIN, destination: str = DEST) -> Accepted:
    """Data of an acceptance."""
    return Accepted(
        tracking_id=tracking_id,
        origin=origin,
        destination=destination,
        recipient=Recipient(name="Rahima Begum", phone="01711223344"),
        cod_amount="1250.00",
        fee="70.00",
        weight_g=800,
    )


def arrived(tracking_id: str) -> Arrived:
    """Data of an arrival scan."""
    return Arrived(tracking_id=tracking_id)


def ready(tracking_id: str, code: str = "482913") -> Ready:
    """Data of a ready-for-collection event with its code."""
    return Ready(tracking_id=tracking_id, collection_code=code, code_expires_at=T0 + timedelta(days=7))


def delivered(tracking_id: str) -> Delivered:
    """Data of a delivery."""
    return Delivered(tracking_id=tracking_id, cod_collected="1250.00")


TYPES = {
    Accepted: EventType.ACCEPTED,
    Arrived: EventType.ARRIVED,
    Ready: EventType.READY,
    Delivered: EventType.DELIVERED,
}


def event(
    booth: str, seq: int, data: Strict, at: datetime | None = None, event_id: uuid.UUID | None = None
) -> Inbound:
    """An event message as the ingest worker receives it."""
    at = at or T0 + timedelta(minutes=seq)
    payload = make_event(booth, seq, event_id or uuid.uuid4(), TYPES[type(data)], at, data)
    return Inbound(topics.booth_topic(booth, topics.EVENT), payload, mid=seq, qos=1)


def raw_event(booth: str, payload: bytes | dict[str, Any], topic_booth: str | None = None) -> Inbound:
    """An arbitrary payload on a booth's event topic."""
    body = payload if isinstance(payload, bytes) else json.dumps(payload).encode()
    return Inbound(topics.booth_topic(topic_booth or booth, topics.EVENT), body, mid=1, qos=1)


def leaf(booth: str, name: str, body: dict[str, Any] | bytes) -> Inbound:
    """A status or health message."""
    payload = body if isinstance(body, bytes) else json.dumps(body).encode()
    return Inbound(topics.booth_topic(booth, name), payload, mid=1, qos=1)


def cash_closed(
    day: str, expected: str, counted: str, parcels: int = 1, reason: str | None = None
) -> CashClosed:
    """Data of a booth's cash-up."""
    return CashClosed(business_date=day, expected=expected, counted=counted, parcels=parcels, reason=reason)


TYPES[CashClosed] = EventType.CASH_CLOSED


def arrival_row(event_id: str, booth: str, seq: int) -> dict[str, Any]:
    """A stored arrival with no parcel, as a row of the events table (for tests that fill it directly)."""
    return {
        "id": event_id,
        "booth": booth,
        "seq": seq,
        "type": "parcel.arrived",
        "at": NOW,
        "tracking_id": None,
        "data": {},
        "received_at": NOW,
    }
