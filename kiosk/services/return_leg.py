"""The return leg at the sender's booth: a returned parcel scanned back in, shelved, and handed
back to its sender (merchant or walk-in) on an identity document; no COD changes hands."""

from __future__ import annotations

import logging
import re
import sqlite3
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from kiosk.services import camera, slips, validate
from kiosk.services import sender as senders
from kiosk.services.auth import Clerk, require_supervisor
from kiosk.services.context import Context
from kiosk.services.errors import ServiceError
from kiosk.store import audit, manifests, outbox, parcels
from parcel.control import Manifest
from parcel.lifecycle import EventType, IllegalTransition, Status, transition
from parcel.messages import DOCUMENT_KINDS, ReturnArrived, ReturnCollected
from parcel.money import format_taka

log = logging.getLogger(__name__)

COLLECTORS = ("merchant", "sender")
DOCUMENT_NUMBER = re.compile(r"^[A-Z0-9]{4,30}$")
BACK_HERE = (Status.RETURN_ARRIVED.value, Status.RETURN_COLLECTED.value)


@dataclass(frozen=True)
class Arrival:
    """What the counter shows after a return is scanned back in."""

    tracking_id: str
    status: str
    unannounced: bool
    shelf: str | None
    printed: bool


@dataclass(frozen=True)
class Collection:
    """What the counter shows after a return is handed back to its sender."""

    tracking_id: str
    status: str
    printed: bool
    sender_match: bool | None = None


def incoming(ctx: Context) -> list[dict[str, Any]]:
    """Returns the hub announced to this booth that have not been scanned back in yet."""
    with ctx.store.read() as tx:
        coming = manifests.with_purpose(tx, "return")
        rows = {m.tracking_id: parcels.get(tx, m.tracking_id) for m in coming}
    return [
        {
            "tracking_id": m.tracking_id,
            "from": m.destination,
            "merchant": m.merchant,
            "recipient_name": m.recipient.name,
            "reason": m.return_reason,
        }
        for m in coming
        if (row := rows[m.tracking_id]) is None or row["status"] not in BACK_HERE
    ]


def waiting(ctx: Context) -> list[dict[str, Any]]:
    """Returns back at this booth, on the shelf for their sender."""
    with ctx.store.read() as tx:
        rows = parcels.with_status(tx, Status.RETURN_ARRIVED.value, ctx.booth_id)
    return [_summary(r) for r in rows]


def find(ctx: Context, tracking_id: Any) -> dict[str, Any] | None:
    """One return back here (waiting or collected), or None."""
    tid = validate.tracking_id(tracking_id)
    with ctx.store.read() as tx:
        row = parcels.get(tx, tid)
    if row is None or row["origin"] != ctx.booth_id or row["status"] not in BACK_HERE:
        return None
    return _summary(row)


def _summary(row: dict[str, Any]) -> dict[str, Any]:
    return {
        "tracking_id": row["tracking_id"],
        "status": row["status"],
        "from": row["destination"],
        "merchant": row["merchant"],
        "recipient_name": row["recipient_name"],
        "reason": row["return_reason"],
        "shelf": row["shelf"],
        "arrived_at": row["return_arrived_at"],
        "announced": bool(row["announced"]),
        "sender": senders.recorded(row),
        "sender_match": None if row["sender_match"] is None else bool(row["sender_match"]),
    }


def _is_ours(ctx: Context, tid: str, manifest: Manifest | None, row: dict[str, Any] | None) -> None:
    """Refuse a scan of a parcel that is not coming back to this booth."""
    if manifest is not None and manifest.purpose == "return":
        if manifest.origin not in (None, ctx.booth_id):
            raise ServiceError("not_a_return", f"{tid} goes back to {manifest.origin}, not this booth", 409)
        return
    if row is not None:
        if row["origin"] != ctx.booth_id:
            raise ServiceError("not_a_return", f"{tid} was not sent from this booth", 409)
        return
    if manifest is not None and manifest.origin not in (None, ctx.booth_id):
        raise ServiceError("not_a_return", f"{tid} was sent from {manifest.origin}, not this booth", 409)


