"""A read-only engine for the monitoring cell's queries.

The hub's main SQLite engine starts every transaction with BEGIN IMMEDIATE (the write lock), which
is right for writers but makes a dashboard read wait behind ingest. WAL lets readers run beside the
writer, so the cell reads through its own engine that begins plain (deferred) read transactions.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import Engine, create_engine, event

BUSY_TIMEOUT_MS = 10_000


def _connect(dbapi_conn: Any, _record: Any) -> None:
    cur = dbapi_conn.cursor()
    cur.execute(f"PRAGMA busy_timeout={BUSY_TIMEOUT_MS}")
    cur.execute("PRAGMA query_only=ON")
    cur.close()


def reader_engine(main: Engine) -> Engine:
    """An engine for reads beside main: for SQLite a query-only one without the write lock, else main."""
    if main.dialect.name != "sqlite":
        return main
    engine = create_engine(
        main.url, connect_args={"check_same_thread": False, "timeout": BUSY_TIMEOUT_MS / 1000}
    )
    event.listen(engine, "connect", _connect)
    return engine
