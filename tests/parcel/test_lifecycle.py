"""Lifecycle: allowed transitions and state derived from a set of events in any order."""

import itertools

import pytest
from hypothesis import given
from hypothesis import strategies as st

from parcel.lifecycle import EventType, IllegalTransition, SeenEvent, Status, derive, transition

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
