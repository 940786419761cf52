"""Fuzzing the hub's ingest path with hypothesis: arbitrary bytes, almost-valid envelopes, valid events
delivered in any order and any number of times, all through apply_batch (the ingest worker's entry
point) on a real database.

Properties: no exception escapes; an invalid message becomes one dead letter with a reason and changes
nothing else; a valid event is stored exactly once; a parcel's state is parcel.lifecycle.derive of its
events. Examples per test: the `fuzz` profile (CI) or DAKBOOTH_FUZZ=deep for a longer search.
"""

from __future__ import annotations

import itertools
import os
from collections import Counter
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import Engine, select

from hub.db.schema import anomalies, dead_letters, events, metadata, mqtt_outbox, notifications, parcels
from hub.db.types import utc_text
from hub.ingest.apply import Inbound, Outcome, apply_batch
from parcel import topics
from parcel.lifecycle import EventType, SeenEvent, derive
from parcel.messages import DATA_MODELS, MessageError, parse_event
from tests.hub.factory import NOW, T0
from tests.hub.fuzz_events import (
    OFFSETS,
    Mutant,
    encode,
    envelope,
    fresh_booth,
    fresh_tid,
    mutants,
    valid_data,
)

_HEALTH = [HealthCheck.function_scoped_fixture, HealthCheck.too_slow, HealthCheck.data_too_large]
settings.register_profile("fuzz", max_examples=75, deadline=None, suppress_health_check=_HEALTH)
settings.register_profile("fuzz-deep", max_examples=1000, deadline=None, suppress_health_check=_HEALTH)
FUZZ = settings.get_profile("fuzz-deep" if os.environ.get("DAKBOOTH_FUZZ") == "deep" else "fuzz")

# --- how it is applied and observed ------------------------------------------------------------------


def apply(engine: Engine, batch: list[Inbound]) -> Outcome:
    """Apply and commit one batch the way the ingest worker does."""
    with engine.begin() as conn:
        return apply_batch(conn, batch, NOW)


def snapshot(engine: Engine) -> dict[str, Counter[str]]:
    """Every row of every hub table, as text, counted."""
    out: dict[str, Counter[str]] = {}
    with engine.connect() as conn:
        for table in metadata.sorted_tables:
            out[table.name] = Counter(repr(tuple(r)) for r in conn.execute(select(table)))
    return out


def changed_rows(before: dict[str, Counter[str]], after: dict[str, Counter[str]]) -> dict[str, list[str]]:
    """Rows added, removed or changed per table (a changed row shows up in both directions)."""
    out: dict[str, list[str]] = {}
    for name in after:
        diff = list(((after[name] - before[name]) + (before[name] - after[name])).elements())
        if diff:
            out[name] = diff
    return out


def new_dead_letters(engine: Engine, after_id: int) -> list[Any]:
    """Dead letters written after the one with id after_id."""
    with engine.connect() as conn:
        return conn.execute(
            select(dead_letters).where(dead_letters.c.id > after_id).order_by(dead_letters.c.id)
        ).all()


def last_dead_letter(engine: Engine) -> int:
    """The id of the newest dead letter (0 when none)."""
    with engine.connect() as conn:
        rows = conn.execute(select(dead_letters.c.id).order_by(dead_letters.c.id.desc()).limit(1)).all()
    return int(rows[0][0]) if rows else 0


def stored_events(engine: Engine, booth_ids: set[str]) -> list[Any]:
    """Stored events of the given booths."""
    with engine.connect() as conn:
        return conn.execute(select(events).where(events.c.booth.in_(sorted(booth_ids)))).all()


def seen_event(event_id: str, type_: EventType, at: str, booth: str, data: dict[str, Any]) -> SeenEvent:
    """What derive() knows of an event: an acceptance also names the parcel's booths."""
    if type_ != EventType.ACCEPTED:
        return SeenEvent(id=event_id, type=type_, at=at, booth=booth)
    ends = {k: data.get(k) for k in ("destination", "origin") if k in SeenEvent.__dataclass_fields__}
    return SeenEvent(id=event_id, type=type_, at=at, booth=booth, **ends)


