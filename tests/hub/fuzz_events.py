"""What the ingest fuzz tests feed the hub: fresh booths and parcels, hostile text, valid event data
of every type, and almost-valid events (a valid one with one thing broken) with whether they must fail."""

from __future__ import annotations

import itertools
import json
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta, timezone
from decimal import Decimal
from typing import Any

from hypothesis import strategies as st

from hub.ingest.apply import Inbound
from parcel import s10, topics
from parcel.lifecycle import EventType
from parcel.messages import DATA_MODELS
from tests.hub.factory import T0

# Booths and parcels are fresh in every example: the database is shared by the examples of a test.
_fresh = itertools.count()
DEST = "BD-1207-01"


def fresh_booth() -> str:
    """A booth id no earlier example used."""
    n = next(_fresh)
    return f"BD-{2000 + n // 90:04d}-{10 + n % 90:02d}"


def fresh_tid() -> str:
    """A tracking number no earlier example used."""
    return s10.make("CP", 20_000_000 + next(_fresh))


# --- what goes in -------------------------------------------------------------------------------------

BENGALI = st.characters(min_codepoint=0x0980, max_codepoint=0x09FF)
COMBINING = st.characters(min_codepoint=0x0300, max_codepoint=0x036F)
SURROGATES = st.characters(categories=["Cs"])
HOSTILE_TEXT = st.one_of(
    st.text(max_size=40),
    st.text(st.one_of(BENGALI, COMBINING), min_size=1, max_size=40),
    st.text(st.one_of(SURROGATES, st.just("\x00"), BENGALI), min_size=1, max_size=8),
    st.sampled_from(
        [
            "",
            " ",
            "\x00",
            "a\x00b",
            "\ud800",
            "\udfff\ud800",
            "রহিমা\u0000বেগম",
            "e\u0301\u0301\u0301",
            "\u202e\u200b\ufeff",
            "😀" * 50,
            "' OR 1=1; --",
            "x" * 250,
            "ক" * 30_000,
            "y" * 70_000,
        ]
    ),
)
HUGE_INTS = st.sampled_from([0, -1, 2**31, 2**63, -(2**63), 2**64 + 1, 10**30, -(10**30)])
TIMESTAMPS = st.sampled_from(
    [
        "0001-01-01T00:00:00+00:00",
        "1970-01-01T00:00:00Z",
        "2019-12-31T23:59:59+00:00",
        "9999-12-31T23:59:59+14:00",
        "2026-11-20T09:00:00",
        "2026-11-20T09:00:00+25:00",
        "2026-02-30T09:00:00+06:00",
        "2026-11-23T13:00:01+00:00",  # just past the hour of clock tolerance after NOW
        "2026-11-20 09:00:00+06:00",
        "yesterday",
    ]
)
HOSTILE = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(),
    HUGE_INTS,
    st.floats(allow_nan=True, allow_infinity=True),
    st.sampled_from([1e300, -1e-300, 0.1, 12.345, -0.0]),
    HOSTILE_TEXT,
    TIMESTAMPS,
    st.lists(st.integers(), max_size=3),
    st.dictionaries(st.text(max_size=5), st.integers(), max_size=3),
)
# Lax spellings that a validator may accept: what is stored must still be the canonical value.
LAX = {
    "tracking_id": lambda tid: st.sampled_from(
        [tid.lower(), f" {tid[:4]} {tid[4:]} ", tid[:6] + "-" + tid[6:]]
    ),
    "seq": lambda v: st.sampled_from([str(v), float(v)]),
    "weight_g": lambda v: st.sampled_from([str(v), float(v), True]),
    "cod_amount": lambda v: st.sampled_from([float(v), int(Decimal(v)), "0" + v]),
    "phone": lambda v: st.sampled_from(["+880" + v[1:], "৳" + v, "০১৭১১২২৩৩৪৪", "01711-223344"]),
    "code_expires_at": lambda v: st.sampled_from([1_800_000_000, "2026-11-27T09:00:00Z", 1.8e9]),
    "at": lambda v: st.sampled_from(
        [1_795_000_000, "2026-11-20T15:00:00+06:00", "2026-11-20T09:00:00.000001Z"]
    ),
}

OFFSETS = st.sampled_from([UTC, timezone(timedelta(hours=6)), timezone(timedelta(hours=-11))])


# Any text a clerk could type: no NUL, no lone surrogate.
FREE_TEXT = st.text(
    st.characters(exclude_characters="\x00", exclude_categories=["Cs"]), min_size=1, max_size=20
)


