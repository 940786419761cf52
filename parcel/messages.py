"""Wire messages of the MQTT contract's `event` topic, and the field types and base every wire
message shares, validated with pydantic (the other topics' messages are in parcel.control).

`parse_event` turns raw bytes from the `event` topic into a `ValidEvent` whose `data` has been
checked against the model of its type, or raises `MessageError` with a reason fit for a
dead-letter table.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Annotated, Any, Literal, Union, get_args
from uuid import UUID

from pydantic import (
    AwareDatetime,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    PlainSerializer,
    TypeAdapter,
    ValidationError,
    create_model,
    field_validator,
    model_validator,
)

from parcel import s10
from parcel.lifecycle import EventType
from parcel.money import format_taka, parse_taka
from parcel.phone import normalise_mobile
from parcel.topics import BOOTH_ID

MAX_MESSAGE_BYTES = 64 * 1024
CLOCK_TOLERANCE = timedelta(hours=1)
MAX_SEQ = 2**63 - 1  # a signed 64-bit column holds it
EARLIEST = datetime.fromisoformat("2020-01-01T00:00:00+00:00")

Taka = Annotated[Decimal, BeforeValidator(parse_taka), PlainSerializer(format_taka, return_type=str)]
TrackingId = Annotated[str, BeforeValidator(s10.validate)]
BoothId = Annotated[str, Field(pattern=BOOTH_ID.pattern)]
Phone = Annotated[str, BeforeValidator(normalise_mobile)]
Text = Annotated[str, Field(min_length=1, max_length=200)]


class MessageError(ValueError):
    """A message that is not valid; str(error) is the reason."""


class Strict(BaseModel):
    """Base for wire models: unknown fields are an error."""

    model_config = ConfigDict(extra="forbid", frozen=True)


class Recipient(Strict):
    """Who collects the parcel."""

    name: Text
    phone: Phone

    @field_validator("name")
    @classmethod
    def _strip(cls, v: str) -> str:
        v = v.strip()
        if not v:
            raise ValueError("name must not be blank")
        return v


class Sender(Strict):
    """Who sent the parcel: the pre-advising merchant (its id as name), or a walk-in who may give a
    name, a mobile number or both."""

    kind: Literal["walk_in", "merchant"]
    name: Text | None = Field(default=None, exclude_if=lambda v: v is None)
    phone: Phone | None = Field(default=None, exclude_if=lambda v: v is None)

    @field_validator("name")
    @classmethod
    def _strip(cls, v: str | None) -> str | None:
        if v is None:
            return None
        v = " ".join(v.split())
        if not v:
            raise ValueError("name must not be blank")
        return v

    @model_validator(mode="after")
    def _enough(self) -> Sender:
        if self.kind == "merchant" and (self.name is None or self.phone is not None):
            raise ValueError("a merchant sender is named by its merchant id, with no phone")
        if self.kind == "walk_in" and self.name is None and self.phone is None:
            raise ValueError("a walk-in sender needs a name or a phone")
        return self


class Accepted(Strict):
    """parcel.accepted: taken in at the origin booth.

    sender is optional and left out of the wire form when unknown, so events from booths that do
    not record it (and hubs that predate it) stay valid.
    """

    tracking_id: TrackingId
    origin: BoothId
    destination: BoothId
    recipient: Recipient
    cod_amount: Taka
    fee: Taka
    weight_g: int = Field(gt=0, le=100_000)
    merchant: str | None = Field(default=None, max_length=100)
    photo_sha256: str | None = Field(default=None, pattern=r"^[0-9a-f]{64}$")
    sender: Sender | None = Field(default=None, exclude_if=lambda v: v is None)


class Dispatched(Strict):
    """parcel.dispatched: left the origin booth."""

    tracking_id: TrackingId


class Arrived(Strict):
    """parcel.arrived: scanned in at the destination booth."""

    tracking_id: TrackingId
    unannounced: bool = False


class Ready(Strict):
    """parcel.ready: on the shelf with a collection code (plaintext travels only in this event)."""

    tracking_id: TrackingId
    collection_code: str = Field(pattern=r"^[0-9]{6}$")
    code_expires_at: AwareDatetime
    shelf: str | None = Field(default=None, max_length=40)


class HandoverFailed(Strict):
    """parcel.handover_failed: a collection attempt that did not succeed."""

    tracking_id: TrackingId
    reason: Text
    attempt: int | None = Field(default=None, ge=1)


class Delivered(Strict):
    """parcel.delivered: handed over to the recipient."""

    tracking_id: TrackingId
    cod_collected: Taka
    verified_by: Literal["code", "id_document"] = "code"
    photo_sha256: str | None = Field(default=None, pattern=r"^[0-9a-f]{64}$")


class Returned(Strict):
    """parcel.returned: sent back towards the sender."""

    tracking_id: TrackingId
    reason: Text


class ReturnArrived(Strict):
    """parcel.return_arrived: a returned parcel scanned back in at its sender's booth."""

    tracking_id: TrackingId
    unannounced: bool = False
    shelf: str | None = Field(default=None, max_length=40)


