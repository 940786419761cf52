"""`member()`: a list of values bound as one parameter, answered by the column's index.

Ingest looks up to 500 ids a statement several times a batch. With a plain IN list each value was a
parameter of its own and the statement was compiled again for every length; now the list is one
parameter (JSON for SQLite's json_each, an array for PostgreSQL), so the SQL is the same whatever
the list, and the look-up must still go through the index, not read the table.
"""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import Engine, insert, select

from hub.db.engine import make_engine, migrate
from hub.db.schema import booths, events
from hub.db.sql import member
from tests.hub.factory import NOW, arrival_row

IDS = [f"ev-{i:04d}" for i in range(700)]


def _fill(engine: Engine) -> None:
    with engine.begin() as conn:
        conn.execute(insert(booths), [{"booth_id": "BD-1000-01", "registered_at": NOW}])
        conn.execute(
            insert(events), [arrival_row(e, "BD-1000-01", seq) for seq, e in enumerate(IDS, start=1)]
        )


def test_a_list_finds_exactly_its_members_on_both_databases(engine: Engine) -> None:
    """Lists of every size, with values that are not stored, quotes and non-Latin text among them."""
    _fill(engine)
    wanted = [*IDS[::3], "ev-9999", "it's", "রহিমা", 'a"b']
    with engine.connect() as conn:
        found = set(conn.execute(select(events.c.id).where(member(conn, events.c.id, wanted))).scalars())
        assert found == set(IDS[::3])
        assert list(conn.execute(select(events.c.id).where(member(conn, events.c.id, [])))) == []
        one = conn.execute(select(events.c.id).where(member(conn, events.c.id, [IDS[5]]))).scalars().all()
        assert one == [IDS[5]]


def test_the_statement_is_the_same_for_every_list(engine: Engine) -> None:
    with engine.connect() as conn:
        short = select(events.c.id).where(member(conn, events.c.id, IDS[:2]))
        long = select(events.c.id).where(member(conn, events.c.id, IDS))
        assert str(short.compile(conn)) == str(long.compile(conn))


def test_sqlite_looks_each_value_up_in_the_index(tmp_path: Path) -> None:
    """EXPLAIN QUERY PLAN must search events by an index; a SCAN would read the whole table."""
    engine = make_engine(f"sqlite:///{tmp_path / 'hub.sqlite'}")
    try:
        migrate(engine)
        _fill(engine)
        with engine.connect() as conn:
            stmt = select(events.c.id).where(member(conn, events.c.id, IDS[:10])).compile(conn)
            params = tuple(stmt.params[name] for name in stmt.positiontup)
            plan = " | ".join(row[3] for row in conn.exec_driver_sql(f"EXPLAIN QUERY PLAN {stmt}", params))
    finally:
        engine.dispose()
    assert "SEARCH events USING" in plan, plan
    assert "SCAN events" not in plan, plan
