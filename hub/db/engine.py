"""Engine creation (SQLite tuned for concurrent use) and migration to head with Alembic."""

from __future__ import annotations

import sqlite3
from pathlib import Path
from typing import Any

from alembic import command
from alembic.config import Config
from pydantic_core import from_json, to_json
from sqlalchemy import Engine, create_engine, event
from sqlalchemy.exc import OperationalError

from hub.db.turns import TurnTimeout, WriterTurn, turn_file

MIGRATIONS = Path(__file__).with_name("migrations")
BUSY_TIMEOUT_MS = 10_000


class TurnTakingConnection(sqlite3.Connection):
    """pysqlite's connection, holding its writer turn (hub.db.turns) until its COMMIT or ROLLBACK has
    returned. SQLAlchemy's commit and rollback events come before the statement: a writer let in
    there would find SQLite still locked by the commit under way (its sync to disk) and poll for it
    in SQLite's busy handler, in sleeps of 1 ms and more."""

    turn: WriterTurn | None = None

    def commit(self) -> None:
        """Commit, then let the next writer in."""
        try:
            super().commit()
        finally:
            _give_back(self)

    def rollback(self) -> None:
        """Roll back, then let the next writer in."""
        try:
            super().rollback()
        finally:
            _give_back(self)


def _sqlite_connect(dbapi_conn: Any, _record: Any) -> None:
    # Let SQLAlchemy's "begin" hook emit BEGIN so that SAVEPOINT works with pysqlite.
    dbapi_conn.isolation_level = None
    cur = dbapi_conn.cursor()
    cur.execute("PRAGMA journal_mode=WAL")
    cur.execute("PRAGMA foreign_keys=ON")
    cur.execute(f"PRAGMA busy_timeout={BUSY_TIMEOUT_MS}")
    cur.execute("PRAGMA synchronous=FULL")  # an acknowledged event must survive a power cut
    cur.close()


def _sqlite_begin(conn: Any) -> None:
    # The writer turn first (hub.db.turns), then IMMEDIATE takes the write lock up front: no
    # lock-upgrade failures between writers.
    turn = conn.connection.dbapi_connection.turn
    try:
        turn.take(BUSY_TIMEOUT_MS / 1000)
    except TurnTimeout as exc:
        raise OperationalError("BEGIN IMMEDIATE", None, exc) from None
    try:
        conn.exec_driver_sql("BEGIN IMMEDIATE")
    except BaseException:
        turn.give_back()
        raise


def _give_back(dbapi_conn: Any) -> None:
    """Let the next writer in, if this connection holds the turn (pool events may pass None)."""
    turn = getattr(dbapi_conn, "turn", None)
    if turn is not None:
        turn.give_back()


def json_text(value: Any) -> str:
    """JSON columns' text: compact UTF-8 JSON, written by pydantic's serializer (a few times faster
    than the standard library's, and ingest writes two JSON values an event). pydantic's parser
    reads it back (twice as fast: ingest reads each parcel's checkpoint)."""
    return to_json(value).decode()


def make_engine(url: str) -> Engine:
    """An Engine for url; SQLite gets WAL, foreign keys, a busy timeout and savepoint support."""
    if url.startswith("sqlite"):
        engine = create_engine(
            url,
            connect_args={
                "check_same_thread": False,
                "timeout": BUSY_TIMEOUT_MS / 1000,
                "factory": TurnTakingConnection,
            },
            json_serializer=json_text,
            json_deserializer=from_json,
        )
        path = turn_file(url)

        def _give_turn(dbapi_conn: Any, _record: Any) -> None:
            dbapi_conn.turn = WriterTurn(path)

        event.listen(engine, "connect", _sqlite_connect)
        event.listen(engine, "connect", _give_turn)
        # A connection back in the pool, or closed, holds no transaction, however it got there.
        event.listen(engine, "checkin", lambda dbapi_conn, _record: _give_back(dbapi_conn))
        event.listen(engine, "close", lambda dbapi_conn, _record: _give_back(dbapi_conn))
        event.listen(engine, "invalidate", lambda dbapi_conn, _record, _exc: _give_back(dbapi_conn))
        event.listen(engine, "begin", _sqlite_begin)
        return engine
    return create_engine(url, pool_pre_ping=True, json_serializer=json_text, json_deserializer=from_json)


def alembic_config() -> Config:
    """An Alembic Config pointing at the hub's migrations, without any ini file."""
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    return cfg


def migrate(engine: Engine, revision: str = "heads") -> None:
    """Upgrade the database behind engine to revision (every head by default)."""
    cfg = alembic_config()
    with engine.begin() as conn:
        cfg.attributes["connection"] = conn
        command.upgrade(cfg, revision)
