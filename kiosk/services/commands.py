"""Remote commands from the monitoring cell: test print, reprint, restart a device, proof photo, new code.

`run()` returns the result to publish on cmd/result; an expired command is refused without acting.
A photo travels base64 in the result's detail, refused when larger than MAX_PHOTO_BYTES.
"""

from __future__ import annotations

import base64
import json
import logging
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

from kiosk.services import secrets_hash, validate
from kiosk.services.context import Context
from kiosk.services.errors import ServiceError
from kiosk.services.receive import new_code
from kiosk.store import audit, outbox, parcels, photos
from parcel.control import Command, CommandResult
from parcel.lifecycle import EventType, Status
from parcel.messages import Ready

log = logging.getLogger(__name__)

MAX_PHOTO_BYTES = 256 * 1024
ACTOR = "monitoring-cell"


def run(ctx: Context, command: Command) -> CommandResult:
    """Carry out command unless it has expired; never raises for a bad command."""
    if command.expires_at < ctx.now():
        return CommandResult(id=command.id, ok=False, detail="expired")
    handler = HANDLERS.get(command.name)
    if handler is None:
        return CommandResult(id=command.id, ok=False, detail="unknown command")
    try:
        detail = handler(ctx, command.args)
    except ServiceError as exc:
        return CommandResult(id=command.id, ok=False, detail=f"{exc.code}: {exc}")
    except Exception as exc:  # a failing device must not kill the uplink worker
        log.exception("command %s failed", command.name)
        return CommandResult(id=command.id, ok=False, detail=f"failed: {type(exc).__name__}")
    return CommandResult(id=command.id, ok=True, detail=detail)


def test_print(ctx: Context, args: dict[str, Any]) -> str:
    """Print a test page."""
    stamp = ctx.now().strftime("%Y-%m-%d %H:%M:%S")
    failed = ctx.devices.print_lines(["DakBooth test print", ctx.booth_id, stamp, "-" * 16])
    if failed:
        raise ServiceError("printer", failed)
    return "printed"


def reprint(ctx: Context, args: dict[str, Any]) -> str:
    """Reprint a parcel's label with its tracking number."""
    tid = validate.tracking_id(args.get("tracking_id"))
    with ctx.store.read() as tx:
        row = parcels.get(tx, tid)
    if row is None:
        raise ServiceError("unknown_parcel", f"{tid} is not known at this booth")
    lines = ["DakBooth (reprint)", tid, f"to {row['destination'] or '?'}", f"status {row['status']}"]
    failed = ctx.devices.print_lines(lines)
    if failed:
        raise ServiceError("printer", failed)
    return f"reprinted {tid}"


def restart_device(ctx: Context, args: dict[str, Any]) -> str:
    """Stop and start one device (scanner, scale, printer, camera)."""
    kind = str(args.get("device", ""))
    device = ctx.devices.devices.get(kind)
    if device is None:
        raise ServiceError("unknown_device", f"no device {kind!r} here")
    device.stop()
    device.start()
    return f"{kind} restarted: {ctx.devices.health()[kind].state}"


def fetch_photo(ctx: Context, args: dict[str, Any]) -> str:
    """The latest photo of a parcel as JSON {sha256, kind, taken_at, jpeg_base64}."""
    tid = validate.tracking_id(args.get("tracking_id"))
    with ctx.store.read() as tx:
        found = photos.for_parcel(tx, tid)
        if not found:
            raise ServiceError("no_photo", f"no photo of {tid}")
        photo = found[-1]
        data = photos.jpeg(tx, photo.sha256) or b""
    if len(data) > MAX_PHOTO_BYTES:
        raise ServiceError("too_large", f"photo is {len(data)} bytes (limit {MAX_PHOTO_BYTES})")
    return json.dumps(
        {
            "sha256": photo.sha256,
            "kind": photo.kind,
            "taken_at": photo.taken_at,
            "jpeg_base64": base64.b64encode(data).decode(),
        }
    )


def reissue_code(ctx: Context, args: dict[str, Any]) -> str:
    """Give a ready parcel a new collection code (the old one stops working) and tell the hub."""
    tid = validate.tracking_id(args.get("tracking_id"))
    now = ctx.now()
    with ctx.store.transaction() as tx:
        row = parcels.get(tx, tid)
        if row is None or row["status"] != Status.READY.value or row["destination"] != ctx.booth_id:
            raise ServiceError("not_ready", f"{tid} is not ready for collection here")
        code = new_code()
        salt = secrets_hash.new_salt()
        expires = _expiry(ctx, now)
        parcels.update(
            tx,
            tid,
            code_hash=secrets_hash.digest(code, salt),
            code_salt=salt,
            code_expires_at=expires.isoformat(),
            code_attempts=0,
            locked=0,
            updated_at=now.isoformat(),
        )
        ready = Ready(tracking_id=tid, collection_code=code, code_expires_at=expires, shelf=row["shelf"])
        outbox.append(tx, ctx.booth_id, EventType.READY, now, ready)
        audit.record(tx, now.isoformat(), ACTOR, "reissue_code", tid, "ok")
    ctx.on_commit()
    return f"new code issued for {tid}"


def _expiry(ctx: Context, now: datetime) -> datetime:
    return now + timedelta(days=ctx.counter.code_valid_days)


HANDLERS: dict[str, Callable[[Context, dict[str, Any]], str]] = {
    "test_print": test_print,
    "reprint": reprint,
    "restart_device": restart_device,
    "fetch_photo": fetch_photo,
    "reissue_code": reissue_code,
}
