"""The parcel lifecycle: states, event types, the transition function and state derived from a set of events."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any


class Status(StrEnum):
    """Where a parcel is in its life."""

    ACCEPTED = "accepted"
    DISPATCHED = "dispatched"
    ARRIVED = "arrived"
    READY = "ready"
    DELIVERED = "delivered"
    RETURNED = "returned"
    RETURN_ARRIVED = "return_arrived"
    RETURN_COLLECTED = "return_collected"


class EventType(StrEnum):
    """Event types on the wire (UPU EMSEVT code in EMSEVT_CODES where one exists)."""

    ACCEPTED = "parcel.accepted"
    DISPATCHED = "parcel.dispatched"
    ARRIVED = "parcel.arrived"
    READY = "parcel.ready"
    HANDOVER_FAILED = "parcel.handover_failed"
    DELIVERED = "parcel.delivered"
    RETURNED = "parcel.returned"
    RETURN_ARRIVED = "parcel.return_arrived"
    RETURN_COLLECTED = "parcel.return_collected"
    CASH_CLOSED = "cash.closed"


EMSEVT_CODES: dict[EventType, str] = {
    EventType.ACCEPTED: "EMA",
    EventType.DISPATCHED: "EMC",
    EventType.ARRIVED: "EMG",
    EventType.READY: "EDH",
    EventType.HANDOVER_FAILED: "EMH",
    EventType.DELIVERED: "EMI",
}

PARCEL_EVENTS = frozenset(t for t in EventType if t.value.startswith("parcel."))

# The state each event moves a parcel to. A failed handover leaves it ready at the counter.
RESULT: dict[EventType, Status] = {
    EventType.ACCEPTED: Status.ACCEPTED,
    EventType.DISPATCHED: Status.DISPATCHED,
    EventType.ARRIVED: Status.ARRIVED,
    EventType.READY: Status.READY,
    EventType.HANDOVER_FAILED: Status.READY,
    EventType.DELIVERED: Status.DELIVERED,
    EventType.RETURNED: Status.RETURNED,
    EventType.RETURN_ARRIVED: Status.RETURN_ARRIVED,
    EventType.RETURN_COLLECTED: Status.RETURN_COLLECTED,
}

# Place in the lifecycle. Derivation takes the furthest place reached, so arrival order does not matter.
RANK: dict[Status, int] = {
    Status.ACCEPTED: 1,
    Status.DISPATCHED: 2,
    Status.ARRIVED: 3,
    Status.READY: 4,
    Status.DELIVERED: 5,
    Status.RETURNED: 5,
    Status.RETURN_ARRIVED: 6,
    Status.RETURN_COLLECTED: 7,
}

# Allowed edges for a booth applying its own actions in order. Scans may be skipped
# (a parcel can arrive without a dispatch scan), so edges go forward over missed stages.
# The sender's booth last saw its parcel accepted or dispatched, or never saw it (a lost store):
# a return scanned in there skips the stages it only heard about from the hub.
ALLOWED: dict[Status | None, frozenset[EventType]] = {
    None: frozenset({EventType.ACCEPTED, EventType.ARRIVED, EventType.RETURN_ARRIVED}),
    Status.ACCEPTED: frozenset(
        {EventType.DISPATCHED, EventType.ARRIVED, EventType.RETURNED, EventType.RETURN_ARRIVED}
    ),
    Status.DISPATCHED: frozenset({EventType.ARRIVED, EventType.RETURNED, EventType.RETURN_ARRIVED}),
    Status.ARRIVED: frozenset({EventType.READY, EventType.DISPATCHED, EventType.RETURNED}),
    Status.READY: frozenset(
        {EventType.DELIVERED, EventType.HANDOVER_FAILED, EventType.READY, EventType.RETURNED}
    ),
    Status.DELIVERED: frozenset(),
    Status.RETURNED: frozenset({EventType.RETURN_ARRIVED}),
    Status.RETURN_ARRIVED: frozenset({EventType.RETURN_COLLECTED}),
    Status.RETURN_COLLECTED: frozenset(),
}

# Events that may happen once per parcel; a second one with another id is an anomaly.
ONCE = frozenset(
    {
        EventType.ACCEPTED,
        EventType.DELIVERED,
        EventType.RETURNED,
        EventType.RETURN_ARRIVED,
        EventType.RETURN_COLLECTED,
    }
)

# The return leg: events that happen only to a parcel going back to its sender.
RETURN_LEG = frozenset({EventType.RETURNED, EventType.RETURN_ARRIVED, EventType.RETURN_COLLECTED})


class IllegalTransition(ValueError):
    """Raised when an event is not allowed from a parcel's current state."""


def transition(current: Status | None, event: EventType) -> Status:
    """Return the state after event, or raise IllegalTransition naming both."""
    if event not in ALLOWED[current]:
        where = current.value if current else "unknown"
        raise IllegalTransition(f"{event.value} is not allowed for a parcel that is {where}")
    return RESULT[event]


@dataclass(frozen=True)
class SeenEvent:
    """The part of a stored event that derivation needs."""

    id: str
    type: EventType
    at: str
    booth: str
    destination: str | None = None
    origin: str | None = None


SortKey = tuple[int, bool, str, str]


def sort_key(e: SeenEvent) -> SortKey:
    """Where derivation considers an event: lifecycle place (a failed handover before a ready at the
    same place), then time, then id."""
    return (RANK[RESULT[e.type]], e.type != EventType.HANDOVER_FAILED, e.at, e.id)


