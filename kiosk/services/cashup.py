"""Cash-up: the day's COD expected against the cash counted, closed once with a Z-report."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

from kiosk.services import slips, validate
from kiosk.services.auth import Clerk, require_supervisor
from kiosk.services.context import Context
from kiosk.services.errors import ServiceError
from kiosk.store import audit, cash_days, outbox, parcels
from parcel.lifecycle import EventType
from parcel.messages import CashClosed
from parcel.money import format_taka

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Day:
    """One business day's cash at the counter."""

    business_date: str
    expected: Decimal
    parcels: int
    closed: dict[str, Any] | None
    printed: bool | None = None  # the Z-report, when the day was just closed


def _date(value: Any, ctx: Context) -> str:
    if value is None or value == "":
        return ctx.now().date().isoformat()
    try:
        return date.fromisoformat(str(value)).isoformat()
    except ValueError:
        raise ServiceError("invalid_date", "the business date is YYYY-MM-DD") from None


def day(ctx: Context, business_date: Any = None) -> Day:
    """Expected COD and parcel count of a day (today by default), and its close if closed."""
    when = _date(business_date, ctx)
    with ctx.store.read() as tx:
        rows = parcels.delivered_on(tx, ctx.booth_id, when)
        closed = cash_days.get(tx, when)
    total = sum((Decimal(r["cod_collected"] or "0") for r in rows), Decimal("0.00"))
    return Day(when, total, len(rows), closed)


def close_day(
    ctx: Context,
    clerk: str,
    counted: Any,
    reason: Any = None,
    approver: Clerk | None = None,
    business_date: Any = None,
) -> Day:
    """Close a day: a discrepancy needs a reason and a supervisor; a day closes only once."""
    cash = validate.amount(counted, "counted")
    text = validate.reason(reason, required=False)
    when = _date(business_date, ctx)
    if when > ctx.now().date().isoformat():
        raise ServiceError("invalid_date", "a day in the future cannot be closed")
    now = ctx.now()
    stamp = now.isoformat()
    with ctx.store.transaction() as tx:
        if cash_days.get(tx, when) is not None:
            raise ServiceError("day_closed", f"{when} is already closed", 409)
        rows = parcels.delivered_on(tx, ctx.booth_id, when)
        expected = sum((Decimal(r["cod_collected"] or "0") for r in rows), Decimal("0.00"))
        boss = None
        if cash != expected:
            if text is None:
                raise ServiceError(
                    "reason_required", f"counted Tk {cash} but expected Tk {expected}: give the reason", 422
                )
            boss = require_supervisor(approver, "a cash discrepancy")
        cash_days.insert(
            tx,
            business_date=when,
            expected=format_taka(expected),
            counted=format_taka(cash),
            parcels=len(rows),
            reason=text,
            clerk=clerk,
            approved_by=boss.id if boss else None,
            closed_at=stamp,
        )
        data = CashClosed(
            business_date=date.fromisoformat(when),
            expected=expected,
            counted=cash,
            parcels=len(rows),
            reason=text,
        )
        outbox.append(tx, ctx.booth_id, EventType.CASH_CLOSED, now, data)
        audit.record(tx, stamp, clerk, "cash_close", None, f"{when} expected {expected} counted {cash}")
        closed = cash_days.get(tx, when)
        doc = slips.z_report(
            ctx.booth_id, when, expected, cash, len(rows), text, clerk, boss.id if boss else None, stamp
        )
        job = slips.keep(ctx, "z_report", doc, None)
    ctx.on_commit()
    log.info("closed %s: expected %s counted %s", when, expected, cash)
    printed = slips.send(ctx, job)
    return Day(when, expected, len(rows), closed, printed)
