"""Migrations and the apply path on PostgreSQL, in a throwaway database."""

from __future__ import annotations

import secrets
from collections.abc import Iterator
from datetime import timedelta

import pytest
from sqlalchemy import Engine, create_engine, func, select, text
from sqlalchemy.engine import make_url

from hub.db.engine import make_engine, migrate
from hub.db.schema import anomalies, dead_letters, events, mqtt_outbox, notifications, parcels, serial_blocks
from hub.ingest.apply import apply_batch
from hub.tracking import track
from tests.hub.factory import (
    DEST,
    NOW,
    ORIGIN,
    T0,
    accepted,
    arrived,
    delivered,
    event,
    raw_event,
    ready,
    tid,
)

pytestmark = pytest.mark.postgres


@pytest.fixture
def pg_engine(pg_url: str) -> Iterator[Engine]:
    """A migrated, freshly created PostgreSQL database, dropped at teardown."""
    name = f"dakbooth_t_{secrets.token_hex(6)}"
    admin = create_engine(pg_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    engine = make_engine(make_url(pg_url).set(database=name).render_as_string(hide_password=False))
    try:
        migrate(engine)
        migrate(engine)  # idempotent at head
        yield engine
    finally:
        engine.dispose()
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def test_apply_path_on_postgres(pg_engine: Engine) -> None:
    t = tid()
    batch = [
        event(DEST, 2, ready(t, code="482913")),
        event(DEST, 1, arrived(t)),
        raw_event(ORIGIN, b"{broken"),
        event(DEST, 3, delivered(t)),
    ]
    with pg_engine.begin() as conn:
        out = apply_batch(conn, batch, NOW)
    assert out.acks == {DEST: 3, ORIGIN: 0}
    with pg_engine.begin() as conn:
        out = apply_batch(
            conn,
            [
                event(ORIGIN, 1, accepted(t), at=T0),
                event(ORIGIN, 1, accepted(t), at=T0),
                event("BD-2000-01", 1, accepted(t), at=T0 + timedelta(hours=1)),
            ],
            NOW,
        )
    assert out.acks[ORIGIN] == 1
    with pg_engine.connect() as conn:
        assert (
            conn.execute(select(parcels.c.status).where(parcels.c.tracking_id == t)).scalar() == "delivered"
        )
        assert conn.execute(select(func.count()).select_from(events)).scalar() == 5
        assert conn.execute(select(func.count()).select_from(anomalies)).scalar() == 1
        assert conn.execute(select(func.count()).select_from(dead_letters)).scalar() == 2
        assert conn.execute(select(func.count()).select_from(notifications)).scalar() == 1
        assert conn.execute(select(func.count()).select_from(serial_blocks)).scalar() == 3
        assert conn.execute(
            select(mqtt_outbox.c.topic).where(mqtt_outbox.c.cause == f"manifest:{t}")
        ).scalar() == (f"dak/v1/booth/{DEST}/manifest")
        view = track(conn, t)
    assert view is not None and view["events"][0]["type"] == "parcel.accepted"
