"""Set-based apply of a batch of events: a few statements per batch instead of a dozen per event.

Same rules as the per-message path in apply.py (dedupe by id, seq clashes and invalid events to dead
letters, booth registration, ready SMS, merchant hooks); apply.py falls back to that path when this
one raises, so one bad row never loses a batch.
"""

from __future__ import annotations

import hashlib
import secrets
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, select

from hub.db.bulk import insert_rows, update_rows
from hub.db.schema import booths, dead_letters, events, preadvices
from hub.db.sql import chunks, member
from hub.ingest.booths import register_booths
from hub.ingest.parcels import StoredEvent, stored_event
from hub.merchant.ingest import on_event as on_merchant_event
from hub.notify.outbox import ReadyNotice, queue_ready
from parcel import topics
from parcel.lifecycle import EventType
from parcel.messages import MAX_MESSAGE_BYTES, MessageError, ValidEvent, parse_event


@dataclass
class FastResult:
    """What the batch touched: booths whose ack may move, parcels to derive again, and the data of
    the events it stored (by id), which derivation then need not read back."""

    booths: set[str] = field(default_factory=set)
    parcels: set[str] = field(default_factory=set)
    stored: dict[str, StoredEvent] = field(default_factory=dict)


@dataclass(slots=True)
class Prepared:
    """An event validated, with what storing it needs that no database does: its row for the events
    table (the collection code already hashed), for a ready event its SMS notice, and for a parcel's
    event what derivation takes of it."""

    env: ValidEvent
    row: dict[str, Any]
    notice: ReadyNotice | None
    stored: StoredEvent | None


Checked = Prepared | MessageError  # an event message validated and prepared, or why it is refused


def hash_code(code: str, salt: str | None = None) -> str:
    """A salted SHA-256 of a collection code, as 'salt$hexdigest'."""
    salt = salt or secrets.token_hex(8)
    return f"{salt}${hashlib.sha256((salt + code).encode()).hexdigest()}"


def check_events(messages: Iterable[Any], now: datetime) -> dict[Any, Checked]:
    """Validate and prepare every message on an `event` topic, by message. It needs no database, so a
    worker does it before taking its writer turn; apply_events then takes the results as they are."""
    out: dict[Any, Checked] = {}
    for msg in messages:
        where = topics.parse(msg.topic)
        if where is not None and where[1] == topics.EVENT:
            out[msg] = _check(msg, where[0], now)
    return out


def _check(msg: Any, booth_id: str, now: datetime) -> Checked:
    try:
        env = parse_event(msg.payload, booth_id, now)
    except MessageError as exc:
        return exc
    return prepare_event(env, now)


def prepare_event(env: ValidEvent, now: datetime) -> Prepared:
    """What storing a valid event takes, made without a database: its row (the collection code
    hashed), its ready SMS and what derivation needs of it. Both apply paths store events so."""
    data: dict[str, Any] = dict(env.data)
    notice = None
    if env.type == EventType.READY:
        code = data.pop("collection_code")
        data["code_hash"] = hash_code(code)
        if env.tracking_id is not None:
            expires = datetime.fromisoformat(data["code_expires_at"])
            notice = ReadyNotice(env.id, env.tracking_id, env.booth, code, expires)
    row = {
        "id": env.id,
        "booth": env.booth,
        "seq": env.seq,
        "type": env.type.value,
        "at": env.at,
        "tracking_id": env.tracking_id,
        "data": data,
        "received_at": now,
    }
    stored = None
    if env.tracking_id is not None:
        stored = stored_event(env.id, env.type, env.at, env.booth, env.tracking_id, data)
    return Prepared(env, row, notice, stored)