def arrive(ctx: Context, clerk: str, tracking_id: Any, shelf: Any = None) -> Arrival:
    """Scan a returned parcel back in at its sender's booth and shelve it; repeating it changes nothing.

    Matched to the hub's return manifest when it came; otherwise received as unannounced (from what
    this booth knows of its own acceptance) and completed when the manifest arrives.
    """
    tid = validate.tracking_id(tracking_id)
    place = validate.shelf(shelf)
    now = ctx.now()
    stamp = now.isoformat()
    with ctx.store.transaction() as tx:
        manifest = manifests.get(tx, tid)
        row = parcels.get(tx, tid)
        _is_ours(ctx, tid, manifest, row)
        if row is not None and row["status"] in BACK_HERE:
            job = None  # scanned twice: it is already back, nothing more is written
        else:
            job = _arrive(tx, ctx, clerk, tid, place, manifest, row, stamp, now)
    if job is None:
        assert row is not None
        return Arrival(tid, row["status"], not row["announced"], row["shelf"], slips.printed(ctx, tid))
    ctx.on_commit()
    with ctx.store.read() as tx:
        announced = bool((parcels.get(tx, tid) or {}).get("announced"))
    log.info("return %s back at its sender's booth%s", tid, "" if announced else " (unannounced)")
    return Arrival(tid, Status.RETURN_ARRIVED.value, not announced, place, slips.send(ctx, job))


def _arrive(
    tx: sqlite3.Connection,
    ctx: Context,
    clerk: str,
    tid: str,
    place: str | None,
    manifest: Manifest | None,
    row: dict[str, Any] | None,
    stamp: str,
    now: datetime,
) -> int:
    """Record the arrival with its event, audit row and kept receipt; returns the print job."""
    current = Status(row["status"]) if row else None
    try:
        status = transition(current, EventType.RETURN_ARRIVED)
    except IllegalTransition as exc:
        raise ServiceError("invalid_state", str(exc), 409) from None
    # Announced by the hub's return manifest, or returned at this very booth (sent from here to here).
    announced = (manifest is not None and manifest.purpose == "return") or current == Status.RETURNED
    values: dict[str, Any] = {
        "origin": ctx.booth_id,
        "status": status.value,
        "shelf": place,
        "return_arrived_at": stamp,
        "updated_at": stamp,
        "locked": 0,
    }
    if announced and manifest is not None:
        values.update(
            destination=manifest.destination,
            recipient_name=manifest.recipient.name,
            recipient_phone=manifest.recipient.phone,
            cod_amount=format_taka(manifest.cod_amount),
            merchant=manifest.merchant or (row or {}).get("merchant"),
            return_reason=manifest.return_reason,
            announced=1,
        )
    elif not announced:
        values["announced"] = 0  # the return manifest completes it when it comes
    if row is None:
        parcels.insert(tx, tracking_id=tid, clerk=clerk, created_at=stamp, **values)
    else:
        parcels.update(tx, tid, **values)
    data = ReturnArrived(tracking_id=tid, unannounced=not announced, shelf=place)
    outbox.append(tx, ctx.booth_id, EventType.RETURN_ARRIVED, now, data)
    audit.record(tx, stamp, clerk, "return_arrive", tid, "ok" if announced else "unannounced")
    merchant = values.get("merchant", (row or {}).get("merchant"))
    doc = slips.return_arrival_receipt(
        ctx.booth_id, tid, values.get("destination", (row or {}).get("destination")), place, merchant, stamp
    )
    return slips.keep(ctx, "return_arrival_receipt", doc, tid)


def _collector(value: Any) -> str:
    if value not in COLLECTORS:
        raise ServiceError("invalid_collector", f"the collector is one of {', '.join(COLLECTORS)}")
    return str(value)


def _name(value: Any) -> str:
    text = " ".join(value.split()) if isinstance(value, str) else ""
    if not text or len(text) > 200:
        raise ServiceError(
            "invalid_name", "the name of the person collecting is required (at most 200 characters)"
        )
    return text


def _document(kind: Any, number: Any) -> tuple[str, str]:
    """(kind, last 4 characters) of an identity document; only these are kept."""
    if kind not in DOCUMENT_KINDS:
        raise ServiceError("invalid_document", f"document must be one of {', '.join(DOCUMENT_KINDS)}")
    text = "".join(str(number or "").split()).upper()
    if not DOCUMENT_NUMBER.match(text):
        raise ServiceError("invalid_document", "the document number is 4 to 30 letters or digits")
    return str(kind), text[-4:]


