"""What a committed tracking event means for merchants: webhook deliveries and COD ledger lines."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Connection

from hub.merchant.cod import record_delivery
from hub.merchant.webhooks import queue_for_event
from parcel.lifecycle import EventType


def on_event(
    conn: Connection,
    event_id: str,
    type_: EventType,
    tracking_id: str,
    booth: str,
    at: datetime,
    data: dict[str, Any],
    now: datetime,
) -> None:
    """Run inside the ingest transaction for each newly stored parcel event."""
    merchant = queue_for_event(conn, event_id, type_.value, tracking_id, booth, at, data, now)
    if merchant is not None and type_ == EventType.DELIVERED:
        record_delivery(conn, merchant, tracking_id, event_id, booth, at, data["cod_collected"])
