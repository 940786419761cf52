"""Receive: a parcel scanned in at its destination booth gets a collection code and is ready."""

from __future__ import annotations

import logging
import secrets
from datetime import timedelta
from typing import Any

from kiosk.services import secrets_hash, validate
from kiosk.services.context import Context
from kiosk.services.errors import ServiceError
from kiosk.store import audit, manifests, outbox, parcels
from parcel.control import Manifest
from parcel.lifecycle import EventType, IllegalTransition, Status, transition
from parcel.messages import Arrived, Dispatched, Ready
from parcel.money import format_taka

log = logging.getLogger(__name__)

RETURN_LEG_HERE = (Status.RETURN_ARRIVED, Status.RETURN_COLLECTED)


def new_code() -> str:
    """A 6-digit collection code from the CSPRNG."""
    return f"{secrets.randbelow(1_000_000):06d}"


def receive(ctx: Context, clerk: str, tracking_id: Any, shelf: Any = None) -> tuple[str, str]:
    """Receive a parcel here, put it on a shelf and make it ready with a new code; repeating it changes nothing.

    Returns (canonical tracking id, status).
    """
    tid = validate.tracking_id(tracking_id)
    place = validate.shelf(shelf)
    now = ctx.now()
    with ctx.store.transaction() as tx:
        manifest = manifests.get(tx, tid)
        row = parcels.get(tx, tid)
        _not_for_receiving(ctx, tid, manifest, row)
        if manifest is not None and manifest.destination != ctx.booth_id:
            raise ServiceError("misrouted", f"{tid} is for {manifest.destination}, not this booth", 409)
        if row is not None and row["destination"] not in (None, ctx.booth_id):
            raise ServiceError("misrouted", f"{tid} is for {row['destination']}, not this booth", 409)
        current = Status(row["status"]) if row else None
        if current == Status.READY:
            return tid, Status.READY.value
        try:
            transition(transition(current, EventType.ARRIVED), EventType.READY)
        except IllegalTransition as exc:
            raise ServiceError("invalid_state", str(exc), 409) from None
        code = new_code()
        salt = secrets_hash.new_salt()
        expires = now + timedelta(days=ctx.counter.code_valid_days)
        stamp = now.isoformat()
        values: dict[str, Any] = {
            "destination": ctx.booth_id,
            "status": Status.READY.value,
            "code_hash": secrets_hash.digest(code, salt),
            "code_salt": salt,
            "code_expires_at": expires.isoformat(),
            "code_attempts": 0,
            "locked": 0,
            "updated_at": stamp,
            "ready_at": stamp,
            "shelf": place,
        }
        if manifest is not None:
            values.update(
                origin=manifest.origin,
                recipient_name=manifest.recipient.name,
                recipient_phone=manifest.recipient.phone,
                cod_amount=format_taka(manifest.cod_amount),
                weight_g=manifest.weight_g,
                announced=1,
            )
        elif row is None:
            values["announced"] = 0
        if row is None:
            parcels.insert(tx, tracking_id=tid, clerk=clerk, created_at=stamp, **values)
        else:
            if manifest is None and row["origin"] == ctx.booth_id:
                values["announced"] = 1  # accepted here for here: we know everything already
            parcels.update(tx, tid, **values)
        unannounced = manifest is None and not (row is not None and row["origin"] == ctx.booth_id)
        outbox.append(
            tx, ctx.booth_id, EventType.ARRIVED, now, Arrived(tracking_id=tid, unannounced=unannounced)
        )
        outbox.append(
            tx,
            ctx.booth_id,
            EventType.READY,
            now,
            Ready(tracking_id=tid, collection_code=code, code_expires_at=expires, shelf=place),
        )
        audit.record(tx, stamp, clerk, "receive", tid, "unannounced" if unannounced else "ok")
    ctx.on_commit()
    log.info("received %s%s", tid, " (unannounced)" if unannounced else "")
    return tid, Status.READY.value


def _not_for_receiving(ctx: Context, tid: str, manifest: Manifest | None, row: dict[str, Any] | None) -> None:
    """A return coming back here, or a pre-advised parcel still to be taken in here, is not received
    for a recipient: say where it belongs at this counter instead of calling it misrouted."""
    back = row is not None and row["status"] in RETURN_LEG_HERE and row["origin"] == ctx.booth_id
    if back or (manifest is not None and manifest.purpose == "return"):
        raise ServiceError(
            "is_return", f"{tid} is a return to this booth: receive it under returns coming back", 409
        )
    if row is None and manifest is not None and manifest.purpose == "intake":
        raise ServiceError("not_taken_in", f"{tid} is pre-advised to be taken in here: use intake", 409)


def misrouted_to(ctx: Context, tracking_id: Any) -> str | None:
    """The booth a parcel scanned here should go to, when it is not this one; None otherwise."""
    tid = validate.tracking_id(tracking_id)
    with ctx.store.read() as tx:
        manifest = manifests.get(tx, tid)
        row = parcels.get(tx, tid)
    if manifest is not None and manifest.destination != ctx.booth_id:
        return manifest.destination
    if row is not None and row["destination"] not in (None, ctx.booth_id):
        return str(row["destination"])
    return None


def forward(ctx: Context, clerk: str, tracking_id: Any) -> tuple[str, str]:
    """Send a misrouted parcel on to its destination (parcel.dispatched from here); repeating it changes nothing.

    Returns (tracking id, the booth it goes to).
    """
    tid = validate.tracking_id(tracking_id)
    now = ctx.now()
    stamp = now.isoformat()
    with ctx.store.transaction() as tx:
        manifest = manifests.get(tx, tid)
        row = parcels.get(tx, tid)
        target = manifest.destination if manifest is not None else (row or {}).get("destination")
        if target is None or target == ctx.booth_id:
            raise ServiceError("not_misrouted", f"{tid} is not known to belong to another booth", 409)
        if row is not None and row["status"] == Status.DISPATCHED:
            return tid, str(target)  # already on its way: a double scan changes nothing
        if row is not None and row["status"] not in (Status.ACCEPTED, Status.DISPATCHED):
            raise ServiceError("invalid_state", f"{tid} is {row['status']} here and cannot be forwarded", 409)
        if row is None:
            parcels.insert(
                tx,
                tracking_id=tid,
                origin=manifest.origin if manifest else None,
                destination=target,
                recipient_name=manifest.recipient.name if manifest else None,
                recipient_phone=manifest.recipient.phone if manifest else None,
                cod_amount=format_taka(manifest.cod_amount) if manifest else None,
                status=Status.DISPATCHED.value,
                announced=1,
                clerk=clerk,
                created_at=stamp,
                updated_at=stamp,
            )
        else:
            parcels.update(tx, tid, status=Status.DISPATCHED.value, updated_at=stamp)
        outbox.append(tx, ctx.booth_id, EventType.DISPATCHED, now, Dispatched(tracking_id=tid))
        audit.record(tx, stamp, clerk, "forward", tid, f"misrouted, forwarded to {target}")
    ctx.on_commit()
    log.info("forwarded misrouted %s to %s", tid, target)
    return tid, str(target)
