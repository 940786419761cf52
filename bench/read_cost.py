"""`python -m bench.read_cost [--parcels N]`: an ingest worker's cost of reading and acknowledging
its messages, alone.

The ingest workload (4 events a parcel) goes from a publisher process through a Mosquitto of its own
to one ingest worker's loop (`hub.ingest.loop.IngestLoop`, paho through its external-loop calls)
that settles every batch without a database: it reads, batches and PUBACKs as a worker does, and
applies nothing. The CPU this process spent per message is what the hub pays for MQTT before any
validation or database work, the floor under every worker's figure in `python -m bench ingest`.
The same messages through a bare paho subscriber (the pipe's) are measured beside it in the same run.
"""

from __future__ import annotations

import tempfile
import threading
import time
from dataclasses import dataclass
from pathlib import Path

import click

from bench.ingest_load import Message, publisher, raw_rate, workload
from demo.processes import Mosquitto
from hub.config import BrokerConfig
from hub.db.engine import make_engine
from hub.ingest.apply import Inbound, Outcome
from hub.ingest.loop import IngestLoop
from hub.ingest.process import tune_collector

SESSION_EXPIRY_S = 300


class SettlingLoop(IngestLoop):
    """An ingest loop that acknowledges each batch as it is due, with no database work."""

    settled = 0

    def _process(self, batch: list[Inbound]) -> None:
        del self.pending[: len(batch)]
        self._acknowledge(Outcome(settled=list(batch)))
        self._first_at = time.monotonic()
        self.settled += len(batch)


@dataclass(frozen=True)
class ReadCost:
    """CPU µs per message of a worker loop that reads and acknowledges only, and the messages."""

    per_message_us: float
    rate: float  # messages/s settled
    messages: int


def read_cost(tmp: Path, messages: list[Message]) -> ReadCost:
    """Send messages (the workload's) through a broker of its own to a SettlingLoop in this process."""
    broker = Mosquitto(tmp / "broker")
    broker.start()
    engine = make_engine(f"sqlite:///{tmp / 'unused.sqlite'}")  # the loop's, never touched here
    loop = SettlingLoop(BrokerConfig(url=broker.url, client_id="bench-read-cost"), engine, SESSION_EXPIRY_S)
    stop = threading.Event()
    thread = threading.Thread(target=loop.run, args=(stop,), name="read-cost")
    thread.start()
    try:
        deadline = time.monotonic() + 30
        while not loop.subscribed:
            if time.monotonic() > deadline:
                raise RuntimeError("the loop did not subscribe")
            time.sleep(0.05)
        with publisher(broker.port, messages) as (go, _pid):
            began, start = time.process_time(), time.monotonic()
            go.set()
            deadline = start + 600
            while loop.settled < len(messages):
                if time.monotonic() > deadline:
                    raise RuntimeError(f"{loop.settled} of {len(messages)} messages settled")
                time.sleep(0.005)
            spent, elapsed = time.process_time() - began, time.monotonic() - start
    finally:
        stop.set()
        thread.join(30)
        broker.stop()
        engine.dispose()
    return ReadCost(spent / len(messages) * 1e6, len(messages) / elapsed, len(messages))


@click.command()
@click.option("--parcels", default=10_000, show_default=True, help="Parcels (4 events each).")
def main(parcels: int) -> None:
    """Print the CPU µs per message of reading and acknowledging, beside a bare paho subscriber's."""
    tune_collector()  # as an ingest worker process does
    messages, _, _ = workload(parcels)
    with tempfile.TemporaryDirectory(prefix="dak-read-cost-") as tmp:
        cost = read_cost(Path(tmp), messages)
        rate, cpu = raw_rate(Path(tmp), messages)
    click.echo(
        f"{cost.messages:,} messages: an ingest worker's loop reading and acknowledging, no database: "
        f"{cost.per_message_us:.1f} µs of CPU a message ({cost.rate:,.0f} messages/s); "
        f"a bare paho subscriber: {cpu['subscriber (this process)']:.1f} µs ({rate:,.0f} messages/s)"
    )


if __name__ == "__main__":
    main()
