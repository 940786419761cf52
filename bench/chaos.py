"""Chaos run: parcel journeys through the contract APIs while links, broker, kiosks and hub fail.

Beside the journeys, a bulk load can write whole synthetic journeys straight into the booths'
outboxes (as a busy counter would), so that a run carries 100,000 events through the same uplinks,
broker and hub under the same faults. Faults injected at random while journeys run: links cut and delayed (LinkProxy between kiosks
and broker), Mosquitto restarted, kiosks and the hub killed with kill -9 and started again.
Then a reconciliation reads every booth's store and the hub's database: every event committed
exactly once with no seq gap, every parcel's state at the hub equal to its state at its booth,
one SMS per collection code (bulk parcels included, after the hub's SMS outbox has drained),
nothing in dead letters.
"""

from __future__ import annotations

import logging
import random
import re
import sqlite3
import threading
import time
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

import requests

from bench.kiosk_backlog import append_journeys
from demo.client import ApiError, KioskClient, wait_until
from demo.sms_sink import SmsSink
from demo.stack import KioskProcess, Stack
from parcel import s10

log = logging.getLogger("chaos")
TRANSIENT = (ApiError, requests.RequestException, TimeoutError)
TRACKING_ID = re.compile(r"\b[A-Z]{2}\d{9}BD\b")
BULK_SERVICE, BULK_FIRST_SERIAL = "CL", 20_000_000
BULK_CHUNK = 100  # journeys per booth per round: 500 events in one transaction


@dataclass
class Report:
    """What was injected and what the reconciliation found."""

    journeys: int = 0
    bulk_journeys: int = 0
    injected: Counter[str] = field(default_factory=Counter)
    events_at_booths: int = 0
    events_at_hub: int = 0
    lost: list[str] = field(default_factory=list)
    duplicated: list[str] = field(default_factory=list)
    state_mismatches: list[str] = field(default_factory=list)
    sms_problems: list[str] = field(default_factory=list)
    sms_replayed: int = 0  # re-sent by the hub after a crash, deduplicated by the gateway's Idempotency-Key
    dead_letters: int = 0

    @property
    def clean(self) -> bool:
        """True when nothing was lost, duplicated or out of step."""
        return not (
            self.lost or self.duplicated or self.state_mismatches or self.sms_problems or self.dead_letters
        )


def _retry(action, what: str, timeout: float = 120.0):  # type: ignore[no-untyped-def]
    """Call action until it answers (the kiosk may be dead, restarting or cut off)."""
    deadline = time.monotonic() + timeout
    while True:
        try:
            return action()
        except TRANSIENT as exc:
            if (
                isinstance(exc, ApiError)
                and exc.status < 500
                and exc.code not in ("cod_unknown", "not_found")
            ):
                raise
            if time.monotonic() > deadline:
                raise TimeoutError(f"{what}: {exc}") from exc
            time.sleep(0.3)


def _journey(stack: Stack, sms: SmsSink, tracking_id: str, rng: random.Random) -> None:
    origin, destination = rng.sample(list(stack.kiosks.values()), 2)
    phone = f"+88018{rng.randrange(10**8):08d}"
    cod = f"{rng.randrange(0, 3000)}.00"
    body = {
        "tracking_id": tracking_id,
        "recipient": {"name": "Chaos Recipient", "phone": phone},
        "destination": destination.spec.booth_id,
        "cod_amount": cod,
    }
    _retry(lambda: origin.client().intake(**body), f"intake {tracking_id}")
    _retry(lambda: destination.client().receive(tracking_id), f"receive {tracking_id}")
    code = wait_until(lambda: sms.code_for(phone, tracking_id), timeout=120, what=f"SMS for {tracking_id}")

    def hand_over() -> None:
        try:
            destination.client().handover(tracking_id, code, cod)
        except ApiError as exc:
            if exc.code != "not_ready":  # delivered already: an earlier try committed before a crash
                raise

    _retry(hand_over, f"handover {tracking_id}")  # cod_unknown until B has the manifest: retried


