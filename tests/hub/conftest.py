"""Fixtures for hub tests: a migrated SQLite database and an apply helper."""

from __future__ import annotations

import secrets
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import datetime
from pathlib import Path

import pytest
from sqlalchemy import Engine, create_engine, text
from sqlalchemy.engine import make_url

from hub.db.engine import make_engine, migrate
from hub.ingest.apply import Inbound, Outcome, apply_batch
from tests.hub.factory import NOW


@pytest.fixture
def engine(any_engine: Engine) -> Engine:
    """A migrated hub database: every test using it runs on SQLite and on PostgreSQL."""
    return any_engine


ApplyFn = Callable[..., Outcome]


@pytest.fixture
def apply(engine: Engine) -> ApplyFn:
    """Apply messages as one committed batch, the way the ingest worker does."""

    def _apply(*messages: Inbound, now: datetime = NOW) -> Outcome:
        with engine.begin() as conn:
            return apply_batch(conn, list(messages), now)

    return _apply


@contextmanager
def throwaway_pg(pg_url: str) -> Iterator[Engine]:
    """A migrated, freshly created PostgreSQL database, dropped on exit."""
    name = f"dakbooth_t_{secrets.token_hex(6)}"
    admin = create_engine(pg_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    eng = make_engine(make_url(pg_url).set(database=name).render_as_string(hide_password=False))
    try:
        migrate(eng)
        yield eng
    finally:
        eng.dispose()
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def any_engine(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Engine]:
    """A migrated hub database: SQLite, then PostgreSQL (the same tests run against both)."""
    if request.param == "sqlite":
        eng = make_engine(f"sqlite:///{tmp_path / 'hub.sqlite'}")
        migrate(eng)
        try:
            yield eng
        finally:
            eng.dispose()
    else:
        with throwaway_pg(request.getfixturevalue("pg_url")) as eng:
            yield eng


@pytest.fixture
def no_fallback(caplog: pytest.LogCaptureFixture) -> Iterator[None]:
    """Fail the test if a set-based ingest path gave up and fell back to applying one by one."""
    with caplog.at_level("WARNING", logger="hub.ingest.apply"):
        yield
    fallbacks = [r.getMessage() for r in caplog.get_records("call") if "one by one" in r.getMessage()]
    assert not fallbacks, fallbacks
