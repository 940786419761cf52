"""Lifecycle: allowed transitions and state derived from a set of events in any order."""

import itertools
import json
from dataclasses import replace

import pytest
from hypothesis import given
from hypothesis import strategies as st

from parcel.lifecycle import (
    RESULT,
    EventType,
    IllegalTransition,
    SeenEvent,
    Status,
    derive,
    resume,
    sort_key,
    transition,
)

A, B, C = "BD-1000-01", "BD-1207-01", "BD-4000-01"


def ev(
    i: str, t: EventType, booth: str, at: str = "2026-11-01T10:00:00+06:00", dest: str | None = None
) -> SeenEvent:
    return SeenEvent(id=i, type=t, at=at, booth=booth, destination=dest)


JOURNEY = [
    ev("1", EventType.ACCEPTED, A, "2026-11-01T10:00:00+06:00", B),
    ev("2", EventType.DISPATCHED, A, "2026-11-01T12:00:00+06:00"),
    ev("3", EventType.ARRIVED, B, "2026-11-02T09:00:00+06:00"),
    ev("4", EventType.READY, B, "2026-11-02T09:00:01+06:00"),
    ev("5", EventType.DELIVERED, B, "2026-11-02T15:00:00+06:00"),
]


def test_the_journey_in_order() -> None:
    state = None
    for e in JOURNEY:
        state = transition(state, e.type)
    assert state is Status.DELIVERED


@pytest.mark.parametrize(
    ("state", "event"),
    [
        (None, EventType.DELIVERED),
        (Status.ACCEPTED, EventType.DELIVERED),
        (Status.DELIVERED, EventType.READY),
        (Status.RETURNED, EventType.DELIVERED),
        (Status.ARRIVED, EventType.HANDOVER_FAILED),
    ],
)
def test_illegal_transitions_are_refused(state: Status | None, event: EventType) -> None:
    with pytest.raises(IllegalTransition):
        transition(state, event)


def test_derived_state_does_not_depend_on_arrival_order() -> None:
    for order in itertools.permutations(JOURNEY):
        result = derive(order)
        assert result.status is Status.DELIVERED
        assert not result.anomalies
        assert [e.id for e in result.counted] == ["1", "2", "3", "4", "5"]


def test_late_acceptance_after_delivery_changes_nothing() -> None:
    result = derive([JOURNEY[4], JOURNEY[3], JOURNEY[0]])
    assert result.status is Status.DELIVERED


def test_second_acceptance_is_an_anomaly_and_not_counted() -> None:
    again = ev("9", EventType.ACCEPTED, C, "2026-11-01T11:00:00+06:00", C)
    result = derive([*JOURNEY, again])
    assert result.status is Status.DELIVERED
    assert [e.id for e, _ in result.anomalies] == ["9"]
    assert "second parcel.accepted" in result.anomalies[0][1]
    assert "9" not in [e.id for e in result.counted]


def test_delivery_at_a_booth_that_never_received_it_is_an_anomaly() -> None:
    wrong = ev("7", EventType.DELIVERED, C, "2026-11-02T16:00:00+06:00")
    result = derive([*JOURNEY[:4], wrong])
    assert result.status is Status.READY
    assert [e.id for e, _ in result.anomalies] == ["7"]


def test_ready_at_another_booth_than_the_destination_is_an_anomaly() -> None:
    result = derive([JOURNEY[0], ev("8", EventType.READY, C)])
    assert result.status is Status.ACCEPTED
    assert len(result.anomalies) == 1


def test_failed_handover_keeps_the_parcel_ready() -> None:
    failed = ev("6", EventType.HANDOVER_FAILED, B, "2026-11-02T10:00:00+06:00")
    assert derive([*JOURNEY[:4], failed]).status is Status.READY


@given(st.permutations(JOURNEY), st.lists(st.sampled_from(JOURNEY), max_size=5))
def test_duplicates_and_any_order_give_one_history(order: list[SeenEvent], dupes: list[SeenEvent]) -> None:
    # The hub dedupes by id before deriving; derive must still be a function of the set.
    unique = {e.id: e for e in [*order, *dupes]}.values()
    assert derive(unique).status is Status.DELIVERED


