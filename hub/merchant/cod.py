"""Cash on delivery: the per-merchant ledger, reconciliation with booth cash-ups, remittance batches."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from decimal import Decimal
from typing import Any

from sqlalchemy import Connection, func, select

from hub.clock import DHAKA
from hub.db.schema import CASH_CLOSED, cod_ledger, events, payout_accounts, remittances
from hub.merchant.csv_cells import spreadsheet_csv
from parcel.money import format_taka, parse_taka


class RemittanceError(ValueError):
    """A remittance operation that cannot be done; str(error) says why."""


class NoSuchBatch(RemittanceError):
    """The remittance batch does not exist."""


def business_date(at: datetime) -> str:
    """The booth's business day (Dhaka time) of an instant, as YYYY-MM-DD."""
    return at.astimezone(DHAKA).date().isoformat()


def record_delivery(
    conn: Connection, merchant: str, tracking_id: str, event_id: str, booth: str, at: datetime, amount: str
) -> bool:
    """In the ingest transaction: credit the merchant with the COD collected; once per parcel."""
    if conn.execute(select(cod_ledger.c.id).where(cod_ledger.c.tracking_id == tracking_id)).first():
        return False  # a second delivery of one parcel is an anomaly, never counted twice
    conn.execute(
        cod_ledger.insert().values(
            tracking_id=tracking_id,
            merchant=merchant,
            event_id=event_id,
            booth=booth,
            amount=parse_taka(amount),
            delivered_at=at,
            business_date=business_date(at),
        )
    )
    return True


def _money(value: Any) -> str:
    return format_taka(Decimal(value or 0))


def merchant_statement(conn: Connection, merchant: str, limit: int = 200) -> dict[str, Any]:
    """The merchant's balance (collected, remitted, outstanding) and its latest ledger lines."""
    totals = conn.execute(
        select(
            func.coalesce(func.sum(cod_ledger.c.amount), 0).label("collected"),
            func.coalesce(func.sum(cod_ledger.c.amount).filter(remittances.c.status == "remitted"), 0).label(
                "remitted"
            ),
        )
        .select_from(cod_ledger.outerjoin(remittances, cod_ledger.c.remittance_id == remittances.c.id))
        .where(cod_ledger.c.merchant == merchant)
    ).one()
    rows = conn.execute(
        select(cod_ledger, remittances.c.status.label("remittance_status"))
        .select_from(cod_ledger.outerjoin(remittances, cod_ledger.c.remittance_id == remittances.c.id))
        .where(cod_ledger.c.merchant == merchant)
        .order_by(cod_ledger.c.id.desc())
        .limit(limit)
    ).all()
    collected, remitted = Decimal(totals.collected), Decimal(totals.remitted)
    return {
        "collected": _money(collected),
        "remitted": _money(remitted),
        "outstanding": _money(collected - remitted),
        "lines": [
            {
                "tracking_id": r.tracking_id,
                "amount": _money(r.amount),
                "booth": r.booth,
                "delivered_at": r.delivered_at.isoformat(),
                "remittance_id": r.remittance_id,
                "remittance_status": r.remittance_status,
            }
            for r in rows
        ],
    }


def reconciliation(conn: Connection, day: str) -> list[dict[str, Any]]:
    """Per booth for one business day: the booth's cash-up (expected, counted) beside the hub's COD ledger."""
    closed: dict[str, dict[str, Any]] = {}
    start = datetime.combine(date.fromisoformat(day), time(), DHAKA)
    # A day is closed on that day or, late, the next: read only the events around it.
    window = (events.c.at >= start - timedelta(days=1)) & (events.c.at < start + timedelta(days=3))
    for r in conn.execute(
        select(events.c.booth, events.c.data, events.c.at).where(CASH_CLOSED, window).order_by(events.c.at)
    ):
        if r.data.get("business_date") == day:
            closed[r.booth] = r.data  # a booth closes a day once; a later close replaces it
    ledger = {
        r.booth: (Decimal(r.total), int(r.n))
        for r in conn.execute(
            select(cod_ledger.c.booth, func.sum(cod_ledger.c.amount).label("total"), func.count().label("n"))
            .where(cod_ledger.c.business_date == day)
            .group_by(cod_ledger.c.booth)
        )
    }
    out = []
    for booth in sorted(set(closed) | set(ledger)):
        data = closed.get(booth)
        hub_total, hub_n = ledger.get(booth, (Decimal(0), 0))
        expected = parse_taka(data["expected"]) if data else None
        counted = parse_taka(data["counted"]) if data else None
        out.append(
            {
                "booth": booth,
                "business_date": day,
                "closed": data is not None,
                "booth_expected": _money(expected) if expected is not None else None,
                "booth_counted": _money(counted) if counted is not None else None,
                "cash_difference": _money(counted - expected) if data else None,
                "merchant_cod": _money(hub_total),
                "merchant_parcels": hub_n,
                "reason": data.get("reason") if data else None,
                # Booth-expected also covers walk-in COD; a booth short of the merchant COD alone is a red flag.
                "short_of_merchant_cod": bool(data) and counted is not None and counted < hub_total,
            }
        )
    return out


