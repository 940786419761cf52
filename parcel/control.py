"""Wire messages of the MQTT contract besides events: the hub's acks, the booth's status and health,
manifests, booth config with its serial blocks, and remote commands with their results."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field, field_validator

from parcel.messages import BoothId, Recipient, Strict, Taka, TrackingId, has_unstorable_text
from parcel.tariff import DEFAULT_TARIFF, Tariff


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
    """hub → booth: a parcel announced to it (from an acceptance, a merchant pre-advice or a return).

    purpose says why the booth gets it: absent (None) for the destination booth that receives the
    parcel for its recipient (every manifest before the return leg), "intake" for the origin booth
    named in a pre-advice, where the merchant will hand the labelled parcel in, and "return" for the
    sender's booth, where a returned parcel is coming back. origin, destination, recipient and COD
    keep their meaning of the outbound journey in every case.
    """

    tracking_id: TrackingId
    origin: BoothId | None = None
    destination: BoothId
    recipient: Recipient
    cod_amount: Taka
    weight_g: int | None = Field(default=None, gt=0, le=100_000)
    merchant: str | None = Field(default=None, max_length=100)
    purpose: Literal["intake", "return"] | None = None
    return_reason: str | None = Field(default=None, max_length=500)

    def wire(self) -> bytes:
        """The bytes for the `manifest` topic; the new optional fields only when set, so a booth
        that predates them still accepts every manifest meant for receiving."""
        extra = {k for k in ("purpose", "return_reason") if getattr(self, k) is None}
        return self.model_dump_json(exclude=extra).encode()


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


# The hub's command ids are UUIDs; a result naming anything else is refused before any lookup.
COMMAND_ID = r"^[A-Za-z0-9_.:-]{1,64}$"


class Command(Strict):
    """hub → booth: a remote command."""

    id: str = Field(pattern=COMMAND_ID)
    name: str = Field(min_length=1, max_length=64)
    args: dict[str, Any] = Field(default_factory=dict)
    expires_at: AwareDatetime


class CommandResult(Strict):
    """booth → hub: the result of a command."""

    id: str = Field(pattern=COMMAND_ID)
    ok: bool
    detail: str = ""

    @field_validator("detail")
    @classmethod
    def _storable(cls, value: str) -> str:
        if has_unstorable_text(value):
            raise ValueError("text holds a NUL character or a lone surrogate")
        return value
