"""The local store: durability pragmas, schema version, seq never reused, ack bookkeeping."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

from kiosk.store import Store, outbox
from kiosk.store.db import SCHEMA_VERSION
from parcel.lifecycle import EventType
from parcel.messages import Dispatched, parse_event

NOW = datetime(2026, 1, 1, tzinfo=UTC)
TID = "CP123456785BD"


def add_event(store: Store) -> int:
    with store.transaction() as tx:
        return outbox.append(tx, "BD-1000-01", EventType.DISPATCHED, NOW, Dispatched(tracking_id=TID))


def test_wal_synchronous_full_and_schema_version(tmp_path: Path) -> None:
    store = Store(tmp_path / "k.sqlite")
    try:
        assert str(store.pragma("journal_mode")).lower() == "wal"
        assert store.pragma("synchronous") == 2  # FULL
        assert store.pragma("user_version") == SCHEMA_VERSION
    finally:
        store.close()


def test_seq_starts_at_1_persists_and_is_never_reused(tmp_path: Path) -> None:
    path = tmp_path / "k.sqlite"
    store = Store(path)
    assert [add_event(store) for _ in range(3)] == [1, 2, 3]
    with store.transaction() as tx:
        outbox.ack(tx, 3)
        assert outbox.depth(tx)[0] == 0
    store.close()
    reopened = Store(path)
    try:
        assert add_event(reopened) == 4
        with reopened.read() as tx:
            (row,) = outbox.after(tx, 0, 10)
        envelope = parse_event(row.payload, topic_booth="BD-1000-01")
        assert envelope.seq == 4 and envelope.type == EventType.DISPATCHED
    finally:
        reopened.close()


def test_failed_transaction_does_not_consume_a_seq(tmp_path: Path) -> None:
    store = Store(tmp_path / "k.sqlite")
    try:
        try:
            with store.transaction() as tx:
                outbox.append(tx, "BD-1000-01", EventType.DISPATCHED, NOW, Dispatched(tracking_id=TID))
                raise RuntimeError("boom")
        except RuntimeError:
            pass
        assert add_event(store) == 1
    finally:
        store.close()


def test_ack_keeps_the_highest_and_never_passes_the_last_seq(tmp_path: Path) -> None:
    store = Store(tmp_path / "k.sqlite")
    try:
        for _ in range(5):
            add_event(store)
        with store.transaction() as tx:
            assert outbox.ack(tx, 3) == 3
            assert outbox.ack(tx, 2) == 3  # an older ack from another hub worker
            assert [r.seq for r in outbox.after(tx, 0, 10)] == [4, 5]
            assert outbox.ack(tx, 99) == 5  # never beyond what was issued
            assert outbox.depth(tx) == (0, None)
    finally:
        store.close()