DocumentKind = Literal["nid", "passport", "birth_certificate", "driving_licence", "trade_licence"]
DOCUMENT_KINDS: tuple[str, ...] = get_args(DocumentKind)


class ReturnCollected(Strict):
    """parcel.return_collected: a returned parcel handed back to its sender; no COD changes hands.

    Only the kind of identity document and its last 4 characters travel: enough to trace, not a copy.
    Optional, left out when unknown: the collector's name, whether the clerk found the collector to
    match the sender recorded at intake (None: no sender was recorded), and the supervisor who
    approved a handback to someone who did not match.
    """

    tracking_id: TrackingId
    collected_by: Literal["merchant", "sender"]
    document_kind: DocumentKind
    document_tail: str = Field(pattern=r"^[A-Z0-9]{4}$")
    photo_sha256: str | None = Field(default=None, pattern=r"^[0-9a-f]{64}$")
    collector_name: Text | None = Field(default=None, exclude_if=lambda v: v is None)
    sender_match: bool | None = Field(default=None, exclude_if=lambda v: v is None)
    approved_by: str | None = Field(default=None, max_length=64, exclude_if=lambda v: v is None)


class CashClosed(Strict):
    """cash.closed: the booth's day closed with its COD count."""

    business_date: date
    expected: Taka
    counted: Taka
    parcels: int = Field(ge=0)
    reason: str | None = Field(default=None, max_length=500)


DATA_MODELS: dict[EventType, type[Strict]] = {
    EventType.ACCEPTED: Accepted,
    EventType.DISPATCHED: Dispatched,
    EventType.ARRIVED: Arrived,
    EventType.READY: Ready,
    EventType.HANDOVER_FAILED: HandoverFailed,
    EventType.DELIVERED: Delivered,
    EventType.RETURNED: Returned,
    EventType.RETURN_ARRIVED: ReturnArrived,
    EventType.RETURN_COLLECTED: ReturnCollected,
    EventType.CASH_CLOSED: CashClosed,
}


class Envelope(Strict):
    """The event envelope: one counter action at one booth, numbered by seq (its data is checked
    against the model of its type by parse_event)."""

    v: Literal[1]
    booth: BoothId
    seq: int = Field(ge=1, le=MAX_SEQ)
    id: UUID
    type: EventType
    at: AwareDatetime
    data: dict[str, Any]


def _typed_envelope(kind: EventType, model: type[Strict]) -> type[BaseModel]:
    """The envelope of one event type with its data model in place (for validating in one pass)."""
    name = f"{model.__name__}Envelope"
    fields: dict[str, Any] = {"type": (Literal[kind], ...), "data": (model, ...)}
    return create_model(name, __base__=Strict, **_ENVELOPE_FIELDS, **fields)


_ENVELOPE_FIELDS: dict[str, Any] = {
    name: (info.annotation, info)
    for name, info in Envelope.model_fields.items()
    if name not in ("type", "data")
}
# Envelope and data validated from the bytes in one pass, told apart by `type`. Only valid events
# take this way; an invalid one is checked again in two steps, which name the reason (the first of
# the envelope's problems, then of its data).
_ONE_PASS: TypeAdapter[Any] = TypeAdapter(
    Annotated[  # type: ignore[arg-type]
        Union[tuple(_typed_envelope(k, m) for k, m in DATA_MODELS.items())],  # noqa: UP007
        Field(discriminator="type"),
    ]
)


@dataclass(frozen=True, slots=True)
class ValidEvent:
    """An event as parse_event accepted it: the envelope's fields (its id as canonical text), its
    data validated against the model of its type, in wire form, and the parcel it is about, if any
    (a plain dataclass: one is made for every event ingested)."""

    v: int
    booth: str
    seq: int
    id: str
    type: EventType
    at: datetime
    data: dict[str, Any]
    tracking_id: str | None

    def typed(self) -> Strict:
        """The data as a model of this event's type."""
        return DATA_MODELS[self.type].model_validate(self.data)


