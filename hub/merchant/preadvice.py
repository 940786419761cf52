"""Pre-advice: a merchant announces shipments, gets S10 numbers from its own serial block, and the
destination booth gets each parcel's manifest."""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from pydantic import Field, ValidationError
from sqlalchemy import Connection, select

from hub.db.schema import booths, merchant_blocks, preadvices
from hub.ingest.outbox import enqueue
from hub.serials import claim_range
from parcel import s10, topics
from parcel.messages import BoothId, Manifest, Recipient, Strict, Taka

BLOCK_SIZE = 1_000
MAX_BULK = 1_000
CSV_COLUMNS = ("destination", "recipient_name", "recipient_phone", "cod_amount", "weight_g", "reference")


class PreAdvice(Strict):
    """One shipment a merchant announces before handing it in."""

    destination: BoothId
    recipient: Recipient
    cod_amount: Taka
    weight_g: int | None = Field(default=None, gt=0, le=100_000)
    reference: str | None = Field(default=None, min_length=1, max_length=100)


@dataclass(frozen=True)
class Problem:
    """Why one item of a request was refused: its index (0-based) and the reason."""

    index: int
    message: str

    def as_dict(self) -> dict[str, Any]:
        """JSON form."""
        return {"index": self.index, "message": self.message}


class PreAdviceError(ValueError):
    """Some items are invalid; nothing was stored."""

    def __init__(self, problems: list[Problem]) -> None:
        super().__init__("; ".join(f"item {p.index}: {p.message}" for p in problems[:5]))
        self.problems = problems


def _reason(exc: ValidationError) -> str:
    first = exc.errors()[0]
    return f"{'.'.join(str(p) for p in first['loc']) or 'item'}: {first['msg']}"


def parse_items(raw: list[Any]) -> list[PreAdvice]:
    """Validate raw JSON items; raise PreAdviceError listing every invalid one."""
    if not raw:
        raise PreAdviceError([Problem(0, "no shipments given")])
    if len(raw) > MAX_BULK:
        raise PreAdviceError([Problem(MAX_BULK, f"at most {MAX_BULK} shipments per request")])
    items: list[PreAdvice] = []
    problems: list[Problem] = []
    for i, item in enumerate(raw):
        try:
            items.append(PreAdvice.model_validate(item))
        except ValidationError as exc:
            problems.append(Problem(i, _reason(exc)))
    if problems:
        raise PreAdviceError(problems)
    return items


def csv_to_items(text: str) -> list[dict[str, Any]]:
    """Rows of a CSV upload (header: destination, recipient_name, recipient_phone, cod_amount[, weight_g, reference])."""
    reader = csv.DictReader(io.StringIO(text.lstrip("\ufeff")))
    missing = [c for c in CSV_COLUMNS[:4] if c not in (reader.fieldnames or [])]
    if missing:
        raise PreAdviceError([Problem(0, f"CSV header lacks {', '.join(missing)}")])
    extra = [c for c in reader.fieldnames or [] if c not in CSV_COLUMNS]
    if extra:
        raise PreAdviceError([Problem(0, f"unknown CSV column(s) {', '.join(extra)}")])
    rows: list[dict[str, Any]] = []
    for row in reader:
        item: dict[str, Any] = {
            "destination": (row.get("destination") or "").strip(),
            "recipient": {"name": row.get("recipient_name") or "", "phone": row.get("recipient_phone") or ""},
            "cod_amount": (row.get("cod_amount") or "").strip(),
        }
        if (weight := (row.get("weight_g") or "").strip()) != "":
            item["weight_g"] = weight
        if (ref := (row.get("reference") or "").strip()) != "":
            item["reference"] = ref
        rows.append(item)
    return rows