class Chaos(threading.Thread):
    """Injects one fault every few seconds until stopped."""

    def __init__(self, stack: Stack, report: Report, rng: random.Random, every_s: float) -> None:
        super().__init__(name="chaos", daemon=True)
        self.stack, self.report, self.rng, self.every_s = stack, report, rng, every_s
        self.stopping = threading.Event()

    def run(self) -> None:
        """Pick a fault, inject it, let the system recover, repeat."""
        faults = [self.cut_link, self.delay_link, self.restart_broker, self.kill_kiosk, self.kill_hub]
        order: list = []  # type: ignore[type-arg]
        while not self.stopping.wait(self.every_s * (0.5 + self.rng.random())):
            if not order:  # every kind of fault once per round, in a random order
                order = self.rng.sample(faults, len(faults))
            fault = order.pop()
            log.info("injecting %s", fault.__name__)
            fault()
            self.report.injected[fault.__name__] += 1

    def cut_link(self) -> None:
        """The booths' internet goes away for a moment."""
        assert self.stack.link is not None
        self.stack.link.cut()
        time.sleep(1 + 2 * self.rng.random())
        self.stack.link.restore()

    def delay_link(self) -> None:
        """A slow satellite-like link for a few seconds."""
        assert self.stack.link is not None
        self.stack.link.delay_ms = 300
        time.sleep(3)
        self.stack.link.delay_ms = 0

    def restart_broker(self) -> None:
        """Mosquitto is restarted (its persistence keeps sessions and queued messages)."""
        self.stack.broker.stop()
        time.sleep(0.5)
        self.stack.broker.start()

    def kill_kiosk(self) -> None:
        """A booth computer loses power: kill -9, then it boots again."""
        kiosk: KioskProcess = self.rng.choice(list(self.stack.kiosks.values()))
        kiosk.process.kill()
        time.sleep(0.5)
        kiosk.start()

    def kill_hub(self) -> None:
        """The hub dies mid-batch: kill -9, then it is started again."""
        self.stack.hub.kill()
        time.sleep(0.5)
        self.stack.start_hub()


class BulkLoad(threading.Thread):
    """Writes synthetic journeys into every booth's outbox, a chunk per booth per round, until done."""

    def __init__(self, stack: Stack, journeys_per_booth: int, pause_s: float = 0.2) -> None:
        super().__init__(name="bulk-load", daemon=True)
        self.stack, self.per_booth, self.pause_s = stack, journeys_per_booth, pause_s
        self.tracking_ids: list[str] = []
        self.error: BaseException | None = None

    def run(self) -> None:
        """Append until every booth has its share (a killed kiosk's store stays writable)."""
        try:
            offsets = {booth_id: i * self.per_booth for i, booth_id in enumerate(self.stack.kiosks)}
            written = 0
            while written < self.per_booth:
                chunk = min(BULK_CHUNK, self.per_booth - written)
                for booth_id, kiosk in self.stack.kiosks.items():
                    first = BULK_FIRST_SERIAL + offsets[booth_id] + written
                    append_journeys(
                        kiosk.config.parent / "kiosk.sqlite", booth_id, chunk, first, BULK_SERVICE
                    )
                    self.tracking_ids += [s10.make(BULK_SERVICE, first + k) for k in range(chunk)]
                written += chunk
                time.sleep(self.pause_s)
        except BaseException as exc:  # reported by run(): a load that stopped must fail the run
            self.error = exc