def collect(
    ctx: Context,
    clerk: str,
    tracking_id: Any,
    collected_by: Any,
    name: Any,
    document_kind: Any,
    document_number: Any,
    matches_sender: Any = None,
    approver: Clerk | None = None,
) -> Collection:
    """Hand a return back to its sender on an identity document; no COD is taken.

    When a sender was recorded at intake (the merchant, or a walk-in's name and mobile) the clerk
    says whether the person collecting matches it; anything but a yes is a mismatch, which needs a
    supervisor's approval, like a handover on an identity document. With no sender recorded there
    is nothing to match (recorded as unknown). A repeated identical submission changes nothing;
    another collector for a collected return is refused.
    """
    tid = validate.tracking_id(tracking_id)
    who = _collector(collected_by)
    person = _name(name)
    kind, tail = _document(document_kind, document_number)
    said = senders.match_answer(matches_sender)
    record = f"{who}: {person} ({kind} …{tail})"
    with ctx.store.read() as tx:
        row = parcels.get(tx, tid)
    _check_waiting(ctx, tid, row, record)
    assert row is not None
    if row["status"] == Status.RETURN_COLLECTED:
        match = None if row["sender_match"] is None else bool(row["sender_match"])
        return Collection(tid, Status.RETURN_COLLECTED.value, slips.printed(ctx, tid), match)
    boss = _check_match(row, said, approver)
    photo = camera.photo(ctx, "delivery", tid)
    now = ctx.now()
    stamp = now.isoformat()
    with ctx.store.transaction() as tx:
        current = parcels.get(tx, tid)
        _check_waiting(ctx, tid, current, record)
        if current is None or current["status"] != Status.RETURN_ARRIVED:
            raise ServiceError("conflict", f"{tid} changed meanwhile: try again", 409)
        match = None if senders.recorded(current) is None else said
        if match is False and boss is None:  # the sender was recorded meanwhile (a late manifest)
            raise ServiceError("conflict", f"{tid} changed meanwhile: try again", 409)
        status = transition(Status.RETURN_ARRIVED, EventType.RETURN_COLLECTED)
        parcels.update(
            tx,
            tid,
            status=status.value,
            collected_by=record,
            return_collected_at=stamp,
            updated_at=stamp,
            photo_sha256=photo or current["photo_sha256"],
            sender_match=None if match is None else int(match),
        )
        data = ReturnCollected.model_validate(
            {
                "tracking_id": tid,
                "collected_by": who,
                "document_kind": kind,
                "document_tail": tail,
                "photo_sha256": photo,
                "collector_name": person,
                "sender_match": match,
                "approved_by": boss.id if match is False and boss is not None else None,
            }
        )
        outbox.append(tx, ctx.booth_id, EventType.RETURN_COLLECTED, now, data)
        audit.record(tx, stamp, clerk, "return_collect", tid, _outcome(record, match, boss)[:200])
        doc = slips.return_handover_receipt(ctx.booth_id, tid, who, person, kind, tail, stamp)
        job = slips.keep(ctx, "return_handover_receipt", doc, tid)
    ctx.on_commit()
    log.info("return %s handed back to its %s (sender match: %s)", tid, who, match)
    return Collection(tid, status.value, slips.send(ctx, job), match)


def _check_match(row: dict[str, Any], said: bool, approver: Clerk | None) -> Clerk | None:
    """A collector who does not match the recorded sender needs a supervisor; returns the approver."""
    if senders.recorded(row) is None or said:
        return None
    return require_supervisor(approver, "handing a return to someone other than its recorded sender")


def _outcome(record: str, match: bool | None, boss: Clerk | None) -> str:
    """The audit line of a handback: who took it and how they compared with the recorded sender."""
    if match is None:
        return f"{record}; no sender recorded"
    if match:
        return f"{record}; matches the recorded sender"
    return f"{record}; NOT the recorded sender, approved by {boss.id if boss else '?'}"


def _check_waiting(ctx: Context, tid: str, row: dict[str, Any] | None, record: str) -> None:
    """The return must be back here, waiting; a collected one only for the same collector (a double submit)."""
    if row is None or row["origin"] != ctx.booth_id or row["status"] not in BACK_HERE:
        raise ServiceError("not_found", f"{tid} is not a return waiting at this booth", 404)
    if row["status"] == Status.RETURN_COLLECTED and row["collected_by"] != record:
        raise ServiceError("already_collected", f"{tid} was already handed back to its sender", 409)