@st.composite
def valid_data(draw: st.DrawFn, type_: EventType, tid: str, booth: str) -> dict[str, Any]:
    """The data of a valid event of type_ about parcel tid at booth."""
    name = draw(st.text(BENGALI, min_size=1, max_size=30).filter(str.strip) | st.just("Rahima Begum"))
    taka = draw(st.sampled_from(["0.00", "1250.00", "9999999.99", "0.01", "300"]))
    photo = draw(st.none() | st.just("a" * 64))
    reason = draw(FREE_TEXT.filter(str.strip) | st.just("ঠিকানায় পাওয়া যায়নি"))
    builders: dict[str, dict[str, Any]] = {
        "parcel.accepted": {
            "tracking_id": tid,
            "origin": booth,
            "destination": DEST,
            "recipient": {"name": name, "phone": "01711223344"},
            "cod_amount": taka,
            "fee": "70.00",
            "weight_g": draw(st.integers(1, 100_000)),
            "merchant": draw(st.none() | FREE_TEXT),
            "photo_sha256": photo,
        },
        "parcel.dispatched": {"tracking_id": tid},
        "parcel.arrived": {"tracking_id": tid, "unannounced": draw(st.booleans())},
        "parcel.ready": {
            "tracking_id": tid,
            "collection_code": draw(st.from_regex(r"\A[0-9]{6}\Z")),
            "code_expires_at": (T0 + timedelta(days=7)).isoformat(),
            "shelf": draw(st.none() | FREE_TEXT),
        },
        "parcel.handover_failed": {
            "tracking_id": tid,
            "reason": reason,
            "attempt": draw(st.none() | st.integers(1, 5)),
        },
        "parcel.delivered": {
            "tracking_id": tid,
            "cod_collected": taka,
            "verified_by": draw(st.sampled_from(["code", "id_document"])),
            "photo_sha256": photo,
        },
        "parcel.returned": {"tracking_id": tid, "reason": reason},
        "parcel.return_arrived": {"tracking_id": tid, "unannounced": False, "shelf": None},
        "parcel.return_collected": {
            "tracking_id": tid,
            "collected_by": "sender",
            "document_kind": "nid",
            "document_tail": "12AB",
            "photo_sha256": photo,
        },
        "cash.closed": {
            "business_date": "2026-11-20",
            "expected": taka,
            "counted": taka,
            "parcels": draw(st.integers(0, 500)),
            "reason": None,
        },
    }
    return builders[type_.value]


# Event types this module can build valid data for (the wire contract may grow).
KNOWN_TYPES = [
    t
    for t in EventType
    if t.value
    in {
        "parcel.accepted",
        "parcel.dispatched",
        "parcel.arrived",
        "parcel.ready",
        "parcel.handover_failed",
        "parcel.delivered",
        "parcel.returned",
        "parcel.return_arrived",
        "parcel.return_collected",
        "cash.closed",
    }
]


def envelope(booth: str, seq: int, type_: EventType, at: datetime, data: dict[str, Any]) -> dict[str, Any]:
    """A valid envelope as a JSON-ready dict."""
    return {
        "v": 1,
        "booth": booth,
        "seq": seq,
        "id": str(uuid.uuid4()),
        "type": type_.value,
        "at": at.isoformat(),
        "data": data,
    }


def encode(body: Any, ascii_only: bool) -> bytes:
    """JSON bytes; lone surrogates are either escaped (ASCII) or written as the invalid bytes they are."""
    return json.dumps(body, ensure_ascii=ascii_only).encode("utf-8", "surrogatepass")


def required(model: type, key: str) -> bool:
    """True when key is a field of model that has no default."""
    field = model.model_fields.get(key)  # type: ignore[attr-defined]
    return field is not None and field.is_required()


@dataclass
class Mutant:
    """One almost-valid event message and what is known about it before the hub sees it."""

    msg: Inbound
    booth: str
    tid: str
    mutation: str
    must_fail: bool


@st.composite
def mutants(draw: st.DrawFn) -> Mutant:
    """A valid event on its own fresh booth with one field removed, retyped, replaced or added."""
    booth, tid = fresh_booth(), fresh_tid()
    type_ = draw(st.sampled_from(KNOWN_TYPES))
    at = T0.astimezone(draw(OFFSETS)) + timedelta(seconds=draw(st.integers(0, 3 * 86_400)))
    body = envelope(booth, draw(st.integers(1, 3)), type_, at, draw(valid_data(type_, tid, booth)))
    data = body["data"]
    model = DATA_MODELS[type_]
    # (container, key, model of the container or None for the envelope)
    places: list[tuple[dict[str, Any], str, type | None]] = [(body, k, None) for k in body]
    places += [(data, k, model) for k in data]
    if isinstance(data.get("recipient"), dict):
        from parcel.messages import Recipient

        places += [(data["recipient"], k, Recipient) for k in data["recipient"]]
    container, key, owner = draw(st.sampled_from(places))
    op = draw(st.sampled_from(["remove", "replace", "text", "lax", "add", "booth", "topic", "duplicate-key"]))
    topic_booth = booth
    must_fail = False
    if op == "remove":
        del container[key]
        must_fail = owner is None or required(owner, key)
    elif op == "replace":
        container[key] = draw(HOSTILE)
    elif op == "text":
        # Hostile text where the contract takes free text: names, reasons, shelves, merchants.
        free = [(c, k) for c, k, _ in places if isinstance(c[k], str) and k not in ("tracking_id", "booth")]
        container, key = draw(st.sampled_from(free)) if free else (container, key)
        container[key] = draw(HOSTILE_TEXT)
    elif op == "lax" and key in LAX:
        container[key] = draw(LAX[key](container[key]))
    elif op == "add":
        container[draw(st.text(max_size=12).filter(lambda k: k not in container))] = draw(HOSTILE)
        must_fail = True  # unknown fields are an error everywhere
    elif op == "booth":
        body["booth"] = draw(st.sampled_from([DEST, booth.lower(), booth + " ", "BD-১০০০-০১", "BD-1000-1"]))
        must_fail = True
    elif op == "topic":
        topic_booth = fresh_booth()
        must_fail = True
    ascii_only = draw(st.booleans())
    payload = encode(body, ascii_only)
    if op == "duplicate-key":
        # JSON with a key twice: the last one wins in Python; whatever wins, it must be checked.
        payload = payload[:-1] + b', "seq": ' + encode(draw(HOSTILE), True) + b"}"
    msg = Inbound(topics.booth_topic(topic_booth, topics.EVENT), payload, mid=1, qos=1)
    return Mutant(msg, booth, tid, f"{op} {key}", must_fail)
