"""Handover: a ready parcel given to its recipient against the collection code and the COD due."""

from __future__ import annotations

import logging
from datetime import datetime
from decimal import Decimal
from typing import Any

from kiosk.services import secrets_hash, validate
from kiosk.services.context import Context
from kiosk.services.errors import ServiceError
from kiosk.store import audit, outbox, parcels
from parcel.lifecycle import EventType, Status, transition
from parcel.messages import Delivered, HandoverFailed

log = logging.getLogger(__name__)


def handover(ctx: Context, clerk: str, tracking_id: Any, code: Any, cod_collected: Any) -> str:
    """Hand a parcel over; a wrong code is counted and the last allowed one locks the parcel."""
    tid = validate.tracking_id(tracking_id)
    typed = validate.code(code)
    collected = validate.amount(cod_collected, "invalid_amount")
    now = ctx.now()
    limit = ctx.counter.code_attempts
    with ctx.store.transaction() as tx:
        row = parcels.get(tx, tid)
        if row is None:
            raise ServiceError("not_found", f"{tid} is not known at this booth", 404)
        if row["status"] != Status.READY or row["destination"] != ctx.booth_id or row["code_hash"] is None:
            raise ServiceError("not_ready", f"{tid} is not ready for collection here", 409)
        if row["locked"]:
            raise ServiceError(
                "parcel_locked", "too many wrong codes: a supervisor must unlock this parcel", 423
            )
        if datetime.fromisoformat(row["code_expires_at"]) <= now:
            raise ServiceError("code_expired", "the collection code has expired", 409)
        ok = secrets_hash.matches(typed, row["code_salt"], row["code_hash"])
        if not ok:
            attempts = row["code_attempts"] + 1
            locked = attempts >= limit
            parcels.update(tx, tid, code_attempts=attempts, locked=int(locked), updated_at=now.isoformat())
            audit.record(tx, now.isoformat(), clerk, "handover", tid, f"wrong code {attempts}/{limit}")
            if locked:
                reason = f"locked after {limit} wrong codes"
                data = HandoverFailed(tracking_id=tid, reason=reason, attempt=attempts)
                outbox.append(tx, ctx.booth_id, EventType.HANDOVER_FAILED, now, data)
    if not ok:
        if locked:
            ctx.on_commit()
            log.warning("%s locked after %d wrong codes", tid, attempts)
            raise ServiceError(
                "wrong_code", "wrong collection code; no attempts left: the parcel is now locked", 422
            )
        raise ServiceError("wrong_code", f"wrong collection code; {limit - attempts} attempts left", 422)
    with ctx.store.transaction() as tx:
        row = parcels.get(tx, tid)
        if row is None or row["status"] != Status.READY or row["locked"]:
            raise ServiceError("not_ready", f"{tid} is not ready for collection here", 409)
        if row["cod_amount"] is None:
            raise ServiceError("cod_unknown", "the COD due is not known yet (no manifest): wait for it", 409)
        due = Decimal(row["cod_amount"])
        if collected != due:
            raise ServiceError("cod_mismatch", f"COD due is Tk {due}, not Tk {collected}", 422)
        status = transition(Status.READY, EventType.DELIVERED)
        parcels.update(tx, tid, status=status.value, updated_at=now.isoformat())
        outbox.append(
            tx, ctx.booth_id, EventType.DELIVERED, now, Delivered(tracking_id=tid, cod_collected=collected)
        )
        audit.record(tx, now.isoformat(), clerk, "handover", tid, "delivered")
    ctx.on_commit()
    log.info("delivered %s", tid)
    return status.value
