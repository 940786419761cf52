"""Apply rules of ingest against a real SQLite database."""

from __future__ import annotations

import json
import uuid
from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import ColumnElement, Engine, Table, func, select

import hub.ingest.apply as apply_module
from hub.db.schema import (
    anomalies,
    booths,
    dead_letters,
    events,
    mqtt_outbox,
    notifications,
    parcels,
    serial_blocks,
)
from hub.ingest.booths import BLOCK_SIZE, TOP_UP_BELOW
from parcel import topics
from parcel.control import BoothConfig, Manifest
from tests.hub.conftest import ApplyFn
from tests.hub.factory import (
    DEST,
    NOW,
    ORIGIN,
    T0,
    accepted,
    arrived,
    delivered,
    event,
    leaf,
    raw_event,
    ready,
    tid,
)


def count(engine: Engine, table: Table, *where: ColumnElement[bool]) -> int:
    """Rows of table matching where."""
    with engine.connect() as conn:
        return int(conn.execute(select(func.count()).select_from(table).where(*where)).scalar() or 0)


def parcel_status(engine: Engine, tracking_id: str) -> str | None:
    """The stored status of a parcel."""
    with engine.connect() as conn:
        return conn.execute(select(parcels.c.status).where(parcels.c.tracking_id == tracking_id)).scalar()


def reasons(engine: Engine) -> list[str]:
    """Dead-letter reasons in order."""
    with engine.connect() as conn:
        return list(conn.execute(select(dead_letters.c.reason).order_by(dead_letters.c.id)).scalars())


def test_accepted_event_is_stored_and_acked(engine: Engine, apply: ApplyFn) -> None:
    out = apply(event(ORIGIN, 1, accepted(tid())))
    assert out.acks == {ORIGIN: 1}
    assert len(out.settled) == 1
    assert parcel_status(engine, tid()) == "accepted"
    assert count(engine, events) == 1


def test_duplicate_event_id_is_stored_once_and_still_acknowledged(engine: Engine, apply: ApplyFn) -> None:
    msg = event(ORIGIN, 1, accepted(tid()))
    apply(msg)
    out = apply(msg, msg)
    assert len(out.settled) == 2
    assert out.acks == {ORIGIN: 1}
    assert count(engine, events) == 1
    assert count(engine, dead_letters) == 0


def test_same_seq_with_another_id_is_a_dead_letter(engine: Engine, apply: ApplyFn) -> None:
    apply(event(ORIGIN, 1, accepted(tid())))
    apply(event(ORIGIN, 1, accepted(tid(22222222))))
    assert count(engine, events) == 1
    [reason] = reasons(engine)
    assert "seq 1 of BD-1000-01 is already used" in reason


def test_reordered_events_end_in_the_furthest_state(engine: Engine, apply: ApplyFn) -> None:
    t = tid()
    # The destination's delivery arrives first, the acceptance a day late.
    apply(event(DEST, 3, delivered(t)), event(DEST, 2, ready(t)))
    apply(event(DEST, 1, arrived(t)))
    assert parcel_status(engine, t) == "delivered"
    apply(event(ORIGIN, 1, accepted(t)))
    assert parcel_status(engine, t) == "delivered"
    assert count(engine, anomalies) == 0
    with engine.connect() as conn:
        row = conn.execute(select(parcels).where(parcels.c.tracking_id == t)).one()
    assert row.origin == ORIGIN and row.recipient_phone == "+8801711223344"


def test_second_acceptance_is_an_anomaly_and_not_counted(engine: Engine, apply: ApplyFn) -> None:
    t = tid()
    apply(event(ORIGIN, 1, accepted(t)), event(DEST, 1, arrived(t)))
    later = T0 + timedelta(hours=5)
    apply(event("BD-2000-01", 1, accepted(t, origin="BD-2000-01", destination="BD-3000-01"), at=later))
    assert parcel_status(engine, t) == "arrived"
    assert count(engine, anomalies, anomalies.c.tracking_id == t) == 1
    with engine.connect() as conn:
        row = conn.execute(select(parcels).where(parcels.c.tracking_id == t)).one()
        manifests = conn.execute(
            select(mqtt_outbox.c.topic).where(mqtt_outbox.c.cause.like("manifest:%"))
        ).all()
    assert row.destination == DEST  # still the first acceptance
    assert [m.topic for m in manifests] == [topics.booth_topic(DEST, topics.MANIFEST)]


