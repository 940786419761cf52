"""Supervisor actions: unlock a parcel locked by wrong collection codes."""

from __future__ import annotations

from typing import Any

from kiosk.services import validate
from kiosk.services.auth import Clerk
from kiosk.services.context import Context
from kiosk.services.errors import ServiceError
from kiosk.store import audit, parcels


def unlock_parcel(ctx: Context, clerk: Clerk, tracking_id: Any) -> str:
    """Unlock a parcel and reset its wrong-code count (supervisors only); returns the tracking id."""
    if clerk.role != "supervisor":
        raise ServiceError("forbidden", "only a supervisor can unlock a parcel", 403)
    tid = validate.tracking_id(tracking_id)
    with ctx.store.transaction() as tx:
        row = parcels.get(tx, tid)
        if row is None:
            raise ServiceError("not_found", f"{tid} is not known at this booth", 404)
        if not row["locked"]:
            raise ServiceError("not_locked", f"{tid} is not locked", 409)
        parcels.update(tx, tid, locked=0, code_attempts=0, updated_at=ctx.now().isoformat())
        audit.record(tx, ctx.now().isoformat(), clerk.id, "unlock", tid, "ok")
    return tid
