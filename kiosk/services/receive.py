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
from parcel.lifecycle import EventType, IllegalTransition, Status, transition
from parcel.messages import Arrived, Ready
from parcel.money import format_taka

log = logging.getLogger(__name__)


def new_code() -> str:
    """A 6-digit collection code from the CSPRNG."""
    return f"{secrets.randbelow(1_000_000):06d}"


def receive(ctx: Context, clerk: str, tracking_id: Any) -> tuple[str, str]:
    """Receive a parcel here and make it ready with a new code; repeating it changes nothing.

    Returns (canonical tracking id, status).
    """
    tid = validate.tracking_id(tracking_id)
    now = ctx.now()
    with ctx.store.transaction() as tx:
        manifest = manifests.get(tx, tid)
        row = parcels.get(tx, tid)
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
            Ready(tracking_id=tid, collection_code=code, code_expires_at=expires),
        )
        audit.record(tx, stamp, clerk, "receive", tid, "unannounced" if unannounced else "ok")
    ctx.on_commit()
    log.info("received %s%s", tid, " (unannounced)" if unannounced else "")
    return tid, Status.READY.value