def create_batch(conn: Connection, now: datetime) -> dict[str, Any] | None:
    """Claim every unremitted ledger line of merchants with a payout account into a new batch."""
    accounts = select(payout_accounts.c.merchant)
    pending = conn.execute(
        select(func.count(), func.coalesce(func.sum(cod_ledger.c.amount), 0)).where(
            cod_ledger.c.remittance_id.is_(None), cod_ledger.c.merchant.in_(accounts)
        )
    ).one()
    if not pending[0]:
        return None
    batch_id = conn.execute(
        remittances.insert().values(status="open", total=0, items=0, created_at=now)
    ).inserted_primary_key[0]
    # The IS NULL guard makes the claim atomic: a line already in another batch is never taken again.
    claimed = conn.execute(
        cod_ledger.update()
        .where(cod_ledger.c.remittance_id.is_(None), cod_ledger.c.merchant.in_(accounts))
        .values(remittance_id=batch_id)
    ).rowcount
    if not claimed:
        # Another batch claimed them between our count and our update.
        conn.execute(remittances.delete().where(remittances.c.id == batch_id))
        return None
    total = conn.execute(
        select(func.coalesce(func.sum(cod_ledger.c.amount), 0)).where(cod_ledger.c.remittance_id == batch_id)
    ).scalar_one()
    conn.execute(remittances.update().where(remittances.c.id == batch_id).values(total=total, items=claimed))
    return batch(conn, int(batch_id))


def batch(conn: Connection, batch_id: int) -> dict[str, Any] | None:
    """One remittance batch with its per-merchant totals."""
    row = conn.execute(select(remittances).where(remittances.c.id == batch_id)).first()
    if row is None:
        return None
    return {
        "id": row.id,
        "status": row.status,
        "total": _money(row.total),
        "items": row.items,
        "created_at": row.created_at.isoformat(),
        "remitted_at": row.remitted_at.isoformat() if row.remitted_at else None,
        "transfer_ref": row.transfer_ref,
        "payees": [
            {"merchant": p["merchant"], "amount": p["amount"], "parcels": p["parcels"]}
            for p in _payees(conn, batch_id)
        ],
    }


def _payees(conn: Connection, batch_id: int) -> list[dict[str, Any]]:
    rows = conn.execute(
        select(
            cod_ledger.c.merchant,
            func.sum(cod_ledger.c.amount).label("amount"),
            func.count().label("parcels"),
            payout_accounts.c.account_name,
            payout_accounts.c.account_number,
        )
        .select_from(cod_ledger.join(payout_accounts, payout_accounts.c.merchant == cod_ledger.c.merchant))
        .where(cod_ledger.c.remittance_id == batch_id)
        .group_by(cod_ledger.c.merchant, payout_accounts.c.account_name, payout_accounts.c.account_number)
        .order_by(cod_ledger.c.merchant)
    ).all()
    return [
        {
            "merchant": r.merchant,
            "amount": _money(r.amount),
            "parcels": int(r.parcels),
            "account_name": r.account_name,
            "account_number": r.account_number,
        }
        for r in rows
    ]


def export_csv(conn: Connection, batch_id: int) -> str:
    """The batch as CSV for the electronic money transfer service: one payment per merchant."""
    head = conn.execute(select(remittances.c.id).where(remittances.c.id == batch_id)).first()
    if head is None:
        raise NoSuchBatch("no such remittance batch")
    header = ["batch_id", "payment_ref", "payee_name", "payee_account", "amount_bdt", "parcels", "merchant"]
    rows = [
        [
            batch_id,
            f"DAK-COD-{batch_id}-{p['merchant']}"[:60],
            p["account_name"],
            p["account_number"],
            p["amount"],
            p["parcels"],
            p["merchant"],
        ]
        for p in _payees(conn, batch_id)
    ]
    return spreadsheet_csv(header, rows)


def mark_remitted(conn: Connection, batch_id: int, transfer_ref: str, now: datetime) -> dict[str, Any]:
    """Record that the transfer service paid the batch; a batch is remitted once."""
    done = conn.execute(
        remittances.update()
        .where(remittances.c.id == batch_id, remittances.c.status == "open")
        .values(status="remitted", remitted_at=now, transfer_ref=transfer_ref)
    ).rowcount
    if not done:
        exists = conn.execute(select(remittances.c.status).where(remittances.c.id == batch_id)).scalar()
        if exists is None:
            raise NoSuchBatch("no such remittance batch")
        raise RemittanceError(f"batch is already {exists}")
    result = batch(conn, batch_id)
    assert result is not None
    return result


def set_payout_account(conn: Connection, merchant: str, name: str, number: str, now: datetime) -> None:
    """Set where the merchant's COD is paid (name and account or mobile wallet number)."""
    exists = conn.execute(
        select(payout_accounts.c.merchant).where(payout_accounts.c.merchant == merchant)
    ).first()
    values = {"account_name": name, "account_number": number, "updated_at": now}
    if exists:
        conn.execute(payout_accounts.update().where(payout_accounts.c.merchant == merchant).values(**values))
    else:
        conn.execute(payout_accounts.insert().values(merchant=merchant, **values))
