"""Many rows in one go (hub.db.bulk), on SQLite and PostgreSQL: what is written reads back exactly,
conflicts and errors behave as for plain INSERT and UPDATE, and PostgreSQL's staging table is empty
after every use, inside a transaction, after a rolled-back savepoint and across commits."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import Engine, func, select, text
from sqlalchemy.exc import IntegrityError

from hub.db.bulk import insert_rows, update_rows
from hub.db.schema import anomalies, booths, events, notify_schedule, parcels
from tests.hub.conftest import throwaway_pg

NOW = datetime(2026, 11, 24, 9, 30, 0, 123456, tzinfo=UTC)
# What COPY's text format must escape, with Bengali beside it.
AWKWARD = 'রহিমা বেগম\t"quoted"\\back\\slash\nnew line, {braces} and NULL \\N'


def _event(n: int, data: dict[str, Any] | None = None) -> dict[str, Any]:
    return {
        "id": f"e-{n}",
        "booth": "BD-1000-01",
        "seq": n,
        "type": "parcel.accepted",
        "at": NOW + timedelta(seconds=n),
        "tracking_id": None if n % 2 else f"CP{n:09d}BD",
        "data": data if data is not None else {"n": n},
        "received_at": NOW,
    }


def _parcel(tracking_id: str, status: str = "accepted") -> dict[str, Any]:
    return {
        "tracking_id": tracking_id,
        "status": status,
        "origin": "BD-1000-01",
        "cod_amount": "1250.50",
        "weight_g": 800,
        "updated_at": NOW,
        "derivation": {"status": status},
    }


def _schedule(tracking_id: str, booth: str, days: int) -> dict[str, Any]:
    return {
        "tracking_id": tracking_id,
        "booth": booth,
        "ready_at": NOW,
        "expires_at": NOW + timedelta(days=days),
        "due_at": NOW,
    }


def _upsert(stmt: Any) -> Any:
    return stmt.on_conflict_do_update(
        index_elements=["tracking_id"],
        set_={"booth": stmt.excluded.booth, "expires_at": stmt.excluded.expires_at},
    )


def test_inserted_rows_read_back_exactly(engine: Engine) -> None:
    rows = [_event(1, {"name": AWKWARD, "nested": {"list": [1, None, "৳১২৫০"]}}), _event(2), _event(3)]
    with engine.begin() as conn:
        insert_rows(conn, events, rows)
    with engine.connect() as conn:
        got = [r._asdict() for r in conn.execute(select(events).order_by(events.c.seq))]
    assert got == rows


def test_left_out_columns_take_server_defaults(engine: Engine) -> None:
    with engine.begin() as conn:
        insert_rows(conn, events, [_event(2)])
        insert_rows(
            conn,
            anomalies,
            [{"event_id": "e-2", "tracking_id": "CP000000002BD", "reason": r} for r in ("one", AWKWARD)],
        )
        got = conn.execute(select(anomalies.c.id, anomalies.c.reason).order_by(anomalies.c.id)).all()
    assert [r.reason for r in got] == ["one", AWKWARD]
    assert got[0].id < got[1].id


def test_a_duplicate_key_fails_like_insert_and_the_transaction_keeps_nothing(engine: Engine) -> None:
    with engine.begin() as conn:
        insert_rows(conn, events, [_event(1)])
    with pytest.raises(IntegrityError), engine.begin() as conn:
        insert_rows(conn, events, [_event(2), _event(1)])
    with engine.connect() as conn:
        assert conn.execute(select(events.c.id)).scalars().all() == ["e-1"]


def test_update_sets_only_the_given_columns_of_the_matching_rows(engine: Engine) -> None:
    with engine.begin() as conn:
        insert_rows(conn, parcels, [_parcel("CP1"), _parcel("CP2"), _parcel("CP3")])
        later = NOW + timedelta(hours=1)
        update_rows(
            conn,
            parcels,
            "tracking_id",
            [
                {
                    "tracking_id": "CP1",
                    "status": "ready",
                    "updated_at": later,
                    "derivation": {"why": AWKWARD},
                },
                {"tracking_id": "CP3", "status": "arrived", "updated_at": later, "derivation": None},
                {
                    "tracking_id": "CP9",
                    "status": "ready",
                    "updated_at": later,
                    "derivation": None,
                },  # no such row
            ],
        )
        # The same table again in the same transaction, with other columns.
        update_rows(conn, parcels, "tracking_id", [{"tracking_id": "CP2", "weight_g": 1200}])
    with engine.connect() as conn:
        got = {r.tracking_id: r for r in conn.execute(select(parcels))}
    assert set(got) == {"CP1", "CP2", "CP3"}
    assert (got["CP1"].status, got["CP1"].updated_at, got["CP1"].derivation) == (
        "ready",
        later,
        {"why": AWKWARD},
    )
    assert (got["CP3"].status, got["CP3"].derivation) == ("arrived", None)
    assert (got["CP2"].status, got["CP2"].weight_g, got["CP2"].updated_at) == ("accepted", 1200, NOW)
    assert all(str(r.cod_amount) == "1250.50" and r.origin == "BD-1000-01" for r in got.values())


def test_a_forward_column_never_moves_back(engine: Engine) -> None:
    with engine.begin() as conn:
        insert_rows(
            conn,
            booths,
            [
                {"booth_id": b, "registered_at": NOW, "ack_upto": upto, "last_seen": seen}
                for b, upto, seen in [
                    ("BD-1000-01", 10, NOW),
                    ("BD-1007-01", 10, None),
                    ("BD-1014-01", 10, NOW),
                ]
            ],
        )
        earlier, later = NOW - timedelta(minutes=5), NOW + timedelta(minutes=5)
        seen = [
            {"booth_id": "BD-1000-01", "last_seen": earlier},  # behind: stays
            {"booth_id": "BD-1007-01", "last_seen": earlier},  # none yet: set
            {"booth_id": "BD-1014-01", "last_seen": later},  # ahead: moves
        ]
        update_rows(conn, booths, "booth_id", seen, forward="last_seen")
        acks = [
            {"booth_id": "BD-1000-01", "ack_upto": 9},
            {"booth_id": "BD-1007-01", "ack_upto": 10},
            {"booth_id": "BD-1014-01", "ack_upto": 11},
        ]
        update_rows(conn, booths, "booth_id", acks, forward="ack_upto")
        with pytest.raises(ValueError, match="move forward"):
            update_rows(conn, booths, "booth_id", acks, forward="last_seen")
    with engine.connect() as conn:
        got = {r.booth_id: (r.last_seen, r.ack_upto) for r in conn.execute(select(booths))}
    assert got == {
        "BD-1000-01": (NOW, 10),
        "BD-1007-01": (earlier, 10),
        "BD-1014-01": (later, 11),
    }


def test_conflicts_skip_or_update_and_the_stage_is_empty_after_each_use(engine: Engine) -> None:
    with engine.begin() as conn:
        insert_rows(conn, notify_schedule, [_schedule("CP1", "BD-1000-01", 7)], _upsert)
        # Were CP1's row still staged, this statement would touch CP1 twice, which PostgreSQL refuses.
        insert_rows(conn, notify_schedule, [_schedule("CP1", "BD-1007-01", 9)], _upsert)
        insert_rows(
            conn,
            notify_schedule,
            [_schedule("CP1", "BD-2000-01", 1), _schedule("CP2", "BD-2000-01", 1)],
            lambda stmt: stmt.on_conflict_do_nothing(index_elements=["tracking_id"]),
        )
    with engine.begin() as conn:  # a new transaction on the same pooled connection
        insert_rows(conn, notify_schedule, [_schedule("CP2", "BD-3000-01", 3)], _upsert)
    with engine.connect() as conn:
        got = {r.tracking_id: (r.booth, r.expires_at) for r in conn.execute(select(notify_schedule))}
    assert got == {
        "CP1": ("BD-1007-01", NOW + timedelta(days=9)),
        "CP2": ("BD-3000-01", NOW + timedelta(days=3)),
    }


def test_a_rolled_back_savepoint_leaves_nothing_staged(engine: Engine) -> None:
    with engine.begin() as conn:
        insert_rows(conn, parcels, [_parcel("CP1")])
    with engine.begin() as conn:
        with pytest.raises(RuntimeError), conn.begin_nested():
            # On PostgreSQL the first use on this connection creates the stage: that is undone too.
            update_rows(conn, parcels, "tracking_id", [{"tracking_id": "CP1", "status": "lost"}])
            raise RuntimeError("the batch failed after its update")
        insert_rows(conn, notify_schedule, [_schedule("CP1", "BD-1000-01", 7)], _upsert)
        update_rows(conn, parcels, "tracking_id", [{"tracking_id": "CP1", "weight_g": 5}])
    with engine.connect() as conn:
        row = conn.execute(select(parcels.c.status, parcels.c.weight_g)).one()
        assert conn.execute(select(func.count()).select_from(notify_schedule)).scalar() == 1
    assert (row.status, row.weight_g) == ("accepted", 5)


def test_rows_must_name_known_columns_and_the_key(engine: Engine) -> None:
    with engine.begin() as conn:
        with pytest.raises(ValueError, match="no column colour"):
            insert_rows(conn, parcels, [{**_parcel("CP1"), "colour": "red"}])
        with pytest.raises(ValueError, match="key column"):
            update_rows(conn, parcels, "tracking_id", [{"status": "ready"}])
        assert conn.execute(select(func.count()).select_from(parcels)).scalar() == 0


@pytest.mark.postgres
def test_the_stage_takes_no_room_once_committed(pg_url: str) -> None:
    """PostgreSQL does not vacuum temporary tables, so rows taken out of the stage would leave their
    dead versions behind, batch after batch; emptying it at commit gives its pages back instead."""
    with throwaway_pg(pg_url) as engine, engine.connect() as conn:
        with conn.begin():
            insert_rows(conn, parcels, [_parcel(f"CP{i}") for i in range(200)])
        for status in ("arrived", "ready"):
            with conn.begin():
                update_rows(
                    conn,
                    parcels,
                    "tracking_id",
                    [{"tracking_id": f"CP{i}", "status": status} for i in range(200)],
                )
                assert conn.execute(text("SELECT pg_relation_size('stage_parcels')")).scalar() > 0
            assert conn.execute(text("SELECT pg_relation_size('stage_parcels')")).scalar() == 0
            conn.commit()
        assert set(conn.execute(select(parcels.c.status)).scalars()) == {"ready"}
