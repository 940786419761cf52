"""`python -m bench.apply_cost [--parcels N] [--url URL]`: the hub's cost of applying events, alone.

The ingest workload (4 events a parcel) is applied in batches of 500 as an ingest worker applies
them, in this process (its garbage collector tuned as a worker's is), with no broker and no MQTT:
validated first (`check_events`), then applied and committed in one transaction (`apply_batch`).
The CPU spent per event is printed, in all and in the transaction, which on SQLite holds the writer
turn that the workers take one at a time. It shows what a change to the apply path is worth without
the noise of the other processes in `python -m bench ingest`.
Under `valgrind --tool=callgrind` its instruction count is repeatable: the difference between two
sizes of run, divided by the difference in events, is the instructions an event.
"""

from __future__ import annotations

import gc
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

import click
from sqlalchemy import func, select

from bench.ingest_load import workload
from hub.clock import utcnow
from hub.db.engine import make_engine, migrate
from hub.db.schema import events
from hub.ingest.apply import Inbound, apply_batch
from hub.ingest.fast import check_events
from hub.ingest.process import tune_collector
from hub.ingest.worker import BATCH_MAX


@dataclass(frozen=True)
class ApplyCost:
    """CPU µs per event of applying a workload, and the events stored."""

    total_us: float  # validation and transaction
    in_transaction_us: float  # from BEGIN to COMMIT: the writer turn's share on SQLite
    stored: int


def apply_cost(url: str, parcels: int) -> ApplyCost:
    """The cost of applying `parcels` parcels' events to the (empty) database at url, batch by batch
    as an ingest worker does."""
    messages, _, _ = workload(parcels)
    inbound = [Inbound(topic, payload, i + 1, 1, 1) for i, (topic, payload) in enumerate(messages)]
    engine = make_engine(url)
    in_transaction = 0.0
    try:
        migrate(engine)
        gc.collect()
        began = time.process_time()
        for start in range(0, len(inbound), BATCH_MAX):
            batch = inbound[start : start + BATCH_MAX]
            now = utcnow()
            checked = check_events(batch, now)
            entered = time.process_time()
            with engine.begin() as conn:
                apply_batch(conn, batch, now, checked)
            in_transaction += time.process_time() - entered
        spent = time.process_time() - began
        with engine.connect() as conn:
            stored = int(conn.execute(select(func.count()).select_from(events)).scalar_one())
    finally:
        engine.dispose()
    per_event = 1e6 / len(inbound)
    return ApplyCost(spent * per_event, in_transaction * per_event, stored)


@click.command()
@click.option("--parcels", default=5_000, show_default=True, help="Parcels (4 events each).")
@click.option("--url", default=None, help="An empty database (default: a new SQLite file).")
def main(parcels: int, url: str | None) -> None:
    """Print the CPU µs per event of applying the ingest workload in this process."""
    tune_collector()  # as an ingest worker process does (not in apply_cost: it changes the process)
    with tempfile.TemporaryDirectory(prefix="dak-apply-cost-") as tmp:
        cost = apply_cost(url or f"sqlite:///{Path(tmp) / 'hub.sqlite'}", parcels)
    click.echo(
        f"{cost.stored:,} events applied: {cost.total_us:.1f} µs of CPU an event, "
        f"{cost.in_transaction_us:.1f} of them in the transaction"
    )


if __name__ == "__main__":
    main()