def test_accepted_queues_a_manifest_for_the_destination(engine: Engine, apply: ApplyFn) -> None:
    apply(event(ORIGIN, 1, accepted(tid())))
    with engine.connect() as conn:
        row = conn.execute(select(mqtt_outbox).where(mqtt_outbox.c.cause == f"manifest:{tid()}")).one()
    assert row.topic == f"dak/v1/booth/{DEST}/manifest" and row.qos == 1 and not row.retain
    manifest = Manifest.model_validate_json(row.payload)
    assert manifest.recipient.phone == "+8801711223344" and str(manifest.cod_amount) == "1250.00"


@pytest.mark.parametrize(
    ("payload", "expected"),
    [
        (b"{not json", "not JSON"),
        (b"[1, 2]", "JSON object"),
        ({"v": 1, "booth": ORIGIN, "seq": 1}, "Field required"),
        (b"x" * (70 * 1024), "too large"),
    ],
)
def test_invalid_events_are_dead_letters(
    engine: Engine, apply: ApplyFn, payload: bytes | dict[str, Any], expected: str
) -> None:
    out = apply(raw_event(ORIGIN, payload), event(ORIGIN, 1, accepted(tid())))
    assert len(out.settled) == 2  # acknowledged, ingest goes on
    [reason] = reasons(engine)
    assert expected in reason
    assert count(engine, events) == 1


def envelope(booth: str, seq: int, **changes: Any) -> dict[str, Any]:
    """A valid acceptance envelope as a dict, with some fields changed."""
    body = json.loads(event(booth, seq, accepted(tid())).payload)
    body.update(changes)
    return body


def test_booth_not_matching_topic_is_a_dead_letter_that_does_not_move_the_ack(
    engine: Engine, apply: ApplyFn
) -> None:
    out = apply(raw_event(ORIGIN, envelope("BD-9999-01", 1), topic_booth=ORIGIN))
    assert "does not match topic booth" in reasons(engine)[0]
    assert out.acks == {ORIGIN: 0}
    with engine.connect() as conn:
        assert conn.execute(select(dead_letters.c.seq)).scalar() is None
    assert count(engine, booths) == 0  # not a valid message: no registration


def test_impossible_timestamp_is_a_dead_letter_that_the_ack_passes(engine: Engine, apply: ApplyFn) -> None:
    future = (NOW + timedelta(days=2)).isoformat()
    out = apply(raw_event(ORIGIN, envelope(ORIGIN, 1, at=future)), event(ORIGIN, 2, accepted(tid(33333333))))
    assert "impossible timestamp" in reasons(engine)[0]
    assert out.acks == {ORIGIN: 2}  # the invalid seq 1 does not hold the booth back forever


def test_seq_gap_holds_the_ack_until_filled(engine: Engine, apply: ApplyFn) -> None:
    assert apply(event(ORIGIN, 1, accepted(tid(1)))).acks == {ORIGIN: 1}
    assert apply(event(ORIGIN, 3, accepted(tid(3)))).acks == {ORIGIN: 1}
    assert apply(event(ORIGIN, 4, accepted(tid(4)))).acks == {ORIGIN: 1}
    assert apply(event(ORIGIN, 2, accepted(tid(2)))).acks == {ORIGIN: 4}
    with engine.connect() as conn:
        assert conn.execute(select(booths.c.ack_upto)).scalar() == 4


