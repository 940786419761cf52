"""Wire messages of the MQTT contract, validated with pydantic.

`parse_event` turns raw bytes from the `event` topic into an `Envelope` whose `data` has been
checked against the model of its type, or raises `MessageError` with a reason fit for a
dead-letter table.
"""

from __future__ import annotations

import json
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Annotated, Any, Literal
from uuid import UUID

from pydantic import (
    AwareDatetime,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    PlainSerializer,
    ValidationError,
    field_validator,
)

from parcel import s10
from parcel.lifecycle import EventType
from parcel.money import format_taka, parse_taka
from parcel.phone import normalise_mobile
from parcel.tariff import DEFAULT_TARIFF, Tariff
from parcel.topics import BOOTH_ID

MAX_MESSAGE_BYTES = 64 * 1024
CLOCK_TOLERANCE = timedelta(hours=1)
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


class Accepted(Strict):
    """parcel.accepted: taken in at the origin booth."""

    tracking_id: TrackingId
    origin: BoothId
    destination: BoothId
    recipient: Recipient
    cod_amount: Taka
    fee: Taka
    weight_g: int = Field(gt=0, le=100_000)
    merchant: str | None = Field(default=None, max_length=100)
    photo_sha256: str | None = Field(default=None, pattern=r"^[0-9a-f]{64}$")


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
    collection_code: str = Field(pattern=r"^\d{6}$")
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
    EventType.CASH_CLOSED: CashClosed,
}


class Envelope(Strict):
    """The event envelope: one counter action at one booth, numbered by seq."""

    v: Literal[1]
    booth: BoothId
    seq: int = Field(ge=1)
    id: UUID
    type: EventType
    at: AwareDatetime
    data: dict[str, Any]

    def typed(self) -> Strict:
        """The data validated against the model of this event's type."""
        return DATA_MODELS[self.type].model_validate(self.data)

    @property
    def tracking_id(self) -> str | None:
        """The parcel this event is about, if any."""
        value = self.data.get("tracking_id")
        return value if isinstance(value, str) else None


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


def parse_event(payload: bytes, topic_booth: str | None = None, now: datetime | None = None) -> Envelope:
    """Validate raw bytes as an event envelope (and its data); raise MessageError with the reason.

    topic_booth: the booth id in the topic it came on; the envelope must match it.
    now: when given, timestamps more than an hour ahead of it, or before 2020, are impossible.
    """
    if len(payload) > MAX_MESSAGE_BYTES:
        raise MessageError(f"message too large ({len(payload)} bytes)")
    try:
        raw = json.loads(payload)
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise MessageError(f"not JSON: {exc}") from None
    if not isinstance(raw, dict):
        raise MessageError("envelope must be a JSON object")
    try:
        envelope = Envelope.model_validate(raw)
    except ValidationError as exc:
        raise MessageError(_reason(exc)) from None
    try:
        envelope.typed()
    except ValidationError as exc:
        raise MessageError(f"data.{_reason(exc)}") from None
    if topic_booth is not None and envelope.booth != topic_booth:
        raise MessageError(f"booth {envelope.booth} does not match topic booth {topic_booth}")
    if now is not None and not (EARLIEST <= envelope.at <= now + CLOCK_TOLERANCE):
        raise MessageError(f"impossible timestamp {envelope.at.isoformat()}")
    return envelope


class Ack(Strict):
    """hub → booth, retained: every event with seq ≤ upto is committed at the hub."""

    upto: int = Field(ge=0)


class BoothStatus(Strict):
    """booth → hub, retained; the Last Will carries state offline."""

    state: Literal["online", "offline"]
    at: AwareDatetime


class DeviceHealth(BaseModel):
    """One device's state as reported in health and GET /api/v1/devices."""

    model_config = ConfigDict(extra="allow")
    state: Literal["ok", "warning", "error", "absent"]
    detail: str = ""


class OutboxHealth(Strict):
    """Unsent events at the booth."""

    depth: int = Field(ge=0)
    oldest_age_s: float | None = Field(default=None, ge=0)


class Health(BaseModel):
    """booth → hub, retained, at least every 30 s."""

    model_config = ConfigDict(extra="allow")
    at: AwareDatetime
    version: str
    devices: dict[str, DeviceHealth]
    outbox: OutboxHealth
    disk_free_bytes: int | None = None
    serial_remaining: int | None = None
    acked_upto: int | None = None


class Manifest(Strict):
    """hub → destination booth: a parcel announced to it (from an acceptance or a merchant pre-advice)."""

    tracking_id: TrackingId
    origin: BoothId | None = None
    destination: BoothId
    recipient: Recipient
    cod_amount: Taka
    weight_g: int | None = Field(default=None, gt=0, le=100_000)
    merchant: str | None = Field(default=None, max_length=100)


class SerialBlockMsg(Strict):
    """A block of S10 serials [start, end) the booth may issue."""

    service: str = Field(pattern=r"^[A-Z]{2}$")
    start: int = Field(ge=0, lt=100_000_000)
    end: int = Field(gt=0, le=100_000_000)


class BoothConfig(Strict):
    """hub → booth, retained: serial blocks, tariff and settings."""

    serial_blocks: list[SerialBlockMsg] = Field(default_factory=list)
    tariff: Tariff = DEFAULT_TARIFF
    settings: dict[str, Any] = Field(default_factory=dict)


class Command(Strict):
    """hub → booth: a remote command."""

    id: str = Field(min_length=1, max_length=64)
    name: str = Field(min_length=1, max_length=64)
    args: dict[str, Any] = Field(default_factory=dict)
    expires_at: AwareDatetime


class CommandResult(Strict):
    """booth → hub: the result of a command."""

    id: str = Field(min_length=1, max_length=64)
    ok: bool
    detail: str = ""
