"""The cumulative ack reads only what lies above each booth's ack, however long its history.

The ack query runs once per batch. Read the way a plain join plans on PostgreSQL (hash the booths,
read every event they ever sent, drop those at or below the ack), its cost grew with every booth's
history; here each booth has 2,050 events, 2,000 of them below its ack, and the query's plan must
read no more than the 50 above it.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

from sqlalchemy import Engine, insert, update

from hub.db.schema import booths, events
from hub.ingest.acks import cumulative_acks
from tests.hub.factory import NOW, arrival_row
from tests.hub.statements import recorded

BOOTHS = [f"BD-{1000 + i}-01" for i in range(20)]
HISTORY = 2_000  # events at or below each booth's ack
ABOVE = 50  # events above it


def _fill(engine: Engine) -> None:
    with engine.begin() as conn:
        conn.execute(insert(booths), [{"booth_id": b, "registered_at": NOW} for b in BOOTHS])
        rows = [
            arrival_row(f"{b}-{seq:05d}", b, seq) for b in BOOTHS for seq in range(1, HISTORY + ABOVE + 1)
        ]
        conn.execute(insert(events), rows)
        conn.execute(update(booths).values(ack_upto=HISTORY))
        if conn.dialect.name == "postgresql":
            conn.exec_driver_sql("ANALYZE")


def _captured(engine: Engine) -> tuple[str, Any]:
    """Run cumulative_acks on half the booths and roll it back; the ack query's SQL and parameters
    as sent."""
    with (
        recorded(engine, lambda statement, _many: "row_number" in statement) as seen,
        engine.connect() as conn,
    ):
        acks = cumulative_acks(conn, BOOTHS[:10], NOW)
        conn.rollback()
    assert acks == dict.fromkeys(BOOTHS[:10], HISTORY + ABOVE)
    assert len(seen) == 1
    return seen[0]


def _nodes(plan: dict[str, Any]) -> Iterator[dict[str, Any]]:
    yield plan
    for child in plan.get("Plans", []):
        yield from _nodes(child)


def test_ack_query_reads_only_events_above_the_ack(engine: Engine) -> None:
    _fill(engine)
    statement, parameters = _captured(engine)
    with engine.connect() as conn:
        if conn.dialect.name == "postgresql":
            raw = conn.exec_driver_sql("EXPLAIN (ANALYZE, FORMAT JSON) " + statement, parameters).scalar_one()
            plan = (raw if isinstance(raw, list) else json.loads(raw))[0]["Plan"]
            read = sum(
                node["Actual Rows"] * node["Actual Loops"]
                for node in _nodes(plan)
                if node.get("Relation Name") == "events"
            )
            # The ten chosen booths hold 20,500 events, 500 of them above their acks.
            assert 0 < read <= 10 * ABOVE, plan
        else:
            steps = [row[3] for row in conn.exec_driver_sql("EXPLAIN QUERY PLAN " + statement, parameters)]
            on_events = [s for s in steps if " events " in f"{s} "]
            assert on_events, steps
            assert all("booth=? AND seq>?" in s for s in on_events), steps