# -- the return leg ------------------------------------------------------------------------------

RETURN_LEG = [
    SeenEvent(
        id="1", type=EventType.ACCEPTED, at="2026-11-01T10:00:00+06:00", booth=A, destination=B, origin=A
    ),
    ev("2", EventType.DISPATCHED, A, "2026-11-01T12:00:00+06:00"),
    ev("3", EventType.ARRIVED, B, "2026-11-02T09:00:00+06:00"),
    ev("4", EventType.READY, B, "2026-11-02T09:00:01+06:00"),
    ev("5", EventType.HANDOVER_FAILED, B, "2026-11-02T10:00:00+06:00"),
    ev("6", EventType.RETURNED, B, "2026-11-02T11:00:00+06:00"),
    ev("7", EventType.RETURN_ARRIVED, A, "2026-11-04T09:00:00+06:00"),
    ev("8", EventType.RETURN_COLLECTED, A, "2026-11-05T16:00:00+06:00"),
]


def test_the_return_leg_in_order_at_each_booth() -> None:
    # The destination's own actions, then the sender's booth's own actions (it last saw the parcel dispatched).
    at_b = transition(transition(transition(None, EventType.ARRIVED), EventType.READY), EventType.RETURNED)
    assert at_b is Status.RETURNED
    at_a = transition(transition(None, EventType.ACCEPTED), EventType.DISPATCHED)
    assert transition(transition(at_a, EventType.RETURN_ARRIVED), EventType.RETURN_COLLECTED) is (
        Status.RETURN_COLLECTED
    )
    assert (
        transition(Status.RETURNED, EventType.RETURN_ARRIVED) is Status.RETURN_ARRIVED
    )  # sent here for here
    assert transition(None, EventType.RETURN_ARRIVED) is Status.RETURN_ARRIVED  # unannounced, store lost


@pytest.mark.parametrize(
    ("state", "event"),
    [
        (Status.READY, EventType.RETURN_ARRIVED),
        (Status.DELIVERED, EventType.RETURN_ARRIVED),
        (Status.ACCEPTED, EventType.RETURN_COLLECTED),
        (Status.RETURNED, EventType.RETURN_COLLECTED),
        (Status.RETURN_ARRIVED, EventType.DELIVERED),
        (Status.RETURN_ARRIVED, EventType.RETURN_ARRIVED),
        (Status.RETURN_COLLECTED, EventType.RETURN_COLLECTED),
        (Status.RETURN_COLLECTED, EventType.READY),
    ],
)
def test_return_leg_illegal_transitions_are_refused(state: Status, event: EventType) -> None:
    with pytest.raises(IllegalTransition):
        transition(state, event)


@given(st.permutations(RETURN_LEG), st.lists(st.sampled_from(RETURN_LEG), max_size=5))
def test_return_leg_in_any_order_ends_collected(order: list[SeenEvent], dupes: list[SeenEvent]) -> None:
    unique = {e.id: e for e in [*order, *dupes]}.values()
    derived = derive(unique)
    assert derived.status is Status.RETURN_COLLECTED
    assert derived.anomalies == []
    assert [e.id for e in derived.counted] == ["1", "2", "3", "5", "4", "6", "7", "8"]


def test_every_prefix_of_the_return_leg_in_any_order_ends_at_its_furthest_step() -> None:
    expected = {6: Status.RETURNED, 7: Status.RETURN_ARRIVED, 8: Status.RETURN_COLLECTED}
    for size, status in expected.items():
        for order in itertools.permutations(RETURN_LEG[size - 3 : size]):
            assert derive([*RETURN_LEG[: size - 3], *order]).status is status


def test_a_return_leg_after_a_delivery_is_an_anomaly_and_not_counted() -> None:
    back = [RETURN_LEG[6], RETURN_LEG[7]]
    for order in itertools.permutations([*JOURNEY, *back]):
        derived = derive(order)
        assert derived.status is Status.DELIVERED
        assert {e.id for e, _ in derived.anomalies} == {"7", "8"}
    assert "after the parcel was delivered" in derive([*JOURNEY, *back]).anomalies[0][1]


