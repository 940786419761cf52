"""Wire messages: envelopes validate, bad input is refused with a reason."""

import json
import uuid
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest

from parcel import messages, s10
from parcel.lifecycle import EventType
from parcel.money import InvalidAmount, parse_taka
from parcel.phone import InvalidPhone, normalise_mobile
from parcel.tariff import DEFAULT_TARIFF, zone_between
from parcel.topics import booth_topic, parse, shared

NOW = datetime(2026, 11, 23, 12, 0, tzinfo=UTC)
TID = s10.make("CP", 10_000_001)


def accepted_bytes(**overrides: object) -> bytes:
    data = messages.Accepted(
        tracking_id=TID,
        origin="BD-1000-01",
        destination="BD-1207-01",
        recipient=messages.Recipient(name="রহিমা খাতুন", phone="01712345678"),
        cod_amount=Decimal("1250.50"),
        fee=Decimal("90"),
        weight_g=800,
    )
    raw = json.loads(messages.make_event("BD-1000-01", 1, uuid.uuid4(), EventType.ACCEPTED, NOW, data))
    raw.update(overrides)
    return json.dumps(raw).encode()


def test_a_valid_event_round_trips() -> None:
    env = messages.parse_event(accepted_bytes(), "BD-1000-01", NOW)
    data = env.typed()
    assert isinstance(data, messages.Accepted)
    assert data.cod_amount == Decimal("1250.50")
    assert data.recipient.phone == "+8801712345678"
    assert env.tracking_id == TID


@pytest.mark.parametrize(
    ("payload", "reason"),
    [
        (b"{not json", "not JSON"),
        (b"[1,2]", "JSON object"),
        (b"\xff\xfe", "not JSON"),
        (accepted_bytes(v=2), "v"),
        (accepted_bytes(seq=0), "seq"),
        (accepted_bytes(type="parcel.teleported"), "type"),
        (accepted_bytes(at="2026-11-23T12:00:00"), "at"),
        (accepted_bytes(extra=1), "extra"),
        (accepted_bytes(data={"tracking_id": "CP123456784BD"}), "data"),
        (b"x" * (messages.MAX_MESSAGE_BYTES + 1), "too large"),
    ],
)
def test_invalid_envelopes_name_the_reason(payload: bytes, reason: str) -> None:
    with pytest.raises(messages.MessageError) as err:
        messages.parse_event(payload, "BD-1000-01", NOW)
    assert reason in str(err.value)


def test_booth_must_match_its_topic() -> None:
    with pytest.raises(messages.MessageError, match="does not match topic"):
        messages.parse_event(accepted_bytes(), "BD-9999-01", NOW)


@pytest.mark.parametrize("at", [NOW + timedelta(hours=2), datetime(2019, 12, 31, tzinfo=UTC)])
def test_impossible_timestamps_are_refused(at: datetime) -> None:
    with pytest.raises(messages.MessageError, match="impossible timestamp"):
        messages.parse_event(accepted_bytes(at=at.isoformat()), "BD-1000-01", NOW)


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("1250", "1250.00"),
        ("1,250.5", "1250.50"),
        (1250, "1250.00"),
        (0.1, "0.10"),
        (Decimal("7.25"), "7.25"),
    ],
)
def test_taka_amounts_are_exact(value: object, expected: str) -> None:
    assert parse_taka(value) == Decimal(expected)


@pytest.mark.parametrize("value", ["-1", "1.005", "abc", "NaN", "Infinity", True, None, "1e9", 0.005])
def test_inexact_or_hostile_amounts_are_refused(value: object) -> None:
    with pytest.raises(InvalidAmount):
        parse_taka(value)


@pytest.mark.parametrize(
    "raw", ["01712345678", "+8801712345678", "8801712345678", "017-1234 5678", "০১৭১২৩৪৫৬৭৮"]
)
def test_bangladeshi_mobiles_are_normalised(raw: str) -> None:
    assert normalise_mobile(raw) == "+8801712345678"


@pytest.mark.parametrize("raw", ["01212345678", "0171234567", "+9101712345678", "", "<script>"])
def test_other_numbers_are_refused(raw: str) -> None:
    with pytest.raises(InvalidPhone):
        normalise_mobile(raw)


def test_tariff_bands_and_zones() -> None:
    assert DEFAULT_TARIFF.fee(500, "local") == Decimal("50.00")
    assert DEFAULT_TARIFF.fee(501, "national") == Decimal("105.00")
    assert DEFAULT_TARIFF.fee(7001, "local") == Decimal("205.00")  # 130 + 3 started kg × 25
    assert zone_between("BD-1000-01", "BD-1002-01") == "local"
    assert zone_between("BD-1000-01", "BD-4000-01") == "national"


def test_topics() -> None:
    assert booth_topic("BD-1000-01", "event") == "dak/v1/booth/BD-1000-01/event"
    assert parse("dak/v1/booth/BD-1000-01/cmd/result") == ("BD-1000-01", "cmd/result")
    assert parse("dak/v1/booth/evil/event") is None
    assert shared("dak/v1/booth/+/event") == "$share/hub/dak/v1/booth/+/event"
    with pytest.raises(ValueError):
        booth_topic("BD-1000-01/#", "event")
