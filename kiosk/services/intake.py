"""Intake: a parcel taken in at this booth, numbered, priced, recorded and reported."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from kiosk.services import validate
from kiosk.services.context import Context
from kiosk.services.errors import ServiceError
from kiosk.store import booth_config, outbox, parcels, print_jobs
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
) -> IntakeResult:
    """Accept a parcel; idempotent for a repeated identical submission of the same tracking id."""
    tid = None if tracking_id in (None, "") else validate.tracking_id(tracking_id)
    name, phone = validate.recipient(recipient)
    dest = validate.booth(destination)
    cod = validate.amount(cod_amount)
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
        if tid is not None:
            existing = parcels.get(tx, tid)
            if existing is not None:
                same = (
                    existing["origin"] == ctx.booth_id
                    and existing["destination"] == dest
                    and existing["recipient_name"] == name
                    and existing["recipient_phone"] == phone
                    and existing["cod_amount"] == format_taka(cod)
                    and (weight_g is None or existing["weight_g"] == weight)
                )
                if not same:
                    raise ServiceError(
                        "already_accepted", f"{tid} was already taken in with other details", 409
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
        data = Accepted(
            tracking_id=tid,
            origin=ctx.booth_id,
            destination=dest,
            recipient=Recipient(name=name, phone=phone),
            cod_amount=cod,
            fee=fee,
            weight_g=weight,
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
        )
        outbox.append(tx, ctx.booth_id, EventType.ACCEPTED, now, data)
        lines = receipt(ctx.booth_id, tid, name, dest, weight, fee, cod, stamp)
        job = print_jobs.add(tx, "receipt", tid, "\n".join(lines), stamp)
    ctx.on_commit()
    log.info("accepted %s for %s by %s", tid, dest, clerk)
    failure = ctx.devices.print_lines(lines)
    with ctx.store.transaction() as tx:
        print_jobs.mark(tx, job, "failed" if failure else "printed", failure or "")
    if failure:
        log.warning("receipt for %s not printed: %s", tid, failure)
    return IntakeResult(tid, weight, fee, failure is None)


def receipt(
    booth: str, tid: str, name: str, dest: str, weight: int, fee: Decimal, cod: Decimal, at: str
) -> list[str]:
    """The text lines of an intake receipt."""
    return [
        "DakBooth / ডাকবুথ",
        f"Booth: {booth}",
        f"Date: {at[:19]}",
        f"Tracking: {tid}",
        f"Recipient: {name}",
        f"Destination: {dest}",
        f"Weight: {weight} g",
        f"Fee: Tk {format_taka(fee)}",
        f"COD: Tk {format_taka(cod)}",
    ]
