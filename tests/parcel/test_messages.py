"""Wire messages: envelopes validate, bad input is refused with a reason."""

import dataclasses
import json
import uuid
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from pydantic import ValidationError

from parcel import messages, s10
from parcel.lifecycle import EventType
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


# --- parse_event's one pass agrees with validating the envelope, then its data ------------------

_SHA = "ab" * 32
_VALID_DATA: dict[EventType, dict[str, object]] = {
    EventType.ACCEPTED: {
        "tracking_id": TID,
        "origin": "BD-1000-01",
        "destination": "BD-1207-01",
        "recipient": {"name": " রহিমা ", "phone": "01712345678"},
        "cod_amount": "1250.5",
        "fee": 90,
        "weight_g": 800,
        "merchant": "shop-1",
        "photo_sha256": _SHA,
        "sender": {"kind": "walk_in", "name": "Karim  Uddin", "phone": "+8801812345678"},
    },
    EventType.DISPATCHED: {"tracking_id": TID.lower()},
    EventType.ARRIVED: {"tracking_id": TID, "unannounced": True},
    EventType.READY: {"tracking_id": TID, "collection_code": "123456", "code_expires_at": 1795000000},
    EventType.HANDOVER_FAILED: {"tracking_id": TID, "reason": "not home", "attempt": 2},
    EventType.DELIVERED: {"tracking_id": TID, "cod_collected": 0.1, "verified_by": "id_document"},
    EventType.RETURNED: {"tracking_id": TID, "reason": "refused"},
    EventType.RETURN_ARRIVED: {"tracking_id": TID, "shelf": "R-2"},
    EventType.RETURN_COLLECTED: {
        "tracking_id": TID,
        "collected_by": "sender",
        "document_kind": "nid",
        "document_tail": "1234",
        "sender_match": False,
        "approved_by": "sup-1",
    },
    EventType.CASH_CLOSED: {"business_date": "2026-11-23", "expected": "10", "counted": "9.50", "parcels": 3},
}

_JSON_VALUES = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(-(2**70), 2**70)
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.sampled_from(["", "0", "1", "true", "no", "1.5", "1e3", "2026-11-23", "2026-11-23T12:00:00Z", TID])
    | st.text(max_size=8),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=5), inner, max_size=3),
    max_leaves=6,
)


def _two_step_oracle(payload: bytes) -> dict[str, object]:
    """What parse_event must agree with: the envelope validated, then its data by the data model."""
    env = messages.Envelope.model_validate_json(payload)
    data = messages.DATA_MODELS[env.type].model_validate(env.data).model_dump(mode="json")
    tracking_id = data.get("tracking_id")
    return {
        **env.model_dump(exclude={"data"}),
        "id": str(env.id),
        "data": data,
        "tracking_id": tracking_id if isinstance(tracking_id, str) else None,
    }


@given(
    kind=st.sampled_from(list(_VALID_DATA)),
    where=st.sampled_from(["top", "data", "nested"]),
    key=st.sampled_from(
        [
            "v",
            "seq",
            "type",
            "at",
            "data",
            "id",
            "tracking_id",
            "recipient",
            "sender",
            "name",
            "phone",
            "kind",
            "cod_amount",
            "weight_g",
            "unannounced",
            "code_expires_at",
            "attempt",
            "business_date",
            "parcels",
            "sender_match",
            "extra",
        ]
    ),
    value=_JSON_VALUES,
    drop=st.booleans(),
)
@settings(max_examples=400, deadline=None)
def test_one_pass_parse_agrees_with_two_steps(
    kind: EventType, where: str, key: str, value: object, drop: bool
) -> None:
    raw: dict[str, object] = {
        "v": 1,
        "booth": "BD-1000-01",
        "seq": 7,
        "id": str(uuid.uuid4()),
        "type": kind.value,
        "at": "2026-11-23T11:00:00+00:00",
        "data": json.loads(json.dumps(_VALID_DATA[kind])),
    }
    data = raw["data"]
    assert isinstance(data, dict)
    target = {"top": raw, "data": data, "nested": data.get("recipient") or data.get("sender") or data}[where]
    assert isinstance(target, dict)
    if drop:
        target.pop(key, None)
    else:
        target[key] = value
    payload = json.dumps(raw).encode()
    try:
        expected: dict[str, object] | str = _two_step_oracle(payload)
    except ValidationError:
        expected = "refused"
    try:
        env = messages.parse_event(payload)
        got: dict[str, object] | str = dataclasses.asdict(env)
    except messages.MessageError:
        got = "refused"
    assert got == expected


def test_every_valid_event_type_parses_to_its_wire_form() -> None:
    for kind, data in _VALID_DATA.items():
        raw = {
            "v": 1,
            "booth": "BD-1000-01",
            "seq": 1,
            "id": str(uuid.uuid4()),
            "type": kind.value,
            "at": "2026-11-23T11:00:00+06:00",
            "data": data,
        }
        env = messages.parse_event(json.dumps(raw).encode(), "BD-1000-01", NOW)
        assert env.type == kind
        assert env.at == datetime(2026, 11, 23, 5, tzinfo=UTC)
        assert env.data == messages.DATA_MODELS[kind].model_validate(data).model_dump(mode="json")
        assert env.typed() == messages.DATA_MODELS[kind].model_validate(data)
