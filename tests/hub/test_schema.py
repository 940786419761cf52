"""The migrations build exactly the tables of hub/db/schema.py, and the hub's queries use indexes."""

from __future__ import annotations

import re
from pathlib import Path

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import Engine

from hub.clock import utcnow
from hub.db.engine import make_engine
from hub.db.schema import metadata
from hub.merchant.cod import reconciliation
from hub.monitoring.fleet import read_slow
from tests.hub import test_merchant
from tests.hub.sinks import WebhookSink
from tests.hub.statements import recorded


def test_migrations_match_the_schema(any_engine: Engine) -> None:
    with any_engine.connect() as conn:
        diff = compare_metadata(MigrationContext.configure(conn), metadata)
    assert diff == []


def test_every_query_of_the_merchant_flow_uses_an_index(engine: Engine) -> None:
    if engine.dialect.name != "sqlite":
        return  # the plan check reads SQLite's EXPLAIN QUERY PLAN; the schema is the same on both

    def reads_or_writes_rows(statement: str, many: bool) -> bool:
        return statement.lstrip().upper().startswith(("SELECT", "UPDATE", "DELETE")) and not many

    sink = WebhookSink().start()
    try:
        with recorded(engine, reads_or_writes_rows) as seen:
            test_merchant.test_merchant_preadvises_follows_and_gets_paid(test_merchant._hub(engine), sink)
    finally:
        sink.stop()
    # Whole-table reads are fine only where the table is tiny by design or the query aggregates all of it;
    # reading a subquery's own result (anon_N) is not a table read: its tables show in their own rows.
    small = {"serial_allocation", "alembic_version", "payout_accounts"}
    scans: set[str] = set()
    with engine.connect() as conn:
        for statement, params in seen:
            for row in conn.exec_driver_sql("EXPLAIN QUERY PLAN " + statement, params):
                detail = row[-1]
                m = re.match(r"SCAN (\w+)(?! USING)", detail)
                if (
                    m
                    and m.group(1) not in small
                    and not m.group(1).startswith("anon_")
                    and "USING" not in detail
                ):
                    scans.add(f"{detail} :: {statement[:160]}")
    assert len(seen) > 50  # the flow really ran through the recorder
    assert sorted(scans) == []


def test_cash_up_reads_use_the_partial_index(engine: Engine) -> None:
    """Reconciliation and the fleet view find the cash-ups through the index that holds only them
    (it is used only when the query names the type as a literal, which CASH_CLOSED does)."""
    with (
        recorded(engine, lambda statement, _many: "cash.closed" in statement) as seen,
        engine.connect() as conn,
    ):
        reconciliation(conn, "2026-11-20")
        read_slow(conn, utcnow())
    assert len(seen) == 2  # both queries name the type inline, not as a parameter
    with engine.begin() as conn:
        if engine.dialect.name == "postgresql":
            conn.exec_driver_sql("SET LOCAL enable_seqscan = off")  # an empty table: ask for the index
        plans = [
            " ".join(
                str(row[-1]) for row in conn.exec_driver_sql(f"EXPLAIN {_PLAN[engine.dialect.name]}{s}", p)
            )
            for s, p in seen
        ]
    # Reconciliation by time, the fleet view by booth; neither reads the parcel events.
    assert "ix_events_cash_closed_at" in plans[0], plans
    assert "ix_events_cash_closed_booth" in plans[1], plans


_PLAN = {"sqlite": "QUERY PLAN ", "postgresql": ""}


def test_a_sqlite_hub_commits_durably(tmp_path: Path) -> None:
    """Booths delete an event once the hub acknowledges it, and the hub acknowledges after its
    commit: so the commit must survive a power cut (WAL with synchronous FULL, as on the kiosk)."""
    engine = make_engine(f"sqlite:///{tmp_path / 'hub.sqlite'}")
    try:
        with engine.connect() as conn:
            assert str(conn.exec_driver_sql("PRAGMA journal_mode").scalar()).lower() == "wal"
            assert conn.exec_driver_sql("PRAGMA synchronous").scalar() == 2  # FULL
    finally:
        engine.dispose()