def assert_parcel_derived(engine: Engine, tracking_id: str) -> None:
    """The stored parcel state, anomalies and checkpoint are derive()'s of all its stored events, its
    acceptance columns the counted acceptance's (whichever batch brought it)."""
    with engine.connect() as conn:
        rows = conn.execute(select(events).where(events.c.tracking_id == tracking_id)).all()
        parcel = conn.execute(select(parcels).where(parcels.c.tracking_id == tracking_id)).first()
        stored_anomalies = sorted(
            (r.event_id, r.reason)
            for r in conn.execute(
                select(anomalies.c.event_id, anomalies.c.reason).where(anomalies.c.tracking_id == tracking_id)
            )
        )
    seen = [seen_event(r.id, EventType(r.type), utc_text(r.at), r.booth, r.data) for r in rows]
    derived = derive(seen)
    expected = derived.status
    status = parcel.status if parcel else None
    assert status == (expected.value if expected else None), (tracking_id, [r.type for r in rows])
    assert stored_anomalies == sorted((e.id, why) for e, why in derived.anomalies), tracking_id
    if parcel is not None:  # resumed in later batches or derived again: the same checkpoint
        assert parcel.derivation == derived.checkpoint(), tracking_id
    counted = derived.counted_once(EventType.ACCEPTED)
    if parcel is not None and counted is not None:
        data = next(r.data for r in rows if r.id == counted.id)
        assert (parcel.accepted_event, parcel.origin, parcel.destination) == (
            counted.id,
            data["origin"],
            data["destination"],
        ), tracking_id


def is_valid(msg: Inbound) -> bool:
    """The wire contract's own verdict on a message (its topic's booth and the batch time included)."""
    where = topics.parse(msg.topic)
    try:
        parse_event(msg.payload, where[0] if where else None, NOW)
    except MessageError:
        return False
    return True


# --- properties --------------------------------------------------------------------------------------

# MQTT forbids U+0000 in topic names and the broker drops a client that sends one.
TOPIC_TEXT = st.text(st.characters(exclude_characters="\x00", exclude_categories=["Cs"]), max_size=40)
LEAVES = st.sampled_from([topics.EVENT, topics.STATUS, topics.HEALTH, topics.CMD_RESULT, "ack", "event/x"])
JUNK = st.one_of(
    st.binary(max_size=200),
    st.sampled_from(
        [b"", b"{}", b"[]", b"null", b"1", b'"x"', b"\xff\xfe", b"{" * 5000, b"[" * 60_000, b"[" * 100_000]
    ),
    st.binary(min_size=65_537, max_size=65_600),
)


@FUZZ
@given(
    st.lists(
        st.tuples(st.one_of(LEAVES, TOPIC_TEXT.map(lambda t: "junk:" + t)), JUNK),
        min_size=1,
        max_size=8,
    )
)
def test_arbitrary_bytes_become_dead_letters_and_change_nothing(
    engine: Engine, batch: list[tuple[str, bytes]]
) -> None:
    booth = fresh_booth()
    messages = [
        Inbound(t if t.startswith("junk:") else topics.booth_topic(booth, t), p, mid=1, qos=1)
        for t, p in batch
    ]
    before, mark = snapshot(engine), last_dead_letter(engine)
    outcome = apply(engine, messages)
    changed = changed_rows(before, snapshot(engine))
    assert set(changed) <= {"dead_letters"}, changed
    letters = new_dead_letters(engine, mark)
    # An empty retained status or health is a cleared retained message, not an error.
    cleared = sum(1 for m in messages if not m.payload and m.topic.endswith(("/status", "/health")))
    assert len(letters) == len(messages) - cleared
    assert all(dl.reason.strip() and not dl.reason.startswith("internal error") for dl in letters)
    assert len(outcome.settled) == len(messages)  # none is left for the broker to redeliver forever


