"""Apply a batch of booth messages in one transaction: events, status and health.

Each message runs in its own savepoint, so a database error on one never loses the others.
Invalid messages become dead letters and are still acknowledged: they never stop ingest.
"""

from __future__ import annotations

import json
import logging
import sys
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime

from pydantic import ValidationError
from sqlalchemy import Connection, select, text
from sqlalchemy.exc import SQLAlchemyError

from hub.commands import MAX_DETAIL, record_result
from hub.db.schema import booths, dead_letters, events
from hub.ingest.acks import cumulative_acks
from hub.ingest.booths import ensure_booth
from hub.ingest.fast import Checked, apply_events, prepare_event
from hub.ingest.parcels import StoredEvent, rederive_many
from hub.ingest.reports import apply_reports, is_report, validation_reason
from hub.merchant.ingest import on_event as on_merchant_event
from hub.notify.outbox import queue_ready
from parcel import topics
from parcel.messages import MAX_MESSAGE_BYTES, MAX_SEQ, MessageError, parse_event

log = logging.getLogger(__name__)

MAX_RESULT_BYTES = MAX_DETAIL + 4096


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
    stored: dict[str, StoredEvent] = field(default_factory=dict)  # the events this batch stored, by id


def apply_batch(
    conn: Connection, messages: list[Inbound], now: datetime, checked: Mapping[Inbound, Checked] | None = None
) -> Outcome:
    """Apply messages inside the caller's transaction and return what to acknowledge after commit.

    checked: check_events(messages, now), when the caller validated the events before its writer turn.
    """
    batch = _Batch(now=now)
    out = Outcome()
    # Several ingest processes may share the subscription: serialise work per booth, then per parcel.
    lock_keys(conn, sorted({f"b:{w[0]}" for m in messages if (w := topics.parse(m.topic)) is not None}))
    event_msgs = [m for m in messages if (w := topics.parse(m.topic)) is not None and w[1] == topics.EVENT]
    in_events = {id(m) for m in event_msgs}
    one_by_one = [m for m in messages if id(m) not in in_events]
    if event_msgs:
        try:
            with conn.begin_nested():
                done = apply_events(conn, event_msgs, now, sys.modules[__name__], checked)
            batch.event_booths |= done.booths
            batch.parcels |= done.parcels
            batch.stored |= done.stored
            out.settled += event_msgs
        except Exception:
            # One row failed (e.g. a concurrent worker stored the same event): go message by message.
            log.warning("set-based apply of %d events failed; applying them one by one", len(event_msgs))
            one_by_one = messages
    reports = [m for m in one_by_one if is_report(m.topic)]
    if reports:
        try:
            with conn.begin_nested():
                apply_reports(conn, reports, now, lambda m, b, why: _dead_letter(conn, m, b, None, why, now))
            out.settled += reports
            one_by_one = [m for m in one_by_one if not is_report(m.topic)]
        except Exception:
            log.warning("set-based apply of %d reports failed; applying them one by one", len(reports))
    for msg in one_by_one:
        if _apply_with_retry(conn, msg, batch):
            out.settled.append(msg)
    lock_keys(conn, [f"p:{t}" for t in sorted(batch.parcels)])
    try:
        with conn.begin_nested():
            rederive_many(conn, sorted(batch.parcels), now, batch.stored)
    except SQLAlchemyError:
        log.warning("set-based derive of %d parcels failed; deriving one by one", len(batch.parcels))
        for tracking_id in sorted(batch.parcels):
            try:
                with conn.begin_nested():
                    rederive_many(conn, [tracking_id], now)  # the same rules, one parcel
            except SQLAlchemyError:
                log.exception("could not derive parcel %s", tracking_id)
    out.acks.update(cumulative_acks(conn, sorted(batch.event_booths), now))
    return out


def lock_keys(conn: Connection, keys: list[str]) -> None:
    """On PostgreSQL, take transaction-scoped advisory locks on keys in the given (sorted) order.

    SQLite needs none: BEGIN IMMEDIATE already makes writers take turns.
    """
    if conn.dialect.name != "postgresql" or not keys:
        return
    conn.execute(
        text("SELECT pg_advisory_xact_lock(hashtextextended(k, 0)) FROM unnest(CAST(:keys AS text[])) AS k"),
        {"keys": keys},
    )


