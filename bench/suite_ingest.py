"""Ingest figures: events committed and acknowledged per second on SQLite and PostgreSQL, beside the
raw rate of the same messages through a bare paho publisher -> Mosquitto -> paho subscriber pipe,
and the tracking API's p99 while the hub ingests 5,000 events/s.

Every run uses a fresh Mosquitto and a fresh database. The publisher is a separate process (the
same one for the raw pipe and the hub), publishing QoS 1 with up to 1,000 messages in flight. It
stands for booths on other machines, so it drives paho's network calls itself and spends as little
of this machine's CPU as it can; the raw pipe's subscriber is paho as it is usually run, with its
network thread. The hub figure counts from the first publish to the moment the hub's retained
cumulative acks cover every event: committed, PUBACKed and acknowledged end to end. The events are
realistic: each parcel is accepted at one booth and arrives, is made ready (with a collection code)
and is delivered at another, so ingest also derives parcel state, queues manifests and SMS.
"""

from __future__ import annotations

import os
import secrets
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import psutil
import requests
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from bench.cpu import CpuMeter, children, process
from bench.figures import SAMPLES, Figure
from bench.ingest_load import AckWatch, Message, fleet, follow, publisher, raw_rate, renumber, workload
from bench.worker_stages import WorkerStages, read_stages
from demo.processes import Managed, Mosquitto, free_port, python_module, wait_for_port

SUITE = "ingest"
PG_URL = os.environ.get(
    "DAKBOOTH_BENCH_PG_URL",
    os.environ.get("DAKBOOTH_TEST_PG_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"),
)
TRACK_RATE = 5_000
# The main figures' events come from 20 booths. A national fleet's come from thousands, each sending a
# few: a batch of 500 then touches hundreds of booths, and what the hub does per booth and batch (its
# ack, last seen, seq gaps, locks) shows.
FLEET = 2_000
# Per measured hub run (by label): where its ingest workers' time went, and the run's length in s.
STAGES_SEEN: dict[str, tuple[WorkerStages, float]] = {}


def _log(text_: str) -> None:
    print(f"  {text_}", file=sys.stderr, flush=True)


