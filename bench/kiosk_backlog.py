"""Backlog drain through a real kiosk: a booth offline for a day comes back with its outbox full.

The events are written into the kiosk's own store while it is stopped (as its counter would have
during the outage: whole journeys of parcels, each event numbered by the outbox), then the kiosk
process starts, connects through its uplink and sends them; the figure is events per second from
its connection to the hub's cumulative ack covering the last one.
"""

from __future__ import annotations

import asyncio
import contextlib
import threading
import time
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path

from demo.client import KioskClient, wait_until
from demo.stack import BoothSpec, Stack
from kiosk.store import Store, outbox
from parcel import s10
from parcel.lifecycle import EventType
from parcel.messages import Accepted, Arrived, Delivered, Dispatched, Ready, Recipient, Strict

BOOTH = "BD-1100-01"
PARTNER = "BD-1200-01"


def fill_outbox(store_path: Path, booth: str, partner: str, events: int, first_serial: int) -> int:
    """Write `events` events (whole 5-event journeys) into a kiosk store's outbox; return the last seq."""
    store = Store(store_path)
    at = datetime.now(UTC) - timedelta(days=1)
    cod = Decimal("450.00")
    with store.transaction() as tx:
        for i in range(events // 5):
            tid = s10.make("CP", first_serial + i)
            steps: list[tuple[EventType, Strict]] = [
                (
                    EventType.ACCEPTED,
                    Accepted(
                        tracking_id=tid,
                        origin=booth,
                        destination=partner,
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
                    Ready(tracking_id=tid, collection_code="639204", code_expires_at=at + timedelta(days=7)),
                ),
                (EventType.DELIVERED, Delivered(tracking_id=tid, cod_collected=cod)),
            ]
            for k, (kind, data) in enumerate(steps):
                outbox.append(tx, booth, kind, at + timedelta(seconds=5 * i + k), data)
        last = outbox.last_seq(tx)
    store.close()
    return last


def kiosk_backlog_rate(workdir: Path, events: int, window: int | None = None, echo: bool = False) -> float:
    """Events/s a real kiosk drains from a full outbox until all are acked: by the hub, or (echo) by a bare
    subscriber that acknowledges what it receives (the baseline: kiosk and broker without the hub's work)."""
    extra = f"\n[uplink]\nwindow = {window}\n" if window else ""
    stack = Stack(workdir, booths=(BoothSpec(BOOTH, "Backlog booth"),), kiosk_extra_toml=extra)
    kiosk = stack.kiosks[BOOTH]
    try:
        stack.broker.start()
        stack.add_clerks()
        if echo:
            echo_thread = EchoThread(stack.broker.port)
            echo_thread.start()
        else:
            stack.start_hub()
        last = fill_outbox(kiosk.config.parent / "kiosk.sqlite", BOOTH, PARTNER, events, 70_000_000)
        kiosk.process.start()
        client = KioskClient(kiosk.url)
        wait_until(
            lambda: client.uplink().get("connected"), timeout=60, interval=0.01, what="the kiosk uplink"
        )
        started = time.perf_counter()
        wait_until(
            lambda: client.uplink().get("acked_upto", 0) >= last,
            timeout=600,
            interval=0.05,
            what="the hub to acknowledge the backlog",
        )
        return last / (time.perf_counter() - started)
    finally:
        if echo:
            echo_thread.stop()
        stack.stop()


class EchoThread(threading.Thread):
    """The echo hub on its own event loop in a thread."""

    def __init__(self, port: int) -> None:
        super().__init__(name="echo-hub", daemon=True)
        self.port = port
        self._loop = asyncio.new_event_loop()
        self._ready = threading.Event()
        self._stop_event: asyncio.Event | None = None

    def run(self) -> None:
        """Serve acks until stopped."""
        from bench.suite_e2e import _echo_hub

        async def main() -> None:
            ready, self._stop_event = asyncio.Event(), asyncio.Event()
            task = asyncio.create_task(_echo_hub(self.port, ready, self._stop_event))
            await ready.wait()
            self._ready.set()
            await self._stop_event.wait()
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task

        self._loop.run_until_complete(main())
        self._loop.close()

    def start(self) -> None:
        """Start and wait until subscribed."""
        super().start()
        self._ready.wait(30)

    def stop(self) -> None:
        """Stop and wait for the thread."""
        if self._stop_event is not None:
            self._loop.call_soon_threadsafe(self._stop_event.set)
        self.join(10)