@dataclass
class Known:
    """What derivation has counted so far, as the conflict rules need it."""

    once: dict[EventType, SeenEvent] = field(default_factory=dict)
    destination: str | None = None
    origin: str | None = None
    ready_at: str | None = None


@dataclass
class Derived:
    """A parcel's state derived from all its events, with anything that conflicts.

    counted and anomalies hold the events this derivation went through (after resume(), only the
    new ones); known and last are where it ended, which checkpoint() keeps to resume from.
    """

    status: Status | None
    counted: list[SeenEvent] = field(default_factory=list)
    anomalies: list[tuple[SeenEvent, str]] = field(default_factory=list)
    known: Known = field(default_factory=Known)
    last: SortKey | None = None

    def counted_once(self, kind: EventType) -> SeenEvent | None:
        """The counted event of a once-only kind (an acceptance, a delivery, a return step), if any."""
        return self.known.once.get(kind)

    def checkpoint(self) -> dict[str, Any]:
        """Where this derivation ended, as JSON-ready data for resume()."""
        return {
            "v": 1,
            "status": self.status.value if self.status else None,
            "last": list(self.last) if self.last else None,
            "once": {k.value: [e.id, e.at, e.booth] for k, e in self.known.once.items()},
            "destination": self.known.destination,
            "origin": self.known.origin,
            "ready_at": self.known.ready_at,
        }


def derive(events: Iterable[SeenEvent]) -> Derived:
    """Derive a parcel's state from the set of its events, independent of arrival order.

    Events are considered in lifecycle order (then time, then id), so a late acceptance
    after a delivery changes nothing. Conflicts are kept as anomalies and not counted.
    """
    return _fold(Derived(status=None), events)


def resume(checkpoint: Any, events: Iterable[SeenEvent]) -> Derived | None:
    """Continue a derivation from its checkpoint() with events it has not seen: the same result as
    derive() of all the events, when every new one comes after the last one considered. None when
    one does not, or the checkpoint is not one: then derive() from the whole set."""
    try:
        start = _from_checkpoint(checkpoint)
    except (KeyError, TypeError, ValueError):
        return None
    new = [e for e in events if e.type in RESULT]
    if start.last is not None and any(sort_key(e) <= start.last for e in new):
        return None
    return _fold(start, new)


_TYPES = {t.value: t for t in EventType}
_STATUSES = {s.value: s for s in Status}


def _from_checkpoint(data: Any) -> Derived:
    if not isinstance(data, dict) or data.get("v") != 1:
        raise ValueError("not a checkpoint")
    last = data["last"]
    destination, origin = data["destination"], data["origin"]
    once: dict[EventType, SeenEvent] = {}
    for k, (i, at, booth) in data["once"].items():
        kind = _TYPES[k]
        if kind == EventType.ACCEPTED:  # the acceptance named the booths that known keeps
            once[kind] = SeenEvent(str(i), kind, str(at), str(booth), destination, origin)
        else:
            once[kind] = SeenEvent(str(i), kind, str(at), str(booth))
    known = Known(once=once, destination=destination, origin=origin, ready_at=data["ready_at"])
    return Derived(
        status=_STATUSES[data["status"]] if data["status"] else None,
        known=known,
        last=(int(last[0]), bool(last[1]), str(last[2]), str(last[3])) if last else None,
    )


def _fold(out: Derived, events: Iterable[SeenEvent]) -> Derived:
    """Go through events in derivation order from where out stands, counting or setting aside each."""
    ordered = sorted((e for e in events if e.type in RESULT), key=sort_key)
    known = out.known
    for e in ordered:
        out.last = sort_key(e)
        reason = _conflict(e, known)
        if reason:
            out.anomalies.append((e, reason))
            continue
        if e.type in ONCE:
            known.once[e.type] = e
        if e.type == EventType.ACCEPTED:
            known.destination = e.destination
            known.origin = e.origin
        if e.type == EventType.READY:
            known.ready_at = e.booth
        out.counted.append(e)
        result = RESULT[e.type]
        if out.status is None or RANK[result] >= RANK[out.status]:
            out.status = result
    return out


def _conflict(e: SeenEvent, known: Known) -> str | None:
    """Why e conflicts with what is already counted, or None."""
    once = known.once
    if e.type in once:
        return f"second {e.type.value} (first was {once[e.type].id})"
    if e.type == EventType.DELIVERED and EventType.RETURNED in once:
        return "delivered after the parcel was returned"
    if e.type in RETURN_LEG and EventType.DELIVERED in once:
        return f"{e.type.value.removeprefix('parcel.')} after the parcel was delivered"
    if e.type == EventType.DELIVERED:
        expected = known.ready_at or known.destination
        if expected is not None and e.booth != expected:
            return f"delivered at {e.booth}, which never received it (expected {expected})"
    if e.type == EventType.READY and known.destination is not None and e.booth != known.destination:
        return f"made ready at {e.booth} but destined for {known.destination}"
    if e.type == EventType.RETURN_ARRIVED and known.origin is not None and e.booth != known.origin:
        return f"return arrived at {e.booth}, not at the sender's booth {known.origin}"
    if e.type == EventType.RETURN_COLLECTED:
        arrived = once.get(EventType.RETURN_ARRIVED)
        expected = arrived.booth if arrived is not None else known.origin
        if expected is not None and e.booth != expected:
            return f"return collected at {e.booth}, which never received it (expected {expected})"
    return None
