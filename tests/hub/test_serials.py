"""Serial ranges never overlap and roll over to the next parcel service indicator when one is used up."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import Engine, select

from hub.db.schema import serial_allocation, serial_blocks
from hub.ingest.booths import BLOCK_SIZE, ensure_booth
from hub.serials import LIMIT, claim_range

NOW = datetime(2026, 11, 23, 12, 0, tzinfo=UTC)


def test_a_full_service_indicator_rolls_over_to_the_next(engine: Engine) -> None:
    with engine.begin() as conn:
        first = claim_range(conn, 10)
        assert first[0] == "CP"
        conn.execute(
            serial_allocation.update().where(serial_allocation.c.service == "CP").values(top=LIMIT - 5)
        )
        service, start = claim_range(conn, 10)  # 5 left under CP: not enough
        assert (service, start) == ("CA", 10_000_000)
        assert claim_range(conn, 10) == ("CA", 10_000_010)


def test_booths_past_one_indicator_still_register(engine: Engine) -> None:
    with engine.begin() as conn:
        claim_range(conn, 1)
        conn.execute(
            serial_allocation.update()
            .where(serial_allocation.c.service == "CP")
            .values(top=LIMIT - BLOCK_SIZE - 1)
        )
        assert ensure_booth(conn, "BD-1000-01", NOW)
        assert ensure_booth(conn, "BD-1000-02", NOW)
        rows = conn.execute(select(serial_blocks.c.booth_id, serial_blocks.c.service)).all()
    assert sorted(rows) == [("BD-1000-01", "CP"), ("BD-1000-02", "CA")]


def test_running_out_of_serials_dead_letters_the_message_and_ingest_goes_on(engine: Engine, apply) -> None:  # type: ignore[no-untyped-def]
    from hub.db.schema import dead_letters, events
    from parcel.s10 import PARCEL_SERVICES
    from tests.hub.factory import accepted, event, leaf, tid

    assert apply(event("BD-1000-01", 1, accepted(tid(1))))  # a known booth
    with engine.begin() as conn:
        claim_range(conn, 1)
        for service in PARCEL_SERVICES:
            claim = conn.execute(
                select(serial_allocation.c.service).where(serial_allocation.c.service == service)
            )
            if claim.first() is None:
                conn.execute(serial_allocation.insert().values(service=service, top=LIMIT))
        conn.execute(serial_allocation.update().values(top=LIMIT))
    stranger = leaf("BD-9000-01", "status", {"state": "online", "at": NOW.isoformat()})
    outcome = apply(stranger, event("BD-1000-01", 2, accepted(tid(2))))
    assert stranger in outcome.settled  # acknowledged, so it is not redelivered for ever
    assert outcome.acks == {"BD-1000-01": 2}  # the rest of the batch went through
    with engine.connect() as conn:
        reasons = [r for (r,) in conn.execute(select(dead_letters.c.reason))]
        assert any("SerialsExhausted" in r for r in reasons), reasons
        assert conn.execute(select(events.c.seq).where(events.c.booth == "BD-1000-01")).scalars().all() == [
            1,
            2,
        ]
