"""The cell pushes a tariff to a booth: validated, sent as the booth's retained config, kept in the log."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest
from sqlalchemy import Engine, select

from hub.commands import CommandError, send
from hub.db.schema import commands, mqtt_outbox
from hub.ingest.booths import booth_config, ensure_booth
from parcel.control import BoothConfig

NOW = datetime(2026, 11, 23, 12, 0, tzinfo=UTC)
BOOTH = "BD-1000-01"
TARIFF = {"bands": [{"max_g": 1000, "fee": "60"}, {"max_g": 3000, "fee": "100"}], "extra_per_kg": "30"}


def last_config(engine: Engine) -> BoothConfig:
    with engine.connect() as conn:
        payload = conn.execute(
            select(mqtt_outbox.c.payload)
            .where(mqtt_outbox.c.topic == f"dak/v1/booth/{BOOTH}/config")
            .order_by(mqtt_outbox.c.id.desc())
        ).first()
    assert payload is not None
    return BoothConfig.model_validate_json(payload[0])


def test_a_pushed_tariff_becomes_the_booths_config(engine: Engine) -> None:
    with engine.begin() as conn:
        ensure_booth(conn, BOOTH, NOW)
        send(
            conn,
            BOOTH,
            "push_config",
            {"tariff": json.dumps(TARIFF)},
            timedelta(hours=1),
            actor="asha",
            now=NOW,
        )
    config = last_config(engine)
    assert config.tariff.fee(900, "local") == Decimal("60.00")
    assert config.tariff.fee(2500, "national") == Decimal("150.00")
    assert config.serial_blocks  # the blocks travel with it
    with engine.begin() as conn:  # a later config (a serial top-up) keeps the pushed tariff
        assert booth_config(conn, BOOTH).tariff.fee(900, "local") == Decimal("60.00")


def test_a_bad_tariff_is_refused_and_nothing_is_sent(engine: Engine) -> None:
    with engine.begin() as conn:
        ensure_booth(conn, BOOTH, NOW)
    before = last_config(engine)
    for bad in ('{"bands": []}', "not json", '{"bands": [{"max_g": 500, "fee": "-1"}], "extra_per_kg": "1"}'):
        with pytest.raises(CommandError), engine.begin() as conn:
            send(conn, BOOTH, "push_config", {"tariff": bad}, timedelta(hours=1), actor="asha", now=NOW)
    assert last_config(engine) == before
    with engine.connect() as conn:
        assert conn.execute(select(commands.c.id)).first() is None