def apply_events(
    conn: Connection,
    messages: list[Any],
    now: datetime,
    helpers: Any,
    checked: Mapping[Any, Checked] | None = None,
) -> FastResult:
    """Apply event messages (all on `event` topics) with set-based statements; raise on a DB error.

    helpers: the apply module's _readable_seq and _scrub (kept there, used by both paths).
    checked: check_events() of the messages, made earlier with the same now (those not in it are
    checked here).
    """
    out = FastResult()
    parsed: list[tuple[Any, Prepared]] = []
    dead: list[dict[str, Any]] = []
    for msg in messages:
        booth_id = topics.parse(msg.topic)[0]  # type: ignore[index]
        out.booths.add(booth_id)
        result = checked.get(msg) if checked else None
        if result is None:
            result = _check(msg, booth_id, now)
        if isinstance(result, MessageError):
            seq = helpers._readable_seq(msg.payload, booth_id)
            dead.append(_dead(msg, booth_id, seq, str(result), now, helpers))
        else:
            parsed.append((msg, result))
    ids = list({prepared.env.id for _, prepared in parsed})
    stored: set[str] = set()
    for part in chunks(ids):
        stored.update(conn.execute(select(events.c.id).where(member(conn, events.c.id, part))).scalars())
    # Seq clashes with stored events are rare (a booth bug): the unique key (booth, seq) catches them
    # and apply.py then takes the per-message path, which dead-letters the clashing event.
    used: dict[tuple[str, int], str] = {}
    fresh: list[ValidEvent] = []
    rows: list[dict[str, Any]] = []
    sms: list[ReadyNotice] = []
    taken: set[str] = set()
    for msg, prepared in parsed:
        env = prepared.env
        event_id = env.id
        if event_id in stored or event_id in taken:
            continue  # a redelivery: acknowledge again
        clash = used.get((env.booth, env.seq))
        if clash is not None:
            reason = f"seq {env.seq} of {env.booth} is already used by event {clash}"
            dead.append(_dead(msg, env.booth, None, reason, now, helpers))
            continue
        used[(env.booth, env.seq)] = event_id
        taken.add(event_id)
        fresh.append(env)
        rows.append(prepared.row)
        if prepared.notice is not None:
            sms.append(prepared.notice)
        if prepared.stored is not None:
            out.stored[event_id] = prepared.stored
            out.parcels.add(prepared.stored.tracking_id)
    register_booths(conn, {env.booth for env in fresh}, now)
    insert_rows(conn, events, rows)
    queue_ready(conn, sms, now)
    if dead:
        conn.execute(dead_letters.insert(), dead)
    _touch(conn, fresh, now)
    _merchants(conn, fresh, rows, now)
    return out


def _dead(
    msg: Any, booth: str | None, seq: int | None, reason: str, now: datetime, helpers: Any
) -> dict[str, Any]:
    return {
        "topic": msg.topic[:256],
        "booth": booth,
        "seq": seq,
        "payload": helpers._scrub(msg.payload)[: 2 * MAX_MESSAGE_BYTES],
        "reason": reason[:2000],
        "received_at": now,
    }


def _touch(conn: Connection, fresh: list[ValidEvent], now: datetime) -> None:
    """Move each booth's last_seen forward to its newest event in the batch (never back)."""
    newest: dict[str, datetime] = {}
    for env in fresh:
        seen = min(env.at, now)
        if env.booth not in newest or seen > newest[env.booth]:
            newest[env.booth] = seen
    if not newest:
        return
    rows = [{"booth_id": b, "last_seen": s} for b, s in sorted(newest.items())]
    update_rows(conn, booths, "booth_id", rows, forward="last_seen")


def _merchants(conn: Connection, fresh: list[ValidEvent], rows: list[dict[str, Any]], now: datetime) -> None:
    """Webhooks and COD lines, only for events of pre-advised parcels (one lookup for the batch)."""
    tracked = list({env.tracking_id for env in fresh if env.tracking_id is not None})
    advised: set[str] = set()
    for part in chunks(tracked):
        advised.update(
            conn.execute(
                select(preadvices.c.tracking_id).where(member(conn, preadvices.c.tracking_id, part))
            ).scalars()
        )
    if not advised:
        return
    for env, row in zip(fresh, rows, strict=True):
        if env.tracking_id in advised:
            on_merchant_event(conn, row["id"], env.type, env.tracking_id, env.booth, env.at, row["data"], now)
