"""Pre-advice: a merchant announces shipments, gets S10 numbers from its own serial block, and the
destination booth gets each parcel's manifest (and the origin booth too, when the merchant names
where it will hand the parcel in, so that booth's label scan finds the pre-advice)."""

from __future__ import annotations

import csv
import io
import re
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Literal

from pydantic import Field, ValidationError, field_validator
from sqlalchemy import Connection, select

from hub.db.schema import booths, merchant_blocks, preadvices
from hub.ingest.outbox import enqueue
from hub.notify.outbox import remember_contacts
from hub.serials import claim_range
from parcel import s10, topics
from parcel.control import Manifest
from parcel.messages import BoothId, Recipient, Strict, Taka

BLOCK_SIZE = 1_000
# Notifications go by e-mail too when the merchant gives an address: a plain ASCII one, no display name.
EMAIL = re.compile(
    r"[A-Za-z0-9.!#$%&'*+/=?^_`{|}~-]{1,64}@[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?)+"
)
MAX_BULK = 1_000
CSV_COLUMNS = (
    "destination",
    "recipient_name",
    "recipient_phone",
    "cod_amount",
    "weight_g",
    "reference",
    "origin",
    "recipient_email",
    "language",
)
# Optional CSV columns copied as they are when not blank (weight, reference, origin, e-mail, language).
CSV_OPTIONAL = CSV_COLUMNS[4:]


class PreAdvice(Strict):
    """One shipment a merchant announces before handing it in."""

    destination: BoothId
    recipient: Recipient
    cod_amount: Taka
    weight_g: int | None = Field(default=None, gt=0, le=100_000)
    reference: str | None = Field(default=None, min_length=1, max_length=100)
    origin: BoothId | None = None
    recipient_email: str | None = Field(default=None, max_length=254)
    language: Literal["bn", "en"] = "bn"

    @field_validator("recipient_email")
    @classmethod
    def _email(cls, v: str | None) -> str | None:
        if v is None:
            return None
        v = v.strip()
        if not EMAIL.fullmatch(v):
            raise ValueError("not a valid e-mail address")
        local, _, domain = v.rpartition("@")
        return f"{local}@{domain.lower()}"


@dataclass(frozen=True)
class Problem:
    """Why one item of a request was refused: its index (0-based), the reason, and for a CSV upload
    the line of the file it came from (the header is line 1)."""

    index: int
    message: str
    line: int | None = None

    def as_dict(self) -> dict[str, Any]:
        """JSON form."""
        out: dict[str, Any] = {"index": self.index, "message": self.message}
        if self.line is not None:
            out["line"] = self.line
        return out

    def __str__(self) -> str:
        return (
            f"line {self.line}: {self.message}"
            if self.line is not None
            else f"item {self.index}: {self.message}"
        )


class PreAdviceError(ValueError):
    """Some items are invalid; nothing was stored."""

    def __init__(self, problems: list[Problem]) -> None:
        super().__init__("; ".join(str(p) for p in problems[:5]))
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
    """Rows of a CSV upload (header: destination, recipient_name, recipient_phone, cod_amount[, weight_g,
    reference, origin, recipient_email, language]) as JSON items.

    Each row is validated here, so a bad value is refused naming its line in the file (PreAdviceError
    listing every bad line); the caller validates the items again and stores all or nothing.
    """
    reader = csv.DictReader(io.StringIO(text.lstrip("\ufeff")))
    missing = [c for c in CSV_COLUMNS[:4] if c not in (reader.fieldnames or [])]
    if missing:
        raise PreAdviceError([Problem(0, f"CSV header lacks {', '.join(missing)}", line=1)])
    extra = [c for c in reader.fieldnames or [] if c not in CSV_COLUMNS]
    if extra:
        raise PreAdviceError([Problem(0, f"unknown CSV column(s) {', '.join(extra)}", line=1)])
    rows: list[dict[str, Any]] = []
    problems: list[Problem] = []
    for row in reader:
        line = reader.line_num  # where the row ends (blank lines skipped are still counted)
        if None in row:
            problems.append(Problem(len(rows), "more cells than the header has columns", line=line))
        item: dict[str, Any] = {
            "destination": (row.get("destination") or "").strip(),
            "recipient": {"name": row.get("recipient_name") or "", "phone": row.get("recipient_phone") or ""},
            "cod_amount": (row.get("cod_amount") or "").strip(),
        }
        for column in CSV_OPTIONAL:
            if (value := (row.get(column) or "").strip()) != "":
                item[column] = value
        try:
            PreAdvice.model_validate(item)
        except ValidationError as exc:
            problems.append(Problem(len(rows), _csv_reason(exc), line=line))
        rows.append(item)
    if problems:
        raise PreAdviceError(problems)
    return rows


def _csv_reason(exc: ValidationError) -> str:
    """The first error of a CSV row, named by its CSV column."""
    first = exc.errors()[0]
    loc = [str(p) for p in first["loc"]]
    column = f"recipient_{loc[1]}" if loc[:1] == ["recipient"] and len(loc) > 1 else ".".join(loc) or "row"
    return f"{column}: {first['msg']}"


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
    named = {i.destination for i in items} | {i.origin for i in items if i.origin is not None}
    known = {r.booth_id for r in conn.execute(select(booths.c.booth_id).where(booths.c.booth_id.in_(named)))}
    problems = [
        Problem(i, f"unknown destination booth {it.destination}")
        for i, it in enumerate(items)
        if it.destination not in known
    ]
    problems += [
        Problem(i, f"unknown origin booth {it.origin}")
        for i, it in enumerate(items)
        if it.origin is not None and it.origin not in known
    ]
    problems.sort(key=lambda p: p.index)
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
            "origin": item.origin,
        }
        for item, serial in zip(items, serials, strict=True)
    ]
    conn.execute(preadvices.insert(), rows)
    contacts = [
        {"tracking_id": row["tracking_id"], "language": item.language, "email": item.recipient_email}
        for item, row in zip(items, rows, strict=True)
    ]
    remember_contacts(conn, contacts, now)
    for item, row in zip(items, rows, strict=True):
        manifest = Manifest(
            tracking_id=str(row["tracking_id"]),
            origin=item.origin,
            destination=item.destination,
            recipient=item.recipient,
            cod_amount=item.cod_amount,
            weight_g=item.weight_g,
            merchant=merchant,
        )
        topic = topics.booth_topic(item.destination, topics.MANIFEST)
        # Its own cause: the acceptance later sends the fuller manifest (origin, weighed) as well.
        enqueue(conn, f"preadvice:{row['tracking_id']}", topic, manifest.wire(), now)
        if item.origin is not None and item.origin != item.destination:
            # The origin booth takes it in: the same pre-advice, marked as expected there for intake.
            intake = manifest.model_copy(update={"purpose": "intake"})
            origin_topic = topics.booth_topic(item.origin, topics.MANIFEST)
            enqueue(conn, f"preadvice-origin:{row['tracking_id']}", origin_topic, intake.wire(), now)
    return rows
