"""Backlog drain through a real kiosk: a booth offline for a day comes back with its outbox full.

The events are written into the kiosk's own store while it is stopped (as its counter would have
during the outage: whole journeys of parcels, each event numbered by the outbox), then the kiosk
process starts, connects through its uplink and sends them; the figure is events per second from
its connection to the hub's cumulative ack covering the last one.
"""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path

from bench.echo import EchoThread
from demo.client import KioskClient, wait_until
from demo.stack import BoothSpec, Stack
from kiosk.store import Store, outbox
from parcel import s10
from parcel.lifecycle import EventType
from parcel.messages import Accepted, Arrived, Delivered, Dispatched, Ready, Recipient, Strict

BOOTH = "BD-1100-01"
DRAIN_TIMEOUT_S = 600


def append_journeys(
    store_path: Path, booth: str, journeys: int, first_serial: int, service: str = "CP"
) -> int:
    """Write whole journeys of parcels taken in and handed over at booth (5 events each: accepted,
    dispatched, arrived, ready, delivered) into a kiosk store's outbox in one transaction, as its
    counter would; return the booth's last seq. Safe beside a running kiosk (SQLite takes turns)."""
    store = Store(store_path)
    at = datetime.now(UTC) - timedelta(days=1)
    cod = Decimal("450.00")
    try:
        with store.transaction() as tx:
            for i in range(journeys):
                tid = s10.make(service, first_serial + i)
                expires = at + timedelta(days=7)
                steps: list[tuple[EventType, Strict]] = [
                    (
                        EventType.ACCEPTED,
                        Accepted(
                            tracking_id=tid,
                            origin=booth,
                            destination=booth,
                            recipient=Recipient(name="সুমাইয়া আক্তার", phone="01812345678"),
                            cod_amount=cod,
                            fee=Decimal("70"),
                            weight_g=600,
                        ),
                    ),
                    (EventType.DISPATCHED, Dispatched(tracking_id=tid)),
                    (EventType.ARRIVED, Arrived(tracking_id=tid)),
                    (
                        EventType.READY,
                        Ready(tracking_id=tid, collection_code="639204", code_expires_at=expires),
                    ),
                    (EventType.DELIVERED, Delivered(tracking_id=tid, cod_collected=cod)),
                ]
                for k, (kind, data) in enumerate(steps):
                    outbox.append(tx, booth, kind, at + timedelta(seconds=5 * i + k), data)
            return outbox.last_seq(tx)
    finally:
        store.close()


def kiosk_backlog(workdir: Path, events: int, echo: bool = False) -> tuple[float, list[tuple[float, int]]]:
    """Events/s a real kiosk (default config) drains from a full outbox until all are acked, and the
    drain curve (seconds since connecting, events acked).

    Acked by the hub, or (echo) by a bare subscriber that acknowledges what it receives: the baseline,
    kiosk and broker without the hub's work.
    """
    stack = Stack(workdir, booths=(BoothSpec(BOOTH, "Backlog booth"),))
    kiosk = stack.kiosks[BOOTH]
    echo_thread = EchoThread(stack.broker.port) if echo else None
    try:
        stack.broker.start()
        stack.add_clerks()
        if echo_thread:
            echo_thread.start()
        else:
            stack.start_hub()
        last = append_journeys(kiosk.config.parent / "kiosk.sqlite", BOOTH, events // 5, 70_000_000)
        kiosk.process.start()
        client = KioskClient(kiosk.url)
        wait_until(
            lambda: client.uplink().get("connected"), timeout=60, interval=0.01, what="the kiosk uplink"
        )
        started = time.perf_counter()
        progress: list[tuple[float, int]] = []
        deadline = started + DRAIN_TIMEOUT_S
        while not progress or progress[-1][1] < last:
            if time.perf_counter() > deadline:
                raise TimeoutError(f"the backlog was acked up to {progress[-1][1]} of {last}")
            progress.append((time.perf_counter() - started, int(client.uplink()["acked_upto"])))
            time.sleep(0.05)
        return last / progress[-1][0], progress
    finally:
        if echo_thread:
            echo_thread.stop()
        stack.stop()
