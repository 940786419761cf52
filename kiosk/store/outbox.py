"""The event outbox: events written with the counter action, deleted when the hub acks them."""

from __future__ import annotations

import sqlite3
import time
import uuid
from dataclasses import dataclass
from datetime import datetime

from kiosk.store.db import get_meta, set_meta
from parcel.lifecycle import EventType
from parcel.messages import Strict, make_event


@dataclass(frozen=True)
class OutboxRow:
    """One unacknowledged event: its seq and the exact bytes to publish."""

    seq: int
    type: str
    payload: bytes


def append(tx: sqlite3.Connection, booth: str, type_: EventType, at: datetime, data: Strict) -> int:
    """Number the event with the next seq, store its bytes in the outbox and return the seq."""
    seq = int(get_meta(tx, "next_seq"))
    set_meta(tx, "next_seq", seq + 1)
    event_id = uuid.uuid4()
    payload = make_event(booth, seq, event_id, type_, at, data)
    tx.execute(
        "INSERT INTO outbox (seq, id, type, payload, created_at) VALUES (?, ?, ?, ?, ?)",
        (seq, str(event_id), type_.value, payload, time.time()),
    )
    return seq


def after(tx: sqlite3.Connection, seq: int, limit: int) -> list[OutboxRow]:
    """Events with seq greater than seq, in order, at most limit."""
    rows = tx.execute(
        "SELECT seq, type, payload FROM outbox WHERE seq > ? ORDER BY seq LIMIT ?", (seq, limit)
    ).fetchall()
    return [OutboxRow(r["seq"], r["type"], bytes(r["payload"])) for r in rows]


def last_seq(tx: sqlite3.Connection) -> int:
    """The highest seq ever issued (0 before the first event)."""
    return int(get_meta(tx, "next_seq")) - 1


def acked_upto(tx: sqlite3.Connection) -> int:
    """The highest seq the hub has acknowledged."""
    return int(get_meta(tx, "acked_upto"))


def ack(tx: sqlite3.Connection, upto: int) -> int:
    """Record an ack (keeping the highest ever seen, never beyond the last seq) and delete covered rows."""
    current = acked_upto(tx)
    new = max(current, min(upto, last_seq(tx)))
    if new > current:
        set_meta(tx, "acked_upto", new)
    tx.execute("DELETE FROM outbox WHERE seq <= ?", (new,))
    return new


def depth(tx: sqlite3.Connection) -> tuple[int, float | None]:
    """Number of events waiting and the age in seconds of the oldest."""
    row = tx.execute("SELECT COUNT(*), MIN(created_at) FROM outbox").fetchone()
    oldest = None if row[1] is None else max(0.0, time.time() - float(row[1]))
    return int(row[0]), oldest
