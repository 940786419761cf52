"""Intake: a parcel taken in at this booth, numbered, priced, recorded and reported."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from kiosk.services import camera, directory, printing, validate
from kiosk.services import sender as senders
from kiosk.services.auth import Clerk, require_supervisor
from kiosk.services.context import Context
from kiosk.services.errors import ServiceError
from kiosk.store import audit, booth_config, manifests, outbox, parcels, print_jobs, submissions
from parcel.lifecycle import EventType, IllegalTransition, transition
from parcel.messages import Accepted, Recipient
from parcel.money import format_taka
from parcel.tariff import DEFAULT_TARIFF, zone_between

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class IntakeResult:
    """What the counter shows after an intake."""

    tracking_id: str
    weight_g: int
    fee: Decimal
    printed: bool


def intake(
    ctx: Context,
    clerk: str,
    recipient: Any,
    destination: Any,
    cod_amount: Any,
    tracking_id: Any = None,
    weight_g: Any = None,
    approver: Clerk | None = None,
    submission: Any = None,
    sender: Any = None,
) -> IntakeResult:
    """Accept a parcel; idempotent for a repeated identical submission of the same tracking id
    or (a walk-in) of the same submission key.

    A pre-advised parcel (its label scanned, a manifest known here) must match its pre-advice,
    and carries the pre-advice's merchant. A label already taken in here by another form is
    refused (already_accepted). A weight typed instead of read from the scale needs a supervisor.
    A walk-in may give the sender's name and mobile ({"name"?, "phone"?}); a pre-advised parcel's
    sender is its merchant, so typing a sender for one is refused (sender_is_merchant).
    """
    tid = None if tracking_id in (None, "") else validate.tracking_id(tracking_id)
    name, phone = validate.recipient(recipient)
    dest = directory.resolve(ctx, destination)
    cod = validate.amount(cod_amount, "cod_amount")
    key = validate.submission(submission)
    sender_name, sender_phone = senders.walk_in(sender)
    merchant = _check_preadvice(ctx, tid, dest, cod, phone) if tid is not None else None
    if merchant is not None and (sender_name or sender_phone):
        raise ServiceError(
            "sender_is_merchant", f"{tid} was pre-advised: its sender is the merchant {merchant}", 409
        )
    if weight_g is not None:
        validate.weight(weight_g)
        require_supervisor(approver, "a weight typed by hand")
    if weight_g is None:
        reading = ctx.devices.weigh()
        if reading is None:
            raise ServiceError("no_scale", "no working scale: enter the weight", 409)
        if not reading.stable or reading.weight_g <= 0:
            raise ServiceError("weight_unstable", "the weight is not stable yet", 409)
        weight = validate.weight(reading.weight_g)
    else:
        weight = validate.weight(weight_g)
    now = ctx.now()
    with ctx.store.transaction() as tx:
        if tid is None and key is not None:
            tid = submissions.get(tx, key)  # a walk-in form sent twice: the parcel it created
        if tid is not None:
            existing = parcels.get(tx, tid)
            if existing is not None:
                same = (
                    existing["origin"] == ctx.booth_id
                    and existing["destination"] == dest
                    and existing["recipient_name"] == name
                    and existing["recipient_phone"] == phone
                    and existing["cod_amount"] == format_taka(cod)
                    and existing["sender_name"] == sender_name
                    and existing["sender_phone"] == sender_phone
                    and (weight_g is None or existing["weight_g"] == weight)
                )
                if not same:
                    raise ServiceError(
                        "already_accepted", f"{tid} was already taken in with other details", 409
                    )
                keys = submissions.keys_for(tx, tid)
                if key is not None and keys and key not in keys:
                    # Another form, not this one sent twice: the label was scanned in a second time.
                    raise ServiceError(
                        "already_accepted",
                        f"{tid} was already taken in here at {existing['created_at'][:16]}",
                        409,
                    )
                printed = print_jobs.latest_for(tx, tid) == "printed"
                return IntakeResult(tid, existing["weight_g"], Decimal(existing["fee"]), printed)
        else:
            taken = booth_config.take_serial(tx)
            if taken is None:
                raise ServiceError(
                    "no_serial_block", "no tracking numbers left: wait for the hub's config", 409
                )
            block, serial = taken
            tid = block.number(serial)
            while parcels.exists(tx, tid):
                taken = booth_config.take_serial(tx)
                if taken is None:
                    raise ServiceError("no_serial_block", "no tracking numbers left", 409)
                block, serial = taken
                tid = block.number(serial)
        try:
            transition(None, EventType.ACCEPTED)
        except IllegalTransition as exc:  # pragma: no cover - the lifecycle allows this edge
            raise ServiceError("invalid_state", str(exc), 409) from None
        config = booth_config.get(tx)
        tariff = config.tariff if config else DEFAULT_TARIFF
        fee = tariff.fee(weight, zone_between(ctx.booth_id, dest))
        photo = camera.photo(ctx, "parcel", tid)
        data = Accepted(
            tracking_id=tid,
            origin=ctx.booth_id,
            destination=dest,
            recipient=Recipient(name=name, phone=phone),
            cod_amount=cod,
            fee=fee,
            weight_g=weight,
            merchant=merchant,
            photo_sha256=photo,
            sender=senders.on_the_wire(merchant, sender_name, sender_phone),
        )
        stamp = now.isoformat()
        parcels.insert(
            tx,
            tracking_id=tid,
            origin=ctx.booth_id,
            destination=dest,
            recipient_name=name,
            recipient_phone=phone,
            cod_amount=format_taka(cod),
            fee=format_taka(fee),
            weight_g=weight,
            status="accepted",
            announced=1,
            clerk=clerk,
            created_at=stamp,
            updated_at=stamp,
            photo_sha256=photo,
            merchant=merchant,
            sender_name=sender_name,
            sender_phone=sender_phone,
        )
        outbox.append(tx, ctx.booth_id, EventType.ACCEPTED, now, data)
        if key is not None:
            submissions.put(tx, key, tid, stamp)
        if weight_g is not None and approver is not None:
            audit.record(tx, stamp, approver.id, "manual_weight", tid, f"{weight} g for {clerk}")
        pages = printing.intake_documents(
            booth_id=ctx.booth_id, tracking_id=tid, recipient=name, phone=phone, destination=dest,
            weight_g=weight, fee=fee, cod_amount=cod, when=stamp,
            sender=senders.receipt_line(merchant, sender_name, sender_phone),
        )  # fmt: skip
        job = printing.keep(ctx, "receipt", pages, tid)
    ctx.on_commit()
    log.info("accepted %s for %s by %s", tid, dest, clerk)
    printed = printing.send(ctx, job).printed
    return IntakeResult(tid, weight, fee, printed)


def _check_preadvice(ctx: Context, tid: str, dest: str, cod: Decimal, phone: str) -> str | None:
    """A scanned label with a pre-advice must match it (destination, COD, recipient phone).

    Returns the pre-advice's merchant (None for a label without a pre-advice here).
    """
    with ctx.store.read() as tx:
        advice = manifests.get(tx, tid)
        known = parcels.exists(tx, tid)
    if advice is None or known or advice.purpose == "return":
        return None
    if advice.destination != dest or advice.cod_amount != cod or advice.recipient.phone != phone:
        raise ServiceError(
            "preadvice_mismatch",
            f"{tid} was pre-advised to {advice.destination} with COD Tk {format_taka(advice.cod_amount)}: "
            "check the parcel against its pre-advice",
            409,
        )
    return advice.merchant


def preadvice(ctx: Context, tracking_id: Any) -> dict[str, Any] | None:
    """The pre-advice (manifest) of a scanned label, to fill in the intake form; None if none.

    A label already taken in here is refused (already_accepted), so the clerk sees it at the scan.
    """
    tid = validate.tracking_id(tracking_id)
    with ctx.store.read() as tx:
        existing = parcels.get(tx, tid)
        advice = manifests.get(tx, tid)
    if existing is not None and existing["origin"] == ctx.booth_id:
        raise ServiceError(
            "already_accepted", f"{tid} was already taken in here at {existing['created_at'][:16]}", 409
        )
    if advice is None or existing is not None or advice.purpose == "return":
        return None
    return {
        "tracking_id": tid,
        "name": advice.recipient.name,
        "phone": advice.recipient.phone,
        "destination": advice.destination,
        "cod_amount": format_taka(advice.cod_amount),
        "merchant": advice.merchant,
    }