def _reference_clashes(conn: Connection, merchant: str, items: list[PreAdvice]) -> list[Problem]:
    """A merchant reference names one shipment: a retried request must not create a second one."""
    refs = [i.reference for i in items if i.reference is not None]
    problems: list[Problem] = []
    seen: set[str] = set()
    for i, item in enumerate(items):
        if item.reference is not None and item.reference in seen:
            problems.append(Problem(i, f"reference {item.reference!r} appears twice"))
        if item.reference is not None:
            seen.add(item.reference)
    if refs:
        taken = dict(
            conn.execute(
                select(preadvices.c.reference, preadvices.c.tracking_id).where(
                    preadvices.c.merchant == merchant, preadvices.c.reference.in_(set(refs))
                )
            ).all()
        )
        problems += [
            Problem(i, f"reference {it.reference!r} is already shipment {taken[it.reference]}")
            for i, it in enumerate(items)
            if it.reference in taken
        ]
    return problems


def _serials(conn: Connection, merchant: str, count: int, now: datetime) -> list[tuple[str, int]]:
    """Take count serials from the merchant's blocks, opening new blocks when they run out."""
    out: list[tuple[str, int]] = []
    while len(out) < count:
        block = conn.execute(
            select(
                merchant_blocks.c.id, merchant_blocks.c.service, merchant_blocks.c.next, merchant_blocks.c.end
            )
            .where(merchant_blocks.c.merchant == merchant, merchant_blocks.c.next < merchant_blocks.c.end)
            .order_by(merchant_blocks.c.id)
            .limit(1)
        ).first()
        if block is None:
            size = max(BLOCK_SIZE, count - len(out))
            service, start = claim_range(conn, size)
            conn.execute(
                merchant_blocks.insert().values(
                    merchant=merchant,
                    service=service,
                    start=start,
                    end=start + size,
                    next=start,
                    allocated_at=now,
                )
            )
            continue
        take = min(count - len(out), block.end - block.next)
        # Guarded by the row's own value, so two concurrent callers never take the same serials.
        new_next = conn.execute(
            merchant_blocks.update()
            .where(merchant_blocks.c.id == block.id, merchant_blocks.c.next + take <= merchant_blocks.c.end)
            .values(next=merchant_blocks.c.next + take)
            .returning(merchant_blocks.c.next)
        ).scalar()
        if new_next is not None:
            out.extend((block.service, n) for n in range(int(new_next) - take, int(new_next)))
    return out


def create(conn: Connection, merchant: str, items: list[PreAdvice], now: datetime) -> list[dict[str, Any]]:
    """Store items for merchant with new tracking numbers and queue their manifests; all or nothing."""
    known = {
        r.booth_id
        for r in conn.execute(
            select(booths.c.booth_id).where(booths.c.booth_id.in_({i.destination for i in items}))
        )
    }
    problems = [
        Problem(i, f"unknown destination booth {it.destination}")
        for i, it in enumerate(items)
        if it.destination not in known
    ]
    problems += _reference_clashes(conn, merchant, items)
    if problems:
        raise PreAdviceError(problems)
    serials = _serials(conn, merchant, len(items), now)
    rows = [
        {
            "tracking_id": s10.make(*serial),
            "merchant": merchant,
            "reference": item.reference,
            "destination": item.destination,
            "recipient_name": item.recipient.name,
            "recipient_phone": item.recipient.phone,
            "cod_amount": item.cod_amount,
            "weight_g": item.weight_g,
            "created_at": now,
        }
        for item, serial in zip(items, serials, strict=True)
    ]
    conn.execute(preadvices.insert(), rows)
    for item, row in zip(items, rows, strict=True):
        manifest = Manifest(
            tracking_id=row["tracking_id"],
            destination=item.destination,
            recipient=item.recipient,
            cod_amount=item.cod_amount,
            weight_g=item.weight_g,
            merchant=merchant,
        )
        topic = topics.booth_topic(item.destination, topics.MANIFEST)
        # Its own cause: the acceptance later sends the fuller manifest (origin, weighed) as well.
        enqueue(conn, f"preadvice:{row['tracking_id']}", topic, manifest.model_dump_json().encode(), now)
    return rows
