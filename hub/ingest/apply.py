"""Apply a batch of booth messages in one transaction: events, status and health.

Each message runs in its own savepoint, so a database error on one never loses the others.
Invalid messages become dead letters and are still acknowledged: they never stop ingest.
"""

from __future__ import annotations

import hashlib
import json
import logging
import secrets
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from pydantic import ValidationError
from sqlalchemy import Connection, select
from sqlalchemy.exc import SQLAlchemyError

from hub.db.schema import booths, dead_letters, events, notifications
from hub.ingest.acks import cumulative_ack
from hub.ingest.booths import ensure_booth, maybe_top_up
from hub.ingest.parcels import rederive
from parcel import topics
from parcel.lifecycle import EventType
from parcel.messages import MAX_MESSAGE_BYTES, BoothStatus, Health, MessageError, parse_event

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Inbound:
    """One message as received: topic, payload and what is needed to PUBACK it later."""

    topic: str
    payload: bytes
    mid: int = 0
    qos: int = 0
    generation: int = 0


@dataclass
class Outcome:
    """What a committed batch must acknowledge: broker PUBACKs and per-booth cumulative acks."""

    settled: list[Inbound] = field(default_factory=list)
    acks: dict[str, int] = field(default_factory=dict)


@dataclass
class _Batch:
    now: datetime
    event_booths: set[str] = field(default_factory=set)
    parcels: set[str] = field(default_factory=set)


def hash_code(code: str, salt: str | None = None) -> str:
    """A salted SHA-256 of a collection code, as 'salt$hexdigest'."""
    salt = salt or secrets.token_hex(8)
    return f"{salt}${hashlib.sha256((salt + code).encode()).hexdigest()}"


def apply_batch(conn: Connection, messages: list[Inbound], now: datetime) -> Outcome:
    """Apply messages inside the caller's transaction and return what to acknowledge after commit."""
    batch = _Batch(now=now)
    out = Outcome()
    for msg in messages:
        try:
            with conn.begin_nested():
                _apply_one(conn, msg, batch)
        except SQLAlchemyError:
            # Left unacknowledged: the broker redelivers it on the next session.
            log.exception("could not apply message on %s; left unacknowledged", msg.topic)
            continue
        out.settled.append(msg)
    for tracking_id in sorted(batch.parcels):
        try:
            with conn.begin_nested():
                rederive(conn, tracking_id, now)
        except SQLAlchemyError:
            log.exception("could not derive parcel %s", tracking_id)
    for booth_id in sorted(batch.event_booths):
        out.acks[booth_id] = cumulative_ack(conn, booth_id)
    return out


def _apply_one(conn: Connection, msg: Inbound, batch: _Batch) -> None:
    where = topics.parse(msg.topic)
    if where is None:
        _dead_letter(conn, msg, None, None, "not a booth topic", batch.now)
        return
    booth_id, leaf = where
    if leaf == topics.EVENT:
        batch.event_booths.add(booth_id)
        _event(conn, msg, booth_id, batch)
    elif leaf == topics.STATUS:
        _status(conn, msg, booth_id, batch.now)
    elif leaf == topics.HEALTH:
        _health(conn, msg, booth_id, batch.now)
    else:
        _dead_letter(conn, msg, booth_id, None, f"unexpected topic leaf {leaf!r}", batch.now)


def _event(conn: Connection, msg: Inbound, booth_id: str, batch: _Batch) -> None:
    now = batch.now
    try:
        env = parse_event(msg.payload, booth_id, now)
    except MessageError as exc:
        _dead_letter(conn, msg, booth_id, _readable_seq(msg.payload, booth_id), str(exc), now)
        return
    event_id = str(env.id)
    if conn.execute(select(events.c.id).where(events.c.id == event_id)).first():
        return  # a redelivery: already stored, acknowledge again
    clash = conn.execute(
        select(events.c.id).where(events.c.booth == env.booth, events.c.seq == env.seq)
    ).scalar()
    if clash is not None:
        reason = f"seq {env.seq} of {env.booth} is already used by event {clash}"
        _dead_letter(conn, msg, booth_id, None, reason, now)
        return
    ensure_booth(conn, booth_id, now)
    data: dict[str, Any] = dict(env.data)
    if env.type == EventType.READY:
        code = data.pop("collection_code")
        data["code_hash"] = hash_code(code)
        _queue_ready_sms(conn, event_id, env.tracking_id, booth_id, code, data["code_expires_at"], now)
    conn.execute(
        events.insert().values(
            id=event_id,
            booth=env.booth,
            seq=env.seq,
            type=env.type.value,
            at=env.at,
            tracking_id=env.tracking_id,
            data=data,
            received_at=now,
        )
    )
    _touch(conn, booth_id, min(env.at, now))
    if env.tracking_id is not None:
        batch.parcels.add(env.tracking_id)


