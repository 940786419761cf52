"""Dispatch: a parcel accepted here leaves the booth."""

from __future__ import annotations

from typing import Any

from kiosk.services import validate
from kiosk.services.context import Context
from kiosk.services.errors import ServiceError
from kiosk.store import audit, outbox, parcels
from parcel.lifecycle import EventType, IllegalTransition, Status, transition
from parcel.messages import Dispatched


def dispatch(ctx: Context, clerk: str, tracking_id: Any) -> tuple[str, str]:
    """Mark a parcel accepted here as dispatched; repeating it changes nothing. Returns (id, status)."""
    tid = validate.tracking_id(tracking_id)
    now = ctx.now()
    with ctx.store.transaction() as tx:
        row = parcels.get(tx, tid)
        if row is None or row["origin"] != ctx.booth_id:
            raise ServiceError("not_found", f"{tid} was not taken in at this booth", 404)
        if row["status"] == Status.DISPATCHED:
            return tid, Status.DISPATCHED.value
        try:
            status = transition(Status(row["status"]), EventType.DISPATCHED)
        except IllegalTransition as exc:
            raise ServiceError("invalid_state", str(exc), 409) from None
        parcels.update(tx, tid, status=status.value, updated_at=now.isoformat())
        outbox.append(tx, ctx.booth_id, EventType.DISPATCHED, now, Dispatched(tracking_id=tid))
        audit.record(tx, now.isoformat(), clerk, "dispatch", tid, "ok")
    ctx.on_commit()
    return tid, status.value
