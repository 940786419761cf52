"""Returns: a parcel refused, left uncollected, or found damaged or wrong goes back to the sender's booth."""

from __future__ import annotations

import logging
from datetime import timedelta
from typing import Any

from kiosk.services import camera, slips, validate
from kiosk.services.context import Context
from kiosk.services.errors import ServiceError
from kiosk.store import audit, outbox, parcels
from parcel.lifecycle import EventType, IllegalTransition, Status, transition
from parcel.messages import Returned

log = logging.getLogger(__name__)

REASONS = ("refused", "uncollected", "damaged", "wrong_goods")


def overdue(ctx: Context) -> list[dict[str, Any]]:
    """Parcels on the shelf longer than the configured days: candidates for an uncollected return."""
    before = (ctx.now() - timedelta(days=ctx.counter.uncollected_days)).isoformat()
    with ctx.store.read() as tx:
        rows = parcels.ready_before(tx, ctx.booth_id, before)
    return [
        {"tracking_id": r["tracking_id"], "recipient_name": r["recipient_name"], "ready_at": r["ready_at"]}
        for r in rows
    ]


def return_parcel(ctx: Context, clerk: str, tracking_id: Any, kind: Any, note: Any = None) -> str:
    """Return a parcel waiting here to its sender's booth; repeating it changes nothing. Returns its origin."""
    tid = validate.tracking_id(tracking_id)
    if kind not in REASONS:
        raise ServiceError("invalid_reason", f"the return reason is one of {', '.join(REASONS)}")
    text = validate.reason(note, "note", required=kind != "uncollected")
    now = ctx.now()
    stamp = now.isoformat()
    with ctx.store.read() as tx:
        row = parcels.get(tx, tid)
    if row is None or row["destination"] != ctx.booth_id:
        raise ServiceError("not_found", f"{tid} is not waiting at this booth", 404)
    if row["status"] == Status.RETURNED:
        return str(row["origin"] or "")
    try:
        transition(Status(row["status"]), EventType.RETURNED)
    except IllegalTransition as exc:
        raise ServiceError("invalid_state", str(exc), 409) from None
    if kind == "uncollected":
        limit = now - timedelta(days=ctx.counter.uncollected_days)
        if row["ready_at"] is None or row["ready_at"] > limit.isoformat():
            raise ServiceError(
                "not_overdue",
                f"a parcel can be returned uncollected only after {ctx.counter.uncollected_days} days",
                409,
            )
    photo = camera.photo(ctx, "parcel", tid) if kind in ("damaged", "wrong_goods") else None
    reason = f"{kind}: {text}" if text else kind
    with ctx.store.transaction() as tx:
        current = parcels.get(tx, tid)
        if current is None or current["status"] != row["status"]:
            raise ServiceError("conflict", f"{tid} changed meanwhile: try again", 409)
        parcels.update(
            tx,
            tid,
            status=Status.RETURNED.value,
            return_reason=reason,
            locked=0,
            updated_at=stamp,
            photo_sha256=photo or current["photo_sha256"],
        )
        outbox.append(tx, ctx.booth_id, EventType.RETURNED, now, Returned(tracking_id=tid, reason=reason))
        audit.record(tx, stamp, clerk, "return", tid, reason[:200])
        origin = str(row["origin"] or "")
        doc = slips.return_receipt(ctx.booth_id, tid, origin, kind, text, stamp)
        job = slips.keep(ctx, "return_receipt", doc, tid)
    ctx.on_commit()
    log.info("returned %s (%s)", tid, kind)
    slips.send(ctx, job)
    return origin