def _queue_ready_sms(
    conn: Connection,
    event_id: str,
    tracking_id: str | None,
    booth_id: str,
    code: str,
    expires: str,
    now: datetime,
) -> None:
    cause = f"ready:{event_id}"
    if conn.execute(select(notifications.c.id).where(notifications.c.cause == cause)).first():
        return
    conn.execute(
        notifications.insert().values(
            cause=cause,
            channel="sms",
            tracking_id=tracking_id,
            booth=booth_id,
            code=code,
            expires_at=datetime.fromisoformat(expires),
            status="pending",
            attempts=0,
            next_attempt_at=now,
            created_at=now,
        )
    )


def _status(conn: Connection, msg: Inbound, booth_id: str, now: datetime) -> None:
    if not msg.payload:
        return  # a cleared retained message
    try:
        status = BoothStatus.model_validate_json(_bounded(msg.payload))
    except (ValidationError, MessageError) as exc:
        _dead_letter(conn, msg, booth_id, None, f"status: {_why(exc)}", now)
        return
    ensure_booth(conn, booth_id, now)
    current = conn.execute(select(booths.c.status_at).where(booths.c.booth_id == booth_id)).scalar()
    if current is None or status.at >= current:
        conn.execute(
            booths.update()
            .where(booths.c.booth_id == booth_id)
            .values(state=status.state, status_at=status.at)
        )
    _touch(conn, booth_id, min(status.at, now))


def _health(conn: Connection, msg: Inbound, booth_id: str, now: datetime) -> None:
    if not msg.payload:
        return
    try:
        health = Health.model_validate_json(_bounded(msg.payload))
    except (ValidationError, MessageError) as exc:
        _dead_letter(conn, msg, booth_id, None, f"health: {_why(exc)}", now)
        return
    ensure_booth(conn, booth_id, now)
    conn.execute(
        booths.update().where(booths.c.booth_id == booth_id).values(health=health.model_dump(mode="json"))
    )
    _touch(conn, booth_id, min(health.at, now))
    maybe_top_up(conn, booth_id, health.serial_remaining, now)


def _touch(conn: Connection, booth_id: str, seen: datetime) -> None:
    """Move last_seen forward (never back: retained messages are redelivered after a restart)."""
    last = conn.execute(select(booths.c.last_seen).where(booths.c.booth_id == booth_id)).scalar()
    if last is None or seen > last:
        conn.execute(booths.update().where(booths.c.booth_id == booth_id).values(last_seen=seen))


def _bounded(payload: bytes) -> bytes:
    if len(payload) > MAX_MESSAGE_BYTES:
        raise MessageError(f"message too large ({len(payload)} bytes)")
    return payload


def _why(exc: Exception) -> str:
    if isinstance(exc, ValidationError):
        first = exc.errors()[0]
        where = ".".join(str(p) for p in first["loc"]) or "message"
        return f"{where}: {first['msg']}"
    return str(exc)


def _readable_seq(payload: bytes, topic_booth: str) -> int | None:
    """The seq of an invalid event when its envelope names the topic's booth, so the ack can pass it."""
    try:
        raw = json.loads(payload)
    except (UnicodeDecodeError, json.JSONDecodeError):
        return None
    if not isinstance(raw, dict) or raw.get("booth") != topic_booth:
        return None
    seq = raw.get("seq")
    return seq if type(seq) is int and seq >= 1 else None


def _dead_letter(
    conn: Connection, msg: Inbound, booth_id: str | None, seq: int | None, reason: str, now: datetime
) -> None:
    log.warning("dead letter on %s: %s", msg.topic, reason[:200])
    conn.execute(
        dead_letters.insert().values(
            topic=msg.topic[:256],
            booth=booth_id,
            seq=seq,
            payload=_scrub(msg.payload)[: 2 * MAX_MESSAGE_BYTES],
            reason=reason[:2000],
            received_at=now,
        )
    )


def _scrub(payload: bytes) -> bytes:
    """Mask a collection code inside an invalid event: codes are never stored in plaintext."""
    if b"collection_code" not in payload:
        return payload
    try:
        raw = json.loads(payload)
    except (UnicodeDecodeError, json.JSONDecodeError, RecursionError):
        return b"(unparseable payload with a collection code, dropped)"
    data = raw.get("data") if isinstance(raw, dict) else None
    if isinstance(data, dict) and "collection_code" in data:
        data["collection_code"] = "******"
        return json.dumps(raw).encode()
    return b"(payload with a collection code, dropped)"