def test_a_return_arriving_or_collected_at_another_booth_than_the_sender_is_an_anomaly() -> None:
    wrong = ev("7", EventType.RETURN_ARRIVED, C, "2026-11-04T09:00:00+06:00")
    derived = derive([*RETURN_LEG[:6], wrong])
    assert derived.status is Status.RETURNED
    assert derived.anomalies == [(wrong, f"return arrived at {C}, not at the sender's booth {A}")]
    taken = ev("8", EventType.RETURN_COLLECTED, C, "2026-11-05T16:00:00+06:00")
    derived = derive([*RETURN_LEG[:7], taken])
    assert derived.status is Status.RETURN_ARRIVED
    assert derived.anomalies == [(taken, f"return collected at {C}, which never received it (expected {A})")]


def test_a_second_return_arrival_or_collection_is_an_anomaly() -> None:
    again = ev("9", EventType.RETURN_ARRIVED, A, "2026-11-06T09:00:00+06:00")
    twice = ev("10", EventType.RETURN_COLLECTED, A, "2026-11-06T10:00:00+06:00")
    derived = derive([*RETURN_LEG, again, twice])
    assert derived.status is Status.RETURN_COLLECTED
    assert [e.id for e, _ in derived.anomalies] == ["9", "10"]


def test_a_return_scanned_before_the_acceptance_or_return_is_known_still_counts() -> None:
    # The sender's booth delivers its events first; the acceptance and the return come a day late.
    early = derive([RETURN_LEG[6]])
    assert early.status is Status.RETURN_ARRIVED and early.anomalies == []
    assert derive(RETURN_LEG[6:]).status is Status.RETURN_COLLECTED


# --- resuming a derivation from its checkpoint -------------------------------------------------------

EVERY_KIND = [t for t in EventType if t != EventType.CASH_CLOSED]
EVENTS = st.lists(
    st.builds(
        SeenEvent,
        id=st.uuids().map(str),
        type=st.sampled_from(EVERY_KIND),
        at=st.sampled_from([f"2026-11-0{d}T10:00:00.000000+00:00" for d in range(1, 6)]),
        booth=st.sampled_from([A, B, C]),
        destination=st.sampled_from([A, B, C, None]),
        origin=st.sampled_from([A, B, C, None]),
    ).map(lambda e: e if e.type == EventType.ACCEPTED else replace(e, destination=None, origin=None)),
    max_size=10,
)  # as stored events are seen: only an acceptance names booths


@given(EVENTS, st.integers(0, 10))
def test_resuming_from_a_checkpoint_equals_deriving_from_every_event(
    events: list[SeenEvent], cut: int
) -> None:
    """A checkpoint that went through JSON, resumed with the rest: the same state, knowledge and
    anomalies as derive() of the whole set, whenever resume() accepts the rest."""
    first, rest = events[:cut], events[cut:]
    head = derive(first)
    checkpoint = json.loads(json.dumps(head.checkpoint()))
    whole = derive(events)
    resumed = resume(checkpoint, rest)
    if resumed is None:
        assert head.last is not None and any(sort_key(e) <= head.last for e in rest if e.type in RESULT)
        return
    assert (resumed.status, resumed.known, resumed.last) == (whole.status, whole.known, whole.last)
    assert head.anomalies + resumed.anomalies == whole.anomalies
    assert head.counted + resumed.counted == whole.counted


def test_events_in_lifecycle_order_resume_and_an_earlier_one_does_not() -> None:
    head = derive(JOURNEY[:3])
    assert resume(head.checkpoint(), JOURNEY[3:]) is not None
    late_acceptance = ev("9", EventType.ACCEPTED, C, "2026-11-03T10:00:00+06:00", A)
    assert resume(head.checkpoint(), [JOURNEY[3], late_acceptance]) is None


@pytest.mark.parametrize("bad", [None, {}, {"v": 2}, {"v": 1, "status": "lost"}, [1, 2]])
def test_what_is_not_a_checkpoint_is_not_resumed(bad: object) -> None:
    assert resume(bad, JOURNEY) is None