@pytest.mark.parametrize("path", ["set-based", "one by one"])
def test_collection_code_is_never_stored_in_plaintext(
    engine: Engine, apply: ApplyFn, path: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    if path == "one by one":  # the path a batch takes when its set-based apply fails

        def fail(*_args: Any) -> None:
            raise RuntimeError("set-based apply failed")

        monkeypatch.setattr(apply_module, "apply_events", fail)
    t = tid()
    apply(event(ORIGIN, 1, accepted(t)), event(DEST, 1, ready(t, code="482913")))
    with engine.connect() as conn:
        data = conn.execute(select(events.c.data).where(events.c.type == "parcel.ready")).scalar()
        n = conn.execute(select(notifications)).one()
    assert "collection_code" not in data
    assert "482913" not in json.dumps(data)
    salt, digest = data["code_hash"].split("$")
    assert salt and len(digest) == 64
    assert n.code == "482913" and n.status == "pending"  # only the SMS outbox holds it, until sent
    assert parcel_status(engine, t) == "ready"


def test_invalid_ready_dead_letter_does_not_keep_the_code(engine: Engine, apply: ApplyFn) -> None:
    body = json.loads(event(DEST, 1, ready(tid(), code="482913")).payload)
    body["data"]["shelf"] = "x" * 100
    apply(raw_event(DEST, body))
    with engine.connect() as conn:
        payload = conn.execute(select(dead_letters.c.payload)).scalar()
    assert b"482913" not in payload


def test_one_notification_per_cause(engine: Engine, apply: ApplyFn) -> None:
    t = tid()
    msg = event(DEST, 1, ready(t))
    apply(event(ORIGIN, 1, accepted(t)), msg, msg)
    apply(msg)
    assert count(engine, notifications) == 1
    apply(event(DEST, 2, ready(t, code="111222"), event_id=uuid.uuid4()))
    assert count(engine, notifications) == 2  # a re-issued code is a new cause


def test_first_valid_message_registers_booth_with_a_serial_block_and_config(
    engine: Engine, apply: ApplyFn
) -> None:
    apply(event(ORIGIN, 1, accepted(tid())))
    apply(leaf(DEST, "status", {"state": "online", "at": NOW.isoformat()}))
    with engine.connect() as conn:
        blocks = conn.execute(select(serial_blocks).order_by(serial_blocks.c.start)).all()
        configs = conn.execute(select(mqtt_outbox).where(mqtt_outbox.c.cause.like("config:%"))).all()
        state = conn.execute(select(booths.c.state).where(booths.c.booth_id == DEST)).scalar()
    first = 10_000_000
    assert [(b.booth_id, b.start, b.end) for b in blocks] == [
        (ORIGIN, first, first + BLOCK_SIZE),
        (DEST, first + BLOCK_SIZE, first + 2 * BLOCK_SIZE),
    ]
    assert state == "online"
    assert {c.topic for c in configs} == {f"dak/v1/booth/{ORIGIN}/config", f"dak/v1/booth/{DEST}/config"}
    assert all(c.retain and c.qos == 1 for c in configs)
    cfg = BoothConfig.model_validate_json(configs[0].payload)
    assert cfg.serial_blocks[0].service == "CP" and len(cfg.tariff.bands) > 0


def health(remaining: int | None) -> dict[str, Any]:
    """A health report with serial_remaining."""
    return {
        "at": NOW.isoformat(),
        "version": "1",
        "devices": {"printer": {"state": "ok"}},
        "outbox": {"depth": 3},
        "serial_remaining": remaining,
    }


def test_low_serials_in_health_allocate_one_more_block_and_resend_config(
    engine: Engine, apply: ApplyFn
) -> None:
    apply(leaf(ORIGIN, "health", health(BLOCK_SIZE - 10)))
    assert count(engine, serial_blocks) == 1
    later = NOW + timedelta(minutes=10)
    apply(leaf(ORIGIN, "health", health(TOP_UP_BELOW - 1)), now=later)
    apply(
        leaf(ORIGIN, "health", health(TOP_UP_BELOW - 2)), now=later + timedelta(seconds=30)
    )  # config not there yet
    assert count(engine, serial_blocks) == 2
    with engine.connect() as conn:
        last = conn.execute(select(mqtt_outbox.c.payload).order_by(mqtt_outbox.c.id.desc()).limit(1)).scalar()
        h = conn.execute(select(booths.c.health)).scalar()
    assert len(BoothConfig.model_validate_json(last).serial_blocks) == 2
    assert h["outbox"]["depth"] == 3


def test_invalid_status_is_a_dead_letter(engine: Engine, apply: ApplyFn) -> None:
    apply(leaf(ORIGIN, "status", {"state": "sleeping", "at": NOW.isoformat()}))
    assert reasons(engine)[0].startswith("status:")
    assert count(engine, booths) == 0


def test_older_status_does_not_override_newer(engine: Engine, apply: ApplyFn) -> None:
    apply(leaf(ORIGIN, "status", {"state": "offline", "at": NOW.isoformat()}))
    apply(leaf(ORIGIN, "status", {"state": "online", "at": (NOW - timedelta(hours=1)).isoformat()}))
    with engine.connect() as conn:
        assert conn.execute(select(booths.c.state)).scalar() == "offline"
