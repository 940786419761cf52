"""Fixtures for hub tests: a migrated SQLite database and an apply helper."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import datetime
from pathlib import Path

import pytest
from sqlalchemy import Engine

from hub.db.engine import make_engine, migrate
from hub.ingest.apply import Inbound, Outcome, apply_batch
from tests.hub.factory import NOW


@pytest.fixture
def engine(tmp_path: Path) -> Iterator[Engine]:
    """A migrated SQLite hub database in a temporary directory."""
    eng = make_engine(f"sqlite:///{tmp_path / 'hub.sqlite'}")
    migrate(eng)
    try:
        yield eng
    finally:
        eng.dispose()


ApplyFn = Callable[..., Outcome]


@pytest.fixture
def apply(engine: Engine) -> ApplyFn:
    """Apply messages as one committed batch, the way the ingest worker does."""

    def _apply(*messages: Inbound, now: datetime = NOW) -> Outcome:
        with engine.begin() as conn:
            return apply_batch(conn, list(messages), now)

    return _apply