@FUZZ
@given(st.lists(mutants(), min_size=1, max_size=6))
def test_almost_valid_events_are_dead_letters_or_stored_and_nothing_else(
    engine: Engine, batch: list[Mutant]
) -> None:
    verdicts = [is_valid(m.msg) for m in batch]
    for m, ok in zip(batch, verdicts, strict=True):
        assert not (m.must_fail and ok), f"{m.mutation} was accepted: {m.msg.payload[:300]!r}"
    before, mark = snapshot(engine), last_dead_letter(engine)
    outcome = apply(engine, [m.msg for m in batch])
    assert len(outcome.settled) == len(batch)
    letters = new_dead_letters(engine, mark)
    invalid = [m for m, ok in zip(batch, verdicts, strict=True) if not ok]
    valid = [m for m, ok in zip(batch, verdicts, strict=True) if ok]
    assert sorted(dl.topic for dl in letters) == sorted(m.msg.topic for m in invalid), [
        dl.reason for dl in letters
    ]
    assert all(dl.reason.strip() and not dl.reason.startswith("internal error") for dl in letters)
    # Every other change belongs to a valid message: its booth or its parcel is named in the row.
    owners = [m.booth for m in valid] + [m.tid for m in valid]
    for table, rows in changed_rows(before, snapshot(engine)).items():
        if table in {"dead_letters", "seq_gaps", "serial_allocation"}:
            continue
        for row in rows:
            assert any(o in row for o in owners), f"{table} changed for an invalid message: {row[:300]}"
    stored = stored_events(engine, {m.booth for m in valid})
    assert len(stored) == len(valid)
    for m in valid:
        env = parse_event(m.msg.payload)
        (row,) = [r for r in stored if r.id == str(env.id)]
        assert row.tracking_id in (None, m.tid), "a tracking number is stored in canonical form"
        wire = DATA_MODELS[env.type].model_validate(env.data).model_dump(mode="json")
        wire.pop("collection_code", None)
        assert {k: v for k, v in row.data.items() if k != "code_hash"} == wire, "data is stored as validated"
        if row.tracking_id is not None:
            assert_parcel_derived(engine, m.tid)


@dataclass
class Journey:
    """Valid events of a few parcels between two fresh booths, in the order the booths wrote them."""

    messages: list[Inbound]
    seen: dict[str, list[SeenEvent]]  # tracking id -> its events
    ready_ids: list[str]
    accepted: set[str]
    last_seq: dict[str, int]


STEPS = [
    [EventType.ACCEPTED],
    [EventType.ACCEPTED, EventType.DISPATCHED],
    [EventType.ACCEPTED, EventType.DISPATCHED, EventType.ARRIVED, EventType.READY],
    [EventType.ACCEPTED, EventType.DISPATCHED, EventType.ARRIVED, EventType.READY, EventType.DELIVERED],
    [EventType.ARRIVED, EventType.READY, EventType.HANDOVER_FAILED, EventType.READY, EventType.DELIVERED],
    [EventType.ACCEPTED, EventType.ARRIVED, EventType.READY, EventType.RETURNED],
    # anomalies: a second acceptance, a delivery at the origin booth that never had it, both ends
    [EventType.ACCEPTED, EventType.ACCEPTED, EventType.ARRIVED, EventType.DELIVERED],
    [EventType.ACCEPTED, EventType.DELIVERED, EventType.RETURNED],
]
# The return leg back to the sender's booth, where the wire contract has it.
_BACK = [t for t in EventType if t.value in ("parcel.return_arrived", "parcel.return_collected")]
if _BACK:
    STEPS.append([EventType.ACCEPTED, EventType.ARRIVED, EventType.READY, EventType.RETURNED, *_BACK])
    STEPS.append([EventType.ACCEPTED, *_BACK, EventType.RETURNED])
AT_ORIGIN = {EventType.ACCEPTED, EventType.DISPATCHED, *_BACK}