def run(
    stack: Stack,
    sms: SmsSink,
    journeys: int,
    seed: int = 11,
    every_s: float = 4.0,
    concurrency: int = 1,
    bulk_events: int = 0,
) -> Report:
    """Run journeys (concurrency at a time) and bulk_events synthetic events under chaos, let
    everything settle, then reconcile."""
    report = Report()
    chaos = Chaos(stack, report, random.Random(seed + 1), every_s)  # noqa: S311 - fault schedule
    chaos.start()
    bulk = BulkLoad(stack, bulk_events // 5 // max(len(stack.kiosks), 1))
    if bulk.per_booth:
        bulk.start()
    tracking_ids = [s10.make("CH", 10_000_000 + seed * 100_000 + i) for i in range(journeys)]

    done = threading.Lock()

    def one(index: int) -> None:
        _journey(stack, sms, tracking_ids[index], random.Random(seed * 1_000_003 + index))  # noqa: S311
        with done:
            report.journeys += 1

    try:
        with ThreadPoolExecutor(concurrency, thread_name_prefix="journey") as pool:
            for future in [pool.submit(one, i) for i in range(journeys)]:
                future.result()
        if bulk.per_booth:
            bulk.join()
            if bulk.error is not None:
                raise RuntimeError("the bulk load stopped") from bulk.error
            report.bulk_journeys = len(bulk.tracking_ids)
    finally:
        chaos.stopping.set()
        chaos.join(60)
    _settle(stack)
    _sms_sent(stack)
    _reconcile(stack, sms, tracking_ids, bulk.tracking_ids, report)
    return report


def _settle(stack: Stack) -> None:
    """Wait until every booth's outbox is empty and acknowledged."""
    for kiosk in stack.kiosks.values():
        wait_until(
            lambda k=kiosk: (
                (u := KioskClient(k.url).uplink())["outbox_depth"] == 0 and u["acked_upto"] == u["last_seq"]
            ),
            timeout=180,
            what=f"{kiosk.spec.booth_id} to drain",
        )


def _sms_sent(stack: Stack, timeout: float = 900) -> None:
    """Wait until the hub's SMS outbox has nothing pending (a bulk load queues thousands)."""
    hub_db = stack.hub_config.parent / "hub.sqlite"
    wait_until(
        lambda: _rows(hub_db, "select count(*) from notifications where status = 'pending'")[0][0] == 0,
        timeout=timeout,
        interval=1.0,
        what="the hub's SMS outbox to drain",
    )


def _rows(path: Path, sql: str, *args: object) -> list[tuple[object, ...]]:
    with sqlite3.connect(f"file:{path}?mode=ro", uri=True) as db:
        return db.execute(sql, args).fetchall()


def _reconcile(
    stack: Stack, sms: SmsSink, tracking_ids: list[str], bulk_ids: list[str], report: Report
) -> None:
    hub_db = stack.hub_config.parent / "hub.sqlite"
    local_state: dict[str, str] = {}
    for booth_id, kiosk in stack.kiosks.items():
        store = kiosk.config.parent / "kiosk.sqlite"
        last_seq = int(_rows(store, "select value from meta where key = 'next_seq'")[0][0]) - 1
        report.events_at_booths += last_seq
        seqs = [
            int(s) for (s,) in _rows(hub_db, "select seq from events where booth = ? order by seq", booth_id)
        ]
        report.events_at_hub += len(seqs)
        missing = sorted(set(range(1, last_seq + 1)) - set(seqs))
        report.lost += [f"{booth_id} seq {s}" for s in missing]
        report.duplicated += [f"{booth_id} seq {s}" for s, n in Counter(seqs).items() if n > 1]
        for tracking_id, status in _rows(store, "select tracking_id, status from parcels"):
            # The destination's view is the later one; the origin's counts until the parcel arrives.
            if tracking_id not in local_state or status in ("ready", "delivered", "returned"):
                local_state[str(tracking_id)] = str(status)
    hub_state = dict(_rows(hub_db, "select tracking_id, status from parcels"))
    report.sms_replayed = sms.replayed
    sms_per_parcel = Counter(t for m in sms.received() for t in set(TRACKING_ID.findall(m["text"])))
    for tracking_id in tracking_ids:
        if hub_state.get(tracking_id) != local_state.get(tracking_id):
            report.state_mismatches.append(
                f"{tracking_id}: hub {hub_state.get(tracking_id)} booth {local_state.get(tracking_id)}"
            )
    for tracking_id in bulk_ids:  # written straight to the outbox: delivered at their booth
        if hub_state.get(tracking_id) != "delivered":
            report.state_mismatches.append(f"{tracking_id}: hub {hub_state.get(tracking_id)} booth delivered")
    for tracking_id in [*tracking_ids, *bulk_ids]:
        if sms_per_parcel[tracking_id] != 1:
            report.sms_problems.append(f"{tracking_id}: {sms_per_parcel[tracking_id]} SMS")
    report.dead_letters = int(_rows(hub_db, "select count(*) from dead_letters")[0][0])