def make_event(booth: str, seq: int, event_id: UUID, type_: EventType, at: datetime, data: Strict) -> bytes:
    """Serialise a validated event to the bytes published on the `event` topic."""
    envelope = Envelope(
        v=1, booth=booth, seq=seq, id=event_id, type=type_, at=at, data=data.model_dump(mode="json")
    )
    return envelope.model_dump_json().encode()


def _reason(error: ValidationError) -> str:
    first = error.errors()[0]
    where = ".".join(str(p) for p in first["loc"]) or "message"
    return f"{where}: {first['msg']}"


# Only a JSON escape can put NUL or a lone surrogate in a string (raw ones are not valid JSON or UTF-8).
_ESCAPED_UNSTORABLE = re.compile(rb"\\u(?:0000|[dD][89a-fA-F])")


def has_unstorable_text(raw: Any) -> bool:
    """True when a key or string in parsed JSON holds NUL or a lone surrogate, which databases refuse as text."""
    stack = [raw]
    while stack:
        value = stack.pop()
        if isinstance(value, str):
            if "\x00" in value or (not value.isascii() and not _encodable(value)):
                return True
        elif isinstance(value, dict):
            stack += [*value.keys(), *value.values()]
        elif isinstance(value, list):
            stack += value
    return False


def _encodable(text: str) -> bool:
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def _refuse_unstorable(payload: bytes) -> None:
    """Raise MessageError when parsed JSON holds NUL or a lone surrogate (or is not JSON at all)."""
    try:
        raw = json.loads(payload)
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise MessageError(f"not JSON: {exc}") from None
    except RecursionError:
        raise MessageError("not JSON: nested too deeply") from None
    if has_unstorable_text(raw):
        raise MessageError("text holds a NUL character or a lone surrogate")


def _envelope_reason(error: ValidationError) -> str:
    """Why bytes are not an envelope, in the words of the rest of the contract."""
    first = error.errors()[0]
    if first["type"] == "json_invalid":
        detail = str(first["msg"]).removeprefix("Invalid JSON: ")
        return "not JSON: nested too deeply" if "recursion limit" in detail else f"not JSON: {detail}"
    if first["type"] == "model_type" and not first["loc"]:
        return "envelope must be a JSON object"
    return _reason(error)


def parse_event(payload: bytes, topic_booth: str | None = None, now: datetime | None = None) -> ValidEvent:
    """Validate raw bytes as an event envelope (and its data); raise MessageError with the reason.

    topic_booth: the booth id in the topic it came on; the envelope must match it.
    now: when given, timestamps more than an hour ahead of it, or before 2020, are impossible.
    """
    if len(payload) > MAX_MESSAGE_BYTES:
        raise MessageError(f"message too large ({len(payload)} bytes)")
    if _ESCAPED_UNSTORABLE.search(payload):  # rare: look inside before anything else
        _refuse_unstorable(payload)
    try:
        one = _ONE_PASS.validate_json(payload)
    except ValidationError:
        _two_steps(payload)  # raises with the reason
        raise MessageError("not a valid event") from None  # (the two steps always find one)
    if topic_booth is not None and one.booth != topic_booth:
        raise MessageError(f"booth {one.booth} does not match topic booth {topic_booth}")
    if now is not None and not (EARLIEST <= one.at <= now + CLOCK_TOLERANCE):
        raise MessageError(f"impossible timestamp {one.at.isoformat()}")
    # Keep the data as validated, in its wire form: a spelling the validators accept ("cp…bd" for a
    # tracking number, "5" for 5, a number for a time) must not be stored as it came.
    data = one.data.model_dump(mode="json")
    tracking_id = data.get("tracking_id")  # every parcel event names one (a validated S10 number)
    return ValidEvent(one.v, one.booth, one.seq, str(one.id), one.type, one.at, data, tracking_id)


def _two_steps(payload: bytes) -> None:
    """Check the envelope, then its data; raise MessageError naming the first problem found."""
    try:
        envelope = Envelope.model_validate_json(payload)
    except ValidationError as exc:
        raise MessageError(_envelope_reason(exc)) from None
    try:
        DATA_MODELS[envelope.type].model_validate(envelope.data)
    except ValidationError as exc:
        raise MessageError(f"data.{_reason(exc)}") from None
