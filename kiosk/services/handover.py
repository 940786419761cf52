"""Handover: a ready parcel given to its recipient against the collection code (or an identity document) and the COD due."""

from __future__ import annotations

import logging
import re
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Any

from kiosk.services import camera, secrets_hash, slips, validate
from kiosk.services.auth import Clerk, require_supervisor
from kiosk.services.context import Context
from kiosk.services.errors import ServiceError
from kiosk.store import audit, cash_days, outbox, parcels
from parcel.lifecycle import EventType, Status, transition
from parcel.messages import Delivered, HandoverFailed
from parcel.money import format_taka
from parcel.phone import InvalidPhone, normalise_mobile

log = logging.getLogger(__name__)

DOCUMENT_KINDS = ("nid", "passport", "birth_certificate", "driving_licence")
DOCUMENT_NUMBER = re.compile(r"^[A-Z0-9]{4,30}$")


def find(ctx: Context, query: Any) -> list[dict[str, Any]]:
    """Parcels for collection here, found by tracking number (scanned or typed) or by recipient phone."""
    if not isinstance(query, str) or not query.strip():
        raise ServiceError(
            "invalid_query", "scan the parcel, or type its tracking number or the recipient's mobile"
        )
    text = query.strip()
    with ctx.store.read() as tx:
        try:
            tid = validate.tracking_id(text)
        except ServiceError:
            tid = None
        if tid is not None:
            row = parcels.get(tx, tid)
            rows = [row] if row is not None and row["destination"] == ctx.booth_id else []
        else:
            try:
                phone = normalise_mobile(text)
            except InvalidPhone:
                raise ServiceError(
                    "invalid_query", "not a tracking number or a Bangladeshi mobile number"
                ) from None
            rows = parcels.ready_by_phone(tx, ctx.booth_id, phone)
    return [_summary(r) for r in rows]


def _summary(row: dict[str, Any]) -> dict[str, Any]:
    return {
        "tracking_id": row["tracking_id"],
        "status": row["status"],
        "recipient_name": row["recipient_name"],
        "recipient_phone": row["recipient_phone"],
        "cod_amount": row["cod_amount"],
        "shelf": row["shelf"],
        "locked": bool(row["locked"]),
        "attempts": row["code_attempts"],
    }


def _ready_row(tx: Any, ctx: Context, tid: str) -> dict[str, Any]:
    row = parcels.get(tx, tid)
    if row is None:
        raise ServiceError("not_found", f"{tid} is not known at this booth", 404)
    if row["status"] != Status.READY or row["destination"] != ctx.booth_id or row["code_hash"] is None:
        raise ServiceError("not_ready", f"{tid} is not ready for collection here", 409)
    return row


def _check_cod(row: dict[str, Any], collected: Decimal) -> None:
    if row["cod_amount"] is None:
        raise ServiceError("cod_unknown", "the COD due is not known yet (no manifest): wait for it", 409)
    due = Decimal(row["cod_amount"])
    if collected != due:
        raise ServiceError("cod_mismatch", f"COD due is Tk {due}, not Tk {collected}", 422)


def _already_delivered(ctx: Context, tid: str, collected: Decimal, typed: str | None) -> bool:
    """True for a repeated submission of a handover that already went through (a double submit)."""
    with ctx.store.read() as tx:
        row = parcels.get(tx, tid)
    if row is None or row["status"] != Status.DELIVERED or row["destination"] != ctx.booth_id:
        return False
    if row["cod_collected"] != format_taka(collected):
        return False
    if typed is None:
        return row["verified_by"] == "id_document"
    return row["code_hash"] is not None and secrets_hash.matches(typed, row["code_salt"], row["code_hash"])


def handover(ctx: Context, clerk: str, tracking_id: Any, code: Any, cod_collected: Any) -> str:
    """Hand a parcel over; a wrong code is counted and the last allowed one locks the parcel."""
    tid = validate.tracking_id(tracking_id)
    typed = validate.code(code)
    collected = validate.amount(cod_collected, "cod_collected")
    if _already_delivered(ctx, tid, collected, typed):
        return Status.DELIVERED.value
    now = ctx.now()
    limit = ctx.counter.code_attempts
    with ctx.store.transaction() as tx:
        row = _ready_row(tx, ctx, tid)
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
    return _deliver(ctx, clerk, tid, collected, "code", "delivered")


def handover_by_document(
    ctx: Context,
    clerk: str,
    approver: Clerk | None,
    tracking_id: Any,
    document_kind: Any,
    document_number: Any,
    cod_collected: Any,
) -> str:
    """Hand a parcel over without its code, on an identity document checked by the clerk and approved by a supervisor."""
    tid = validate.tracking_id(tracking_id)
    if document_kind not in DOCUMENT_KINDS:
        raise ServiceError("invalid_document", f"document must be one of {', '.join(DOCUMENT_KINDS)}")
    number = "".join(str(document_number or "").split()).upper()
    if not DOCUMENT_NUMBER.match(number):
        raise ServiceError("invalid_document", "the document number is 4 to 30 letters or digits")
    collected = validate.amount(cod_collected, "cod_collected")
    boss = require_supervisor(approver, "a handover on an identity document")
    if _already_delivered(ctx, tid, collected, None):
        return Status.DELIVERED.value
    # Only the kind and the last 4 characters are kept: enough to trace, not a copy of the ID.
    outcome = f"delivered on {document_kind} …{number[-4:]} approved by {boss.id}"
    return _deliver(ctx, clerk, tid, collected, "id_document", outcome)


def _open_day(tx: Any, today: date) -> str:
    """The business day a delivery's cash counts towards: today, or the next day once today is closed."""
    day = today
    while cash_days.get(tx, day.isoformat()) is not None:
        day += timedelta(days=1)
    return day.isoformat()


def _deliver(ctx: Context, clerk: str, tid: str, collected: Decimal, verified_by: str, outcome: str) -> str:
    """Check the COD and record the delivery with its event, proof photo and receipt."""
    with ctx.store.read() as tx:
        _check_cod(_ready_row(tx, ctx, tid), collected)
    photo = camera.photo(ctx, "delivery", tid)
    now = ctx.now()
    stamp = now.isoformat()
    with ctx.store.transaction() as tx:
        row = _ready_row(tx, ctx, tid)
        if row["locked"] and verified_by == "code":
            raise ServiceError("parcel_locked", "a supervisor must unlock this parcel", 423)
        _check_cod(row, collected)
        status = transition(Status.READY, EventType.DELIVERED)
        parcels.update(
            tx,
            tid,
            status=status.value,
            updated_at=stamp,
            locked=0,
            cod_collected=format_taka(collected),
            verified_by=verified_by,
            delivered_at=stamp,
            business_date=_open_day(tx, now.date()),
            photo_sha256=photo,
        )
        data = Delivered(
            tracking_id=tid, cod_collected=collected, verified_by=verified_by, photo_sha256=photo
        )  # type: ignore[arg-type]
        outbox.append(tx, ctx.booth_id, EventType.DELIVERED, now, data)
        audit.record(tx, stamp, clerk, "handover", tid, outcome)
        doc = slips.delivery_receipt(ctx.booth_id, tid, row["recipient_name"], collected, verified_by, stamp)
        job = slips.keep(ctx, "delivery_receipt", doc, tid)
    ctx.on_commit()
    log.info("delivered %s (%s)", tid, verified_by)
    slips.send(ctx, job)
    return status.value