def _apply_with_retry(conn: Connection, msg: Inbound, batch: _Batch) -> bool:
    """Apply one message in a savepoint; once more if a concurrent writer got there first (unique key)."""
    for attempt in (1, 2):
        try:
            with conn.begin_nested():
                _apply_one(conn, msg, batch)
            return True
        except SQLAlchemyError:
            if attempt == 1:
                log.warning("message on %s failed once; retrying it", msg.topic)
                continue
            # Left unacknowledged: the broker redelivers it on the next session.
            log.exception("could not apply message on %s; left unacknowledged", msg.topic)
        except Exception as exc:  # a fault of ours must not kill ingest or loop on redelivery
            log.exception("could not apply message on %s; kept as a dead letter", msg.topic)
            where = topics.parse(msg.topic)
            with conn.begin_nested():
                reason = f"internal error: {type(exc).__name__}: {exc}"
                _dead_letter(conn, msg, where[0] if where else None, None, reason[:500], batch.now)
            return True
    return False


def _apply_one(conn: Connection, msg: Inbound, batch: _Batch) -> None:
    where = topics.parse(msg.topic)
    if where is None:
        _dead_letter(conn, msg, None, None, "not a booth topic", batch.now)
        return
    booth_id, leaf = where
    if leaf == topics.EVENT:
        batch.event_booths.add(booth_id)
        _event(conn, msg, booth_id, batch)
    elif leaf in (topics.STATUS, topics.HEALTH):
        # The same rules as the batch path, for one message in its own savepoint.
        apply_reports(
            conn, [msg], batch.now, lambda m, b, why: _dead_letter(conn, m, b, None, why, batch.now)
        )
    elif leaf == topics.CMD_RESULT:
        _cmd_result(conn, msg, booth_id, batch.now)
    else:
        _dead_letter(conn, msg, booth_id, None, f"unexpected topic leaf {leaf!r}", batch.now)


def _event(conn: Connection, msg: Inbound, booth_id: str, batch: _Batch) -> None:
    now = batch.now
    try:
        env = parse_event(msg.payload, booth_id, now)
    except MessageError as exc:
        _dead_letter(conn, msg, booth_id, _readable_seq(msg.payload, booth_id), str(exc), now)
        return
    event_id = env.id
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
    prepared = prepare_event(env, now)  # as the set-based path stores it
    if prepared.notice is not None:
        queue_ready(conn, [prepared.notice], now)
    conn.execute(events.insert().values(prepared.row))
    _touch(conn, booth_id, min(env.at, now))
    if prepared.stored is not None:
        batch.stored[event_id] = prepared.stored
        batch.parcels.add(prepared.stored.tracking_id)
        on_merchant_event(
            conn, event_id, env.type, prepared.stored.tracking_id, booth_id, env.at, prepared.row["data"], now
        )


def _cmd_result(conn: Connection, msg: Inbound, booth_id: str, now: datetime) -> None:
    if len(msg.payload) > MAX_RESULT_BYTES:
        _dead_letter(conn, msg, booth_id, None, f"cmd/result too large ({len(msg.payload)} bytes)", now)
        return
    try:
        record_result(conn, booth_id, msg.payload, now)
    except ValidationError as exc:
        _dead_letter(conn, msg, booth_id, None, f"cmd/result: {_why(exc)}", now)
        return
    _touch(conn, booth_id, now)


def _touch(conn: Connection, booth_id: str, seen: datetime) -> None:
    """Move last_seen forward (never back: retained messages are redelivered after a restart)."""
    last = conn.execute(select(booths.c.last_seen).where(booths.c.booth_id == booth_id)).scalar()
    if last is None or seen > last:
        conn.execute(booths.update().where(booths.c.booth_id == booth_id).values(last_seen=seen))


def _why(exc: Exception) -> str:
    return validation_reason(exc) if isinstance(exc, ValidationError) else str(exc)


def _readable_seq(payload: bytes, topic_booth: str) -> int | None:
    """The seq of an invalid event when its envelope names the topic's booth, so the ack can pass it."""
    if len(payload) > MAX_MESSAGE_BYTES:
        return None
    try:
        raw = json.loads(payload)
    except (UnicodeDecodeError, json.JSONDecodeError, RecursionError):
        return None
    if not isinstance(raw, dict) or raw.get("booth") != topic_booth:
        return None
    seq = raw.get("seq")
    return seq if type(seq) is int and 1 <= seq <= MAX_SEQ else None


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
