"""Remote commands to booths: the one table, sent through the MQTT outbox, with results, expiry and audit.

`send()` is the single entry point for every sender (the monitoring cell, customer care, scripts).
The booth's persistent MQTT session holds a QoS 1 command while the booth is offline; the booth
refuses it once `expires_at` has passed, and the hub marks it expired when no result came by then.
"""

from __future__ import annotations

import json
import uuid
from datetime import datetime, timedelta
from typing import Any

from pydantic import ValidationError
from sqlalchemy import Connection, select

from hub.clock import utcnow
from hub.db.schema import audit_log, booths, commands
from hub.ingest.booths import send_config
from hub.ingest.outbox import enqueue
from parcel import topics
from parcel.control import Command, CommandResult
from parcel.tariff import Tariff

# name → (minimum role, what it does); push_config is carried out by the hub itself.
COMMANDS: dict[str, tuple[str, str]] = {
    "test_print": ("operator", "print a test page on the booth's printer"),
    "reprint": ("operator", "reprint a parcel's label (args: tracking_id)"),
    "restart_device": ("operator", "restart one device (args: device)"),
    "fetch_photo": ("operator", "fetch a parcel's proof photo (args: tracking_id)"),
    "reissue_code": ("operator", "issue a new collection code (args: tracking_id); the old one stops"),
    "push_config": ("admin", "send the booth its config and tariff again (retained)"),
}
DEFAULT_TTL = timedelta(hours=24)
MAX_TTL = timedelta(days=7)
MAX_DETAIL = 400_000  # a photo travels base64 in the detail
EXPIRED_DETAIL = "no result before expiry"  # the detail of a command its booth never answered


class CommandError(ValueError):
    """A command cannot be sent: unknown name, unknown booth, bad TTL."""


def send(
    conn: Connection,
    booth_id: str,
    name: str,
    args: dict[str, Any] | None = None,
    ttl: timedelta = DEFAULT_TTL,
    actor: str = "system",
    now: datetime | None = None,
) -> str:
    """Record a command for booth_id, queue it on the booth's cmd topic (QoS 1), audit it; return its id."""
    now = now or utcnow()
    if name not in COMMANDS:
        raise CommandError(f"unknown command {name!r}")
    if (
        not topics.is_booth_id(booth_id)
        or not conn.execute(select(booths.c.booth_id).where(booths.c.booth_id == booth_id)).first()
    ):
        raise CommandError(f"unknown booth {booth_id!r}")
    if not timedelta(seconds=1) <= ttl <= MAX_TTL:
        raise CommandError("ttl must be between 1 second and 7 days")
    args = dict(args or {})
    if name == "push_config" and "tariff" in args:
        args["tariff"] = _valid_tariff(args["tariff"])
    command_id = str(uuid.uuid4())
    expires = now + ttl
    conn.execute(
        commands.insert().values(
            id=command_id,
            booth_id=booth_id,
            name=name,
            args=args,
            actor=actor,
            status="pending",
            created_at=now,
            expires_at=expires,
        )
    )
    audit(conn, actor, f"command.{name}", booth_id, json.dumps({"id": command_id, "args": args}), now)
    if name == "push_config":
        send_config(conn, booth_id, now, f"config:{booth_id}:cmd:{command_id}")
        _finish(conn, command_id, True, "config queued as the retained config message", now)
        return command_id
    payload = Command(id=command_id, name=name, args=args, expires_at=expires).model_dump_json().encode()
    enqueue(conn, f"cmd:{command_id}", topics.booth_topic(booth_id, topics.CMD), payload, now, qos=1)
    return command_id


def _valid_tariff(raw: object) -> dict[str, Any]:
    """A tariff given as JSON text or a dict, checked against the shared model; CommandError if not."""
    try:
        value = json.loads(raw) if isinstance(raw, str) else raw
        return Tariff.model_validate(value).model_dump(mode="json")
    except (ValueError, ValidationError) as exc:
        raise CommandError(f"tariff is not valid: {str(exc)[:300]}") from None


def record_result(conn: Connection, booth_id: str, payload: bytes, now: datetime) -> bool:
    """Store a booth's cmd/result (only for its own pending command); True when recorded."""
    result = CommandResult.model_validate_json(payload)
    row = conn.execute(
        select(commands.c.booth_id, commands.c.status).where(commands.c.id == result.id)
    ).first()
    if row is None or row.booth_id != booth_id or row.status == "done":
        return False
    _finish(conn, result.id, result.ok, result.detail[:MAX_DETAIL], now)
    return True


def expire(conn: Connection, now: datetime) -> int:
    """Mark pending commands past their expiry as expired; return how many."""
    return conn.execute(
        commands.update()
        .where(commands.c.status == "pending", commands.c.expires_at < now)
        .values(status="expired", done_at=now, detail=EXPIRED_DETAIL)
    ).rowcount


def get(conn: Connection, command_id: str) -> dict[str, Any] | None:
    """One command as a dict, or None."""
    row = conn.execute(select(commands).where(commands.c.id == command_id)).first()
    return dict(row._mapping) if row else None


def audit(
    conn: Connection, actor: str, action: str, booth_id: str | None, detail: str, now: datetime
) -> None:
    """Append one line to the audit log."""
    conn.execute(
        audit_log.insert().values(
            at=now, actor=actor[:64], action=action[:64], booth_id=booth_id, detail=detail
        )
    )


def _finish(conn: Connection, command_id: str, ok: bool, detail: str, now: datetime) -> None:
    conn.execute(
        commands.update()
        .where(commands.c.id == command_id)
        .values(status="done", ok=ok, detail=detail, done_at=now)
    )