@st.composite
def journeys(draw: st.DrawFn) -> Journey:
    """Valid events for 1-4 parcels (some with anomalies) and a cash-up, from two fresh booths."""
    origin, dest = fresh_booth(), fresh_booth()
    seq = {origin: 0, dest: 0}
    out = Journey([], {}, [], set(), seq)
    clock = T0
    plans = draw(st.lists(st.sampled_from(STEPS), min_size=1, max_size=4))
    steps = [(fresh_tid(), t) for plan in plans for t in plan]
    tids = list(dict.fromkeys(t for t, _ in steps))
    for tid, type_ in steps:
        clock += timedelta(seconds=draw(st.integers(0, 4000)))
        booth = origin if type_ in AT_ORIGIN or draw(st.integers(0, 9)) == 0 else dest
        seq[booth] += 1
        data = draw(valid_data(type_, tid, booth))
        if type_ == EventType.ACCEPTED:
            data["destination"] = dest
            out.accepted.add(tid)
        body = envelope(booth, seq[booth], type_, clock.astimezone(draw(OFFSETS)), data)
        if type_ == EventType.READY:
            out.ready_ids.append(body["id"])
        out.messages.append(
            Inbound(topics.booth_topic(booth, topics.EVENT), encode(body, True), mid=1, qos=1)
        )
        out.seen.setdefault(tid, []).append(seen_event(body["id"], type_, utc_text(clock), booth, data))
    assert tids == list(out.seen)
    if draw(st.booleans()):
        seq[dest] += 1
        body = envelope(
            dest, seq[dest], EventType.CASH_CLOSED, clock, draw(valid_data(EventType.CASH_CLOSED, "", dest))
        )
        out.messages.append(
            Inbound(topics.booth_topic(dest, topics.EVENT), encode(body, False), mid=1, qos=1)
        )
    return out


@FUZZ
@given(journeys(), st.data())
def test_valid_events_are_stored_once_in_any_order_and_parcels_are_derived(
    engine: Engine, journey: Journey, data: st.DataObject
) -> None:
    n = len(journey.messages)
    # Every event at least once, some several times, in any order, cut into batches of any size,
    # with junk from the same booths in between.
    order = data.draw(
        st.permutations(list(range(n)) + data.draw(st.lists(st.integers(0, n - 1), max_size=n)))
    )
    junk = data.draw(st.lists(st.tuples(st.integers(0, len(order)), JUNK), max_size=3))
    deliveries: list[Inbound] = [journey.messages[i] for i in order]
    for pos, payload in sorted(junk, reverse=True):
        deliveries.insert(pos, Inbound(journey.messages[0].topic, payload, mid=1, qos=1))
    cuts = sorted(data.draw(st.sets(st.integers(1, max(1, len(deliveries) - 1)), max_size=4)))
    mark = last_dead_letter(engine)
    acks: dict[str, int] = {}
    for lo, hi in itertools.pairwise([0, *cuts, len(deliveries)]):
        if lo < hi:
            outcome = apply(engine, deliveries[lo:hi])
            assert len(outcome.settled) == hi - lo
            for booth, upto in outcome.acks.items():
                assert upto >= acks.get(booth, 0), "an ack never goes back"
                acks[booth] = upto
    assert len(new_dead_letters(engine, mark)) == len(junk)
    booths = set(journey.last_seq)
    stored = stored_events(engine, booths)
    expected_ids = [str(parse_event(m.payload).id) for m in journey.messages]
    assert sorted(r.id for r in stored) == sorted(expected_ids), "each event stored exactly once"
    assert acks == {b: s for b, s in journey.last_seq.items() if s}
    for tid, seen in journey.seen.items():
        assert_parcel_derived(engine, tid)
        with engine.connect() as conn:
            status = conn.execute(select(parcels.c.status).where(parcels.c.tracking_id == tid)).scalar()
        want = derive(seen).status
        assert status == (want.value if want else None), (tid, [e.type.value for e in seen])
    with engine.connect() as conn:
        causes = Counter(
            conn.execute(
                select(notifications.c.cause).where(
                    notifications.c.cause.in_([f"ready:{i}" for i in journey.ready_ids])
                )
            ).scalars()
        )
        assert causes == Counter(f"ready:{i}" for i in journey.ready_ids), "one SMS per ready event"
        manifests = Counter(
            conn.execute(
                select(mqtt_outbox.c.cause).where(
                    mqtt_outbox.c.cause.in_([f"manifest:{t}" for t in journey.seen])
                )
            ).scalars()
        )
        assert manifests == Counter(f"manifest:{t}" for t in journey.accepted), "one manifest per parcel"
