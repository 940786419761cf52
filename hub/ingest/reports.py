"""Set-based apply of booth reports (status and health): a few statements per batch, not per message.

Ten thousand booths send a health report every 15–30 s and a status on every connect; applied one
by one (a savepoint and five statements each) they kept the hub's main process busy and the
monitoring cell minutes behind. Same rules as the per-message path in apply.py, which this path
falls back to when it raises:

- status: in the booth's own order (status is not a shared subscription), a newer `at` wins; an
  older "offline" is a Last Will (stamped at connect) and still wins; a change of state is appended
  to the booth's history;
- health: the last report of the batch is the booth's health;
- last_seen only moves forward; a booth reporting few serials left gets its next block.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from pydantic import ValidationError
from sqlalchemy import Connection, bindparam, func, select

from hub.db.schema import booths, status_changes
from hub.db.sql import chunks, member
from hub.ingest.booths import maybe_top_up, register_booths
from parcel import topics
from parcel.control import BoothStatus, Health
from parcel.messages import MAX_MESSAGE_BYTES

# (message, booth id, reason) → a dead letter, written by the caller's helper.
DeadLetter = Callable[[Any, str, str], None]


@dataclass
class _Booth:
    """One booth's row as read, and what the batch does to it."""

    state: str
    status_at: datetime | None
    last_seen: datetime | None
    health: dict[str, Any] | None = None
    serial_remaining: int | None = None
    changes: list[tuple[str, datetime]] = field(default_factory=list)
    dirty: bool = False


def is_report(topic: str) -> bool:
    """True for a booth's status or health topic."""
    where = topics.parse(topic)
    return where is not None and where[1] in (topics.STATUS, topics.HEALTH)


def apply_reports(conn: Connection, messages: list[Any], now: datetime, dead_letter: DeadLetter) -> None:
    """Apply status and health messages (in arrival order) with set-based statements; raise on a DB error."""
    parsed: list[tuple[str, BoothStatus | Health]] = []
    for msg in messages:
        booth_id, leaf = topics.parse(msg.topic)  # type: ignore[misc]
        if not msg.payload:
            continue  # a cleared retained message
        model = BoothStatus if leaf == topics.STATUS else Health
        if len(msg.payload) > MAX_MESSAGE_BYTES:
            dead_letter(msg, booth_id, f"{leaf}: message too large ({len(msg.payload)} bytes)")
            continue
        try:
            parsed.append((booth_id, model.model_validate_json(msg.payload)))
        except ValidationError as exc:
            dead_letter(msg, booth_id, f"{leaf}: {validation_reason(exc)}")
    if not parsed:
        return
    register_booths(conn, {booth_id for booth_id, _ in parsed}, now)
    rows = _read(conn, sorted({booth_id for booth_id, _ in parsed}))
    for booth_id, report in parsed:
        row = rows[booth_id]
        if isinstance(report, BoothStatus):
            _status(row, report, now)
        else:
            row.health = {**report.model_dump(mode="json"), "received_at": now.isoformat()}
            row.serial_remaining = report.serial_remaining
            _seen(row, min(report.at, now))
    _write(conn, rows, now)


def validation_reason(exc: ValidationError) -> str:
    """The first thing wrong with a message, as 'field: problem'."""
    first = exc.errors()[0]
    where = ".".join(str(p) for p in first["loc"]) or "message"
    return f"{where}: {first['msg']}"


def _status(row: _Booth, status: BoothStatus, now: datetime) -> None:
    if row.status_at is None or status.at >= row.status_at:
        row.state, row.status_at = status.state, status.at
    elif status.state == "offline":
        row.state = "offline"
    row.changes.append((status.state, min(status.at, now)))
    row.dirty = True
    _seen(row, min(status.at, now))


def _seen(row: _Booth, seen: datetime) -> None:
    if row.last_seen is None or seen > row.last_seen:
        row.last_seen = seen
    row.dirty = True


def _read(conn: Connection, booth_ids: list[str]) -> dict[str, _Booth]:
    rows: dict[str, _Booth] = {}
    for part in chunks(booth_ids):
        query = select(booths.c.booth_id, booths.c.state, booths.c.status_at, booths.c.last_seen).where(
            member(conn, booths.c.booth_id, part)
        )
        for r in conn.execute(query):
            rows[r.booth_id] = _Booth(state=r.state, status_at=r.status_at, last_seen=r.last_seen)
    return rows


def _write(conn: Connection, rows: dict[str, _Booth], now: datetime) -> None:
    state = [
        {"b": b, "state": r.state, "status_at": r.status_at, "last_seen": r.last_seen}
        for b, r in rows.items()
        if r.dirty and r.health is None
    ]
    with_health = [
        {"b": b, "state": r.state, "status_at": r.status_at, "last_seen": r.last_seen, "health": r.health}
        for b, r in rows.items()
        if r.dirty and r.health is not None
    ]
    where = booths.c.booth_id == bindparam("b")
    columns = {"state": bindparam("state"), "status_at": bindparam("status_at")}
    columns["last_seen"] = bindparam("last_seen")
    if state:
        conn.execute(booths.update().where(where).values(columns), state)
    if with_health:
        conn.execute(
            booths.update().where(where).values({**columns, "health": bindparam("health")}), with_health
        )
    _record_changes(conn, {b: r.changes for b, r in rows.items() if r.changes}, now)
    for booth_id, row in rows.items():
        if row.health is not None:
            maybe_top_up(conn, booth_id, row.serial_remaining, now)


def _record_changes(conn: Connection, changes: dict[str, list[tuple[str, datetime]]], now: datetime) -> None:
    """Append each booth's status changes to its history, skipping repeats of the last recorded state."""
    if not changes:
        return
    last: dict[str, str] = {}
    for part in chunks(sorted(changes)):
        newest = (
            select(func.max(status_changes.c.id))
            .where(member(conn, status_changes.c.booth_id, part))
            .group_by(status_changes.c.booth_id)
        )
        query = select(status_changes.c.booth_id, status_changes.c.state).where(
            status_changes.c.id.in_(newest)
        )
        last.update({r.booth_id: r.state for r in conn.execute(query)})
    inserts = []
    for booth_id, seen in changes.items():
        for state, at in seen:
            if last.get(booth_id) != state:
                inserts.append({"booth_id": booth_id, "state": state, "at": at, "received_at": now})
                last[booth_id] = state
    if inserts:
        conn.execute(status_changes.insert(), inserts)
