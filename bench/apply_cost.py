"""`python -m bench.apply_cost [--parcels N] [--url URL]`: the hub's cost of applying events, alone.

The ingest workload (4 events a parcel) is applied in batches of 500 through `apply_batch` in this
process, with no broker and no MQTT, and the CPU spent per event is printed. It shows what a change
to the apply path is worth without the noise of the other processes in `python -m bench ingest`.
Under `valgrind --tool=callgrind` its instruction count is repeatable: the difference between two
sizes of run, divided by the difference in events, is the instructions an event.
"""

from __future__ import annotations

import gc
import tempfile
import time
from pathlib import Path

import click
from sqlalchemy import func, select

from bench.ingest_load import workload
from hub.clock import utcnow
from hub.db.engine import make_engine, migrate
from hub.db.schema import events
from hub.ingest.apply import Inbound, apply_batch
from hub.ingest.worker import BATCH_MAX


def apply_cost(url: str, parcels: int) -> tuple[float, int]:
    """CPU µs per event of applying `parcels` parcels' events to the (empty) database at url, and the
    events stored."""
    messages, _, _ = workload(parcels)
    inbound = [Inbound(topic, payload, i + 1, 1, 1) for i, (topic, payload) in enumerate(messages)]
    engine = make_engine(url)
    try:
        migrate(engine)
        gc.collect()
        began = time.process_time()
        for start in range(0, len(inbound), BATCH_MAX):
            with engine.begin() as conn:
                apply_batch(conn, inbound[start : start + BATCH_MAX], utcnow())
        spent = time.process_time() - began
        with engine.connect() as conn:
            stored = int(conn.execute(select(func.count()).select_from(events)).scalar_one())
    finally:
        engine.dispose()
    return spent / len(inbound) * 1e6, stored


@click.command()
@click.option("--parcels", default=5_000, show_default=True, help="Parcels (4 events each).")
@click.option("--url", default=None, help="An empty database (default: a new SQLite file).")
def main(parcels: int, url: str | None) -> None:
    """Print the CPU µs per event of applying the ingest workload in this process."""
    with tempfile.TemporaryDirectory(prefix="dak-apply-cost-") as tmp:
        us, stored = apply_cost(url or f"sqlite:///{Path(tmp) / 'hub.sqlite'}", parcels)
    click.echo(f"{stored:,} events applied: {us:.1f} µs of CPU an event")


if __name__ == "__main__":
    main()
