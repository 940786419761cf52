"""Writing the notification outbox: one row per cause and channel, in the commit of its cause.

The SMS row of a cause keeps the cause as it is (`ready:{event_id}`, `reminder:{tracking_id}:1`,
`final:{tracking_id}`, `returned:{tracking_id}`); the e-mail row of the same cause adds `:email`. The unique cause column makes
each row exist once, however often ingest or the reminder round meet the same cause.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, Table, select
from sqlalchemy.dialects import postgresql, sqlite

from hub.db.bulk import insert_rows
from hub.db.schema import notifications, notify_contacts, notify_schedule
from hub.db.sql import member

CHUNK = 500


@dataclass(frozen=True)
class ReadyNotice:
    """A parcel.ready event seen by ingest: what its notification needs (the code only until sent)."""

    event_id: str
    tracking_id: str
    booth: str
    code: str
    expires_at: datetime


@dataclass(frozen=True)
class Contact:
    """How a recipient is told: language and, when the merchant gave one, an e-mail address."""

    language: str = "bn"
    email: str | None = None


@dataclass(frozen=True)
class ReturnNotice:
    """A return back at its sender's booth: tell the sender (to a phone and/or e-mail) once."""

    tracking_id: str
    booth: str
    phone: str | None
    contact: Contact = Contact()


def channel_cause(cause: str, channel: str) -> str:
    """The outbox cause of cause on channel."""
    return cause if channel == "sms" else f"{cause}:{channel}"


def insert_ignoring(conn: Connection, table: Table, rows: list[dict[str, Any]], key: str) -> None:
    """INSERT rows, skipping any whose unique key already exists (ON CONFLICT DO NOTHING)."""
    insert_rows(conn, table, rows, _do_nothing_on(key))


@functools.cache
def _do_nothing_on(key: str) -> Callable[[Any], Any]:
    """ON CONFLICT (key) DO NOTHING, one function per key (bulk inserts compile once per function)."""
    return lambda stmt: stmt.on_conflict_do_nothing(index_elements=[key])


def insert_counting(conn: Connection, table: Table, rows: list[dict[str, Any]], key: str) -> int:
    """insert_ignoring, returning how many rows were new (read back with RETURNING: the drivers'
    row counts are not reliable for a multi-row INSERT)."""
    if not rows:
        return 0
    return len(conn.execute(_ignoring(conn, table, key).returning(table.c[key]), rows).all())


def _ignoring(conn: Connection, table: Table, key: str) -> Any:
    dialect = postgresql if conn.dialect.name == "postgresql" else sqlite
    return dialect.insert(table).on_conflict_do_nothing(index_elements=[key])


def contacts(conn: Connection, tracking_ids: Iterable[str]) -> dict[str, Contact]:
    """The contact of each pre-advised parcel among tracking_ids (walk-ins have none: Bengali SMS)."""
    ids = sorted(set(tracking_ids))
    found: dict[str, Contact] = {}
    for start in range(0, len(ids), CHUNK):
        part = ids[start : start + CHUNK]
        for r in conn.execute(
            select(notify_contacts.c.tracking_id, notify_contacts.c.language, notify_contacts.c.email).where(
                member(conn, notify_contacts.c.tracking_id, part)
            )
        ):
            found[r.tracking_id] = Contact(r.language, r.email)
    return found


def remember_contacts(conn: Connection, rows: list[dict[str, Any]], now: datetime) -> None:
    """Store language and e-mail of pre-advised parcels (rows: tracking_id, language, email)."""
    keep = [
        {"tracking_id": r["tracking_id"], "language": r["language"], "email": r["email"], "created_at": now}
        for r in rows
        if r.get("email") is not None or r.get("language", "bn") != "bn"
    ]
    insert_ignoring(conn, notify_contacts, keep, "tracking_id")


def notice_rows(
    cause: str,
    kind: str,
    tracking_id: str,
    booth: str,
    expires_at: datetime | None,
    contact: Contact,
    now: datetime,
    code: str | None = None,
) -> list[dict[str, Any]]:
    """The outbox rows of one cause: an SMS, and an e-mail when an address is known."""
    base = {
        "kind": kind,
        "language": contact.language,
        "tracking_id": tracking_id,
        "booth": booth,
        "code": code,
        "expires_at": expires_at,
        "status": "pending",
        "attempts": 0,
        "next_attempt_at": now,
        "created_at": now,
    }
    rows = [{**base, "cause": cause, "channel": "sms", "to": None}]
    if contact.email:
        rows.append({**base, "cause": channel_cause(cause, "email"), "channel": "email", "to": contact.email})
    return rows


def queue_ready(conn: Connection, notices: list[ReadyNotice], now: datetime) -> None:
    """Queue the 'ready' notifications of parcel.ready events and put their parcels on the schedule."""
    if not notices:
        return
    known = contacts(conn, (n.tracking_id for n in notices))
    rows: list[dict[str, Any]] = []
    for n in notices:
        contact = known.get(n.tracking_id, Contact())
        rows += notice_rows(
            f"ready:{n.event_id}", "ready", n.tracking_id, n.booth, n.expires_at, contact, now, n.code
        )
    insert_ignoring(conn, notifications, rows, "cause")
    schedule(conn, notices, now)


def schedule(conn: Connection, notices: list[ReadyNotice], now: datetime) -> None:
    """Put each parcel on the reminder schedule, due now so the next round plans it.

    A parcel made ready again (a new code) keeps its first ready time and takes the new expiry.
    """
    latest: dict[str, ReadyNotice] = {}
    for n in notices:
        if n.tracking_id not in latest or n.expires_at > latest[n.tracking_id].expires_at:
            latest[n.tracking_id] = n

    rows = [
        {"tracking_id": t, "booth": n.booth, "ready_at": now, "expires_at": n.expires_at, "due_at": now}
        for t, n in sorted(latest.items())
    ]
    insert_rows(conn, notify_schedule, rows, _update_schedule)


def _update_schedule(stmt: Any) -> Any:
    """A parcel already on the schedule takes the new booth, expiry and due time."""
    return stmt.on_conflict_do_update(
        index_elements=["tracking_id"],
        set_={
            "booth": stmt.excluded.booth,
            "expires_at": stmt.excluded.expires_at,
            "due_at": stmt.excluded.due_at,
        },
    )


def queue_returned(conn: Connection, notices: list[ReturnNotice], now: datetime) -> None:
    """Queue the 'returned' notice to each sender (cause returned:<tracking id>, so once per return):
    an SMS to the sender's phone stored with the row, and an e-mail when an address is known."""
    rows: list[dict[str, Any]] = []
    for n in notices:
        cause = f"returned:{n.tracking_id}"
        for row in notice_rows(cause, "returned", n.tracking_id, n.booth, None, n.contact, now):
            if row["channel"] == "sms":
                if n.phone is None:
                    continue
                row["to"] = n.phone
            rows.append(row)
    insert_ignoring(conn, notifications, rows, "cause")
