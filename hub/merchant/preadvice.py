"""Pre-advice: a merchant announces shipments, gets S10 numbers from its own serial block, and the
destination booth gets each parcel's manifest (and the origin booth too, when the merchant names
where it will hand the parcel in, so that booth's label scan finds the pre-advice)."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Literal

from pydantic import Field, ValidationError, field_validator
from sqlalchemy import Connection, select

from hub.db.schema import booths, merchant_blocks, preadvices
from hub.ingest.outbox import enqueue
from hub.merchant import fields
from hub.notify.outbox import remember_contacts
from hub.serials import claim_range
from parcel import s10, topics
from parcel.control import Manifest
from parcel.messages import Recipient, Strict

BLOCK_SIZE = 1_000
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


class ShipmentRecipient(Strict):
    """Who collects the parcel, as a merchant names them."""

    name: fields.Name
    phone: fields.Phone


class PreAdvice(Strict):
    """One shipment a merchant announces before handing it in."""

    destination: fields.BoothId
    recipient: ShipmentRecipient
    cod_amount: fields.Taka
    weight_g: fields.Grams | None = None
    reference: fields.Reference | None = Field(
        default=None,
        description="your order id; unique among your shipments, so a retried request cannot create a "
        "second shipment",
    )
    origin: fields.BoothId | None = Field(
        default=None,
        description="the booth where you will hand the parcel in: it gets the pre-advice too, so its "
        "clerk's label scan fills in the intake",
    )
    recipient_email: fields.Email | None = Field(
        default=None, description="the recipient also gets the ready, reminder and last-day notices by e-mail"
    )
    language: Literal["bn", "en"] = Field(
        default="bn", description="language of the recipient's SMS and e-mail (Bengali unless en)"
    )

    @field_validator("recipient_email")
    @classmethod
    def _email(cls, v: str | None) -> str | None:
        if v is None:
            return None
        local, _, domain = v.rpartition("@")
        return f"{local}@{domain.lower()}"

    def wire_recipient(self) -> Recipient:
        """The recipient as the wire's manifests carry it."""
        return Recipient(name=self.recipient.name, phone=self.recipient.phone)


@dataclass(frozen=True)
class Problem:
    """Why one item of a request was refused: its index (0-based), the reason, for a CSV upload the line
    of the file it came from (the header is line 1), and what kind of refusal it is: `invalid` (the item
    breaks the API document's rules), `unknown_booth` or `reference_taken` (the hub's own records)."""

    index: int
    message: str
    line: int | None = None
    reason: Literal["invalid", "unknown_booth", "reference_taken"] = "invalid"

    def as_dict(self) -> dict[str, Any]:
        """JSON form."""
        out: dict[str, Any] = {"index": self.index, "message": self.message, "reason": self.reason}
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
    # newline="" lets the reader see every line end: CRLF, LF and the bare CR of "CSV (Macintosh)".
    lines = _Counted(io.StringIO(text.lstrip("\ufeff"), newline=""))
    reader = csv.DictReader(lines)
    try:
        return _csv_rows(reader)
    except csv.Error as exc:  # a quote left open, a cell over the reader's limit
        raise PreAdviceError([Problem(0, f"not a readable CSV: {exc}", line=lines.count)]) from None


class _Counted:
    """The lines of a file, counting those handed out: the line a reader failed on is the last one."""

    def __init__(self, lines: Iterator[str]) -> None:
        self.lines = lines
        self.count = 0

    def __iter__(self) -> _Counted:
        return self

    def __next__(self) -> str:
        line = next(self.lines)
        self.count += 1
        return line


def _csv_rows(reader: csv.DictReader[str]) -> list[dict[str, Any]]:
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
                # A CSV cell is text: a weight written in ASCII digits is the number the API takes.
                whole = column == "weight_g" and value.isascii() and value.isdigit() and len(value) < 10
                item[column] = int(value) if whole else value
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
            problems.append(
                Problem(i, f"reference {item.reference!r} appears twice", reason="reference_taken")
            )
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
            Problem(
                i,
                f"reference {it.reference!r} is already shipment {taken[it.reference]}",
                reason="reference_taken",
            )
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
        Problem(i, f"unknown destination booth {it.destination}", reason="unknown_booth")
        for i, it in enumerate(items)
        if it.destination not in known
    ]
    problems += [
        Problem(i, f"unknown origin booth {it.origin}", reason="unknown_booth")
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
            recipient=item.wire_recipient(),
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