@contextmanager
def pg_database() -> Iterator[str]:
    """A throwaway PostgreSQL database URL, dropped afterwards."""
    name = f"dakbooth_bench_{secrets.token_hex(4)}"
    admin = create_engine(PG_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield make_url(PG_URL).set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


@contextmanager
def hub_process(tmp: Path, db_url: str, workers: int) -> Iterator[tuple[Mosquitto, str, Managed]]:
    """A fresh broker and a hub process on db_url; yields the broker, the hub's base URL and the hub."""
    broker = Mosquitto(tmp / "broker")
    broker.start()
    port = free_port()
    config = tmp / "hub.toml"
    config.write_text(
        f"[http]\nport = {port}\ntrack_burst = 100000\ntrack_per_second = 100000.0\n"
        f'[broker]\nurl = "{broker.url}"\nclient_id = "bench-hub"\n[database]\nurl = "{db_url}"\n'
        '[sms]\ndriver = "log"\n'
    )
    argv = python_module("hub", "--config", str(config), "--workers", str(workers))
    hub = Managed("hub", argv, tmp / "hub.log")
    hub.start()
    try:
        wait_for_port(port, 60, hub.proc)
        base = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + 30
        while not requests.get(f"{base}/healthz", timeout=2).json().get("mqtt"):
            if time.monotonic() > deadline:
                raise RuntimeError("hub did not connect to the broker")
            time.sleep(0.2)
        time.sleep(1.0 + workers * 1.0)  # worker processes connected and subscribed
        yield broker, base, hub
    finally:
        hub.stop(30)
        broker.stop()


def hub_rate(
    tmp: Path,
    db_url: str,
    workers: int,
    messages: list[Message],
    final: dict[str, int],
    label: str = "",
    warm: tuple[list[Message], dict[str, int]] | None = None,
) -> tuple[float, dict[str, float]]:
    """Events/s committed and acknowledged by a hub process (its progress kept under label), and the
    CPU µs per event of each process taking part.

    warm: messages the hub takes in first, unmeasured, and the last seq of each of their booths (so
    that a fleet's first contact, registering every booth, is not part of the figure)."""
    with hub_process(tmp, db_url, workers) as (broker, _base, hub):
        if warm is not None:
            _take_in(broker.port, *warm)
        watch = AckWatch(broker.port, final)
        try:
            with publisher(broker.port, messages) as (go, publisher_pid):
                hub_pid = hub.proc.pid if hub.proc else None
                groups = {
                    "hub ingest workers": children(hub_pid),
                    "hub main process": process(hub_pid),
                    "publisher": process(publisher_pid),
                    "broker": process(broker.proc.pid if broker.proc else None),
                }
                if db_url.startswith("postgresql"):
                    groups["PostgreSQL server"] = _postgres_backends
                meter = CpuMeter(groups)
                meter.sample()
                start = time.monotonic()
                go.set()

                def acked() -> int:
                    meter.sample()
                    return watch.acked()

                progress = follow(watch.done, acked, start, 600)
                if not watch.done.is_set():
                    raise RuntimeError(f"hub acknowledged {watch.acked()} of {len(messages)}")
                elapsed = time.monotonic() - start
                if label:
                    SAMPLES.ingest_progress[label] = progress
        finally:
            watch.close()
    cpu = {name: seconds / len(messages) * 1e6 for name, seconds in meter.seconds().items()}
    if label:
        stages = read_stages(tmp / "hub.log")  # logged by each worker as the hub stopped
        STAGES_SEEN[label] = (stages, elapsed)
    return len(messages) / elapsed, cpu


def _take_in(port: int, messages: list[Message], final: dict[str, int]) -> None:
    """Publish messages and wait until the hub has acknowledged all of them."""
    watch = AckWatch(port, final)
    try:
        with publisher(port, messages) as (go, _pid):
            go.set()
            if not watch.done.wait(600):
                raise RuntimeError(f"hub acknowledged {watch.acked()} of {len(messages)} warm-up events")
    finally:
        watch.close()


def _postgres_backends() -> list[psutil.Process]:
    """The local PostgreSQL server's backend processes (serving the bench's database among them)."""
    return [
        p
        for p in psutil.process_iter(["name", "cmdline"])
        if "postgres:" in " ".join(p.info["cmdline"] or [])
    ]


def track_p99(
    tmp: Path,
    db_url: str,
    workers: int,
    warm: list[Message],
    load: list[Message],
    ids: list[str],
    final_warm: dict[str, int],
) -> tuple[float, int, float]:
    """p99 (ms) of GET /api/v1/track/{id} while the hub ingests `load` at 5,000 events/s."""
    with hub_process(tmp, db_url, workers) as (broker, base, _hub):
        watch = AckWatch(broker.port, final_warm)
        try:
            with publisher(broker.port, warm) as (go, _pid):  # parcels to look up
                go.set()
                watch.done.wait(600)
        finally:
            watch.close()
        latencies: list[float] = []
        stop = threading.Event()
        session = requests.Session()

        def probe() -> None:
            i = 0
            while not stop.is_set():
                t0 = time.perf_counter()
                resp = session.get(f"{base}/api/v1/track/{ids[i % len(ids)]}", timeout=10)
                latencies.append((time.perf_counter() - t0) * 1000)
                if resp.status_code != 200:
                    raise RuntimeError(f"tracking answered {resp.status_code}")
                i += 1

        prober = threading.Thread(target=probe, name="bench-track")
        with publisher(broker.port, load, rate=TRACK_RATE) as (go, _pid):
            start = time.monotonic()
            go.set()
            prober.start()
        achieved = len(load) / (time.monotonic() - start)
        stop.set()
        prober.join(30)
        session.close()
    latencies.sort()
    return latencies[int(len(latencies) * 0.99) - 1], len(latencies), achieved


@contextmanager
def _database(db: str, directory: Path) -> Iterator[str]:
    """A fresh database of kind db ("SQLite" or "PostgreSQL") for one run; its URL."""
    if db == "SQLite":
        yield f"sqlite:///{directory / 'hub.sqlite'}"
    else:
        with pg_database() as url:
            yield url


def _rates(
    tmp: Path,
    workers: dict[str, int],
    messages: list[Message],
    final: dict[str, int],
    cpu: dict[str, dict[str, float]],
    of: str = "",
    warm: tuple[list[Message], dict[str, int]] | None = None,
) -> dict[str, float]:
    """Ingest rate of messages on SQLite, then on PostgreSQL; the CPU figures of each run go into cpu
    under the database's name (followed by of, when given), and the main runs (no of) keep their
    progress for the plots. A PostgreSQL run that fails (no server) is reported and left out."""
    rates: dict[str, float] = {}
    for db in ("SQLite", "PostgreSQL"):
        name = f"{db}, {of}" if of else db
        directory = tmp / name.replace(",", "").replace(" ", "-").lower()
        try:
            with _database(db, directory) as url:
                _log(f"hub on {name}, {workers[db]} ingest worker(s)")
                rates[db], cpu[name] = hub_rate(
                    directory, url, workers[db], messages, final, "" if of else f"hub, {db}", warm
                )
                _log(f"hub on {name}: {rates[db]:,.0f} events/s")
        except Exception as exc:  # a missing PostgreSQL server is a missed figure, not a crash
            if db == "SQLite":
                raise
            _log(f"{name} run failed: {exc}")
    return rates


def _fleet_rates(
    tmp: Path, parcels: int, workers: dict[str, int], cpu: dict[str, dict[str, float]]
) -> dict[str, float]:
    """Ingest rate on each database of events spread over FLEET booths; their CPU figures go into cpu."""
    booths = fleet(FLEET)
    warm, final_warm, _ = workload(FLEET, first_serial=70_000_000, booths=booths)
    load, final_load, _ = workload(parcels, first_serial=80_000_000, booths=booths)
    load = renumber(load, final_warm)
    final = {b: final_warm.get(b, 0) + final_load.get(b, 0) for b in booths}
    return _rates(tmp, workers, load, final, cpu, of=f"{FLEET:,} booths", warm=(warm, final_warm))


def _stage_figures() -> list[Figure]:
    """Each main run's worker time an event by stage, and on SQLite the share of the run in which a
    worker held the writer turn (applying or committing): near 100 %, the single writer is the limit."""
    figures: list[Figure] = []
    for label, (stages, elapsed) in STAGES_SEEN.items():
        db = label.removeprefix("hub, ")
        figures += [
            Figure(SUITE, f"ingest workers' wall time an event, {db}: {stage}", us, "µs")
            for stage, us in stages.per_event_us().items()
        ]
        if db == "SQLite":
            held = stages.seconds["applying"] + stages.seconds["committing"]
            figures.append(
                Figure(SUITE, "SQLite writer turn held, share of the run", 100 * held / elapsed, "%")
            )
    return figures


def run(quick: bool) -> list[Figure]:
    """Measure ingest on SQLite and PostgreSQL beside the raw pipe, and tracking p99 under load."""
    parcels = 2_500 if quick else 10_000
    messages, final, _ = workload(parcels)
    # Two worker processes on both: PostgreSQL applies two batches at once; on SQLite, which lets
    # one writer in at a time, one worker reads and validates its next batch while the other writes.
    chosen = os.environ.get("DAKBOOTH_BENCH_WORKERS")
    workers = {"SQLite": int(chosen or 2), "PostgreSQL": int(chosen or 2)}
    figures: list[Figure] = []
    with tempfile.TemporaryDirectory(prefix="dak-bench-ingest-") as tmpdir:
        tmp = Path(tmpdir)
        _log(f"raw pipe: {len(messages):,} messages")
        raw, raw_cpu = raw_rate(tmp / "raw", messages)
        _log(f"raw pipe: {raw:,.0f} msg/s")
        cpu: dict[str, dict[str, float]] = {"raw pipe": raw_cpu}
        rates = _rates(tmp, workers, messages, final, cpu)
        fleet_rates = _fleet_rates(tmp, parcels, workers, cpu)
        for db in ("SQLite", "PostgreSQL"):
            rate = rates.get(db)
            note = (
                f"{len(messages):,} events, {workers[db]} worker process(es)"
                if rate
                else "not measured (no PostgreSQL)"
            )
            figures.append(
                Figure(
                    SUITE,
                    f"ingest rate, {db}",
                    rate or 0.0,
                    "events/s",
                    ">= 10000 events/s",
                    ok=bool(rate and rate >= 10_000),
                    baseline=raw,
                    baseline_name="raw pipe msg/s",
                    note=note,
                )
            )
            figures.append(
                Figure(
                    SUITE,
                    f"ingest / raw pipe, {db}",
                    (rate or 0.0) / raw,
                    "x",
                    ">= 0.7",
                    ok=bool(rate and rate / raw >= 0.7),
                )
            )
        figures += [
            Figure(
                SUITE,
                f"ingest rate, {db}, events of {FLEET:,} booths",
                rate,
                "events/s",
                note=f"{FLEET:,} booths registered first; {workers[db]} worker process(es)",
            )
            for db, rate in fleet_rates.items()
        ]
        figures += _stage_figures()
        figures += [
            Figure(SUITE, f"CPU per event, {run}: {name}", us, "µs")
            for run, groups in cpu.items()
            for name, us in groups.items()
        ]
        warm, final_warm, ids = workload(500, first_serial=50_000_000)
        load, _, _ = workload((TRACK_RATE * (3 if quick else 8)) // 4, first_serial=60_000_000)
        # The load continues each booth's seq after the warm-up's.
        load = renumber(load, final_warm)
        _log(f"tracking p99 while ingesting {TRACK_RATE:,} events/s on SQLite")
        p99, n, achieved = track_p99(
            tmp / "track",
            f"sqlite:///{tmp / 'track' / 'hub.sqlite'}",
            workers["SQLite"],
            warm,
            load,
            ids,
            final_warm,
        )
        figures.append(
            Figure(
                SUITE,
                "tracking API p99 while ingesting",
                p99,
                "ms",
                "<= 25 ms",
                ok=p99 <= 25,
                note=f"{n:,} requests, SQLite, {achieved:,.0f} events/s offered",
            )
        )
    return figures
