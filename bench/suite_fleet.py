"""Fleet view figures: 10,000 booths in the registry, 1,000 status changes a minute.

A real Mosquitto and a real hub process; one paho client plays the fleet (a retained status and a
heartbeat every 30 s per booth, like the kiosks), flips random booths offline/online at 1,000 a
minute, and an SSE client (the browser's stream, logged in) times each change from its publish to
its arrival. Meanwhile the fleet page (HTML, CSS, JS and fleet.json, i.e. everything the browser
fetches) is loaded repeatedly and its p95 taken. Rendering in the browser is not in the figure.
"""

from __future__ import annotations

import json
import random
import re
import secrets
import subprocess
import sys
import tempfile
import threading
import time
from datetime import UTC, datetime
from pathlib import Path

import paho.mqtt.client as mqtt
import requests
from paho.mqtt.enums import CallbackAPIVersion

from bench.figures import Figure
from demo.client import wait_until
from demo.processes import Managed, Mosquitto, free_port, python_module
from parcel import topics

SUITE = "fleet"
PASSWORD = secrets.token_urlsafe(16)  # a fresh throwaway account per run
HEARTBEAT_S = 30.0


def _log(text: str) -> None:
    print(f"  {text}", file=sys.stderr, flush=True)


def _ids(n: int) -> list[str]:
    postcodes = [
        1000,
        1205,
        1400,
        1700,
        2200,
        3100,
        3500,
        4000,
        4700,
        5400,
        5800,
        6000,
        7400,
        8200,
        9000,
        9400,
    ]
    return [
        f"BD-{postcodes[i % len(postcodes)] + (i // len(postcodes)) % 90:04d}-{i // 1440 + 1:02d}"
        for i in range(n)
    ]


def _now() -> str:
    return datetime.now(UTC).isoformat()


def _health() -> bytes:
    body = {
        "at": _now(),
        "version": "0.1.0",
        "devices": {
            k: {"state": "ok", "detail": "simulated"} for k in ("printer", "scale", "scanner", "camera")
        },
        "outbox": {"depth": 0, "oldest_age_s": None},
    }
    return json.dumps(body).encode()


def _status(state: str) -> bytes:
    return json.dumps({"state": state, "at": _now()}).encode()


def _pctl(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))] if ordered else float("nan")


class Fleet:
    """One MQTT client publishing for every booth: heartbeats spread over 30 s, and status flips."""

    def __init__(self, port: int, ids: list[str]) -> None:
        self.ids = ids
        self.client = mqtt.Client(CallbackAPIVersion.VERSION2, client_id="bench-fleet", protocol=mqtt.MQTTv5)
        self.client.max_queued_messages_set(0)
        self.client.connect("127.0.0.1", port)
        self.client.loop_start()
        self.offline: set[str] = set()
        self.superseded = 0
        self.log: list[tuple[str, str, float]] = []
        self.rng = random.Random(7)  # noqa: S311 - load pattern, not security
        self.sent: dict[tuple[str, str], float] = {}
        self.lock = threading.Lock()
        self.stop = threading.Event()

    def announce(self) -> None:
        """Every booth online with a first heartbeat."""
        for i, booth in enumerate(self.ids):
            self.client.publish(
                topics.booth_topic(booth, topics.STATUS), _status("online"), qos=1, retain=True
            )
            self.client.publish(topics.booth_topic(booth, topics.HEALTH), _health(), qos=0, retain=True)
            if i % 500 == 0:
                time.sleep(0.05)

    def run(self, per_minute: int, seconds: float) -> None:
        """Flip per_minute random booths a minute and keep heartbeats going, for seconds."""
        start = time.monotonic()
        flip_every = 60.0 / per_minute
        beat_every = HEARTBEAT_S / len(self.ids)
        next_flip, next_beat, beat_i = start, start, 0
        while not self.stop.is_set() and time.monotonic() - start < seconds:
            now = time.monotonic()
            while next_beat <= now:
                booth = self.ids[beat_i % len(self.ids)]
                self.client.publish(topics.booth_topic(booth, topics.HEALTH), _health(), qos=0, retain=True)
                beat_i += 1
                next_beat += beat_every
            if next_flip <= now:
                booth = self.rng.choice(self.ids)
                state = "online" if booth in self.offline else "offline"
                (self.offline.discard if state == "online" else self.offline.add)(booth)
                with self.lock:
                    # A flip not yet seen is superseded by this one: the stream coalesces per booth.
                    other = "offline" if state == "online" else "online"
                    self.superseded += self.sent.pop((booth, other), None) is not None
                    self.sent[(booth, state)] = time.time()
                    self.log.append((booth, state, self.sent[(booth, state)]))
                self.client.publish(
                    topics.booth_topic(booth, topics.STATUS), _status(state), qos=1, retain=True
                )
                next_flip += flip_every
            time.sleep(0.002)

    def close(self) -> None:
        """Disconnect."""
        self.client.disconnect()
        self.client.loop_stop()


def _register(db: Path, ids: list[str]) -> None:
    """Put the booths in the hub's booths table directly.

    The hub gives each new booth a 10,000-serial S10 block on first contact, and the CP range holds
    9,000 such blocks: a 10,000-booth fleet exhausts it. The fleet view does not depend on serials.
    """
    from hub.db.engine import make_engine
    from hub.db.schema import booths

    engine = make_engine(f"sqlite:///{db}")
    now = datetime.now(UTC)
    with engine.begin() as conn:
        conn.execute(booths.insert(), [{"booth_id": b, "registered_at": now} for b in ids])
    engine.dispose()


def _ingest_delays(db: Path, sent: list[tuple[str, str, float]]) -> list[float]:
    """Publish to hub commit for each flip, from the status_changes the hub recorded."""
    from sqlalchemy import select

    from hub.db.engine import make_engine
    from hub.db.schema import status_changes

    engine = make_engine(f"sqlite:///{db}")
    with engine.connect() as conn:
        rows = conn.execute(
            select(status_changes.c.booth_id, status_changes.c.state, status_changes.c.received_at)
        )
        seen: dict[tuple[str, str], list[float]] = {}
        for booth, state, at in rows:
            seen.setdefault((booth, state), []).append(at.timestamp())
    engine.dispose()
    out = []
    for booth, state, t in sent:
        later = [x - t for x in seen.get((booth, state), []) if x >= t - 0.05]
        if later:
            out.append(min(later))
    return out


def _login(base: str) -> requests.Session:
    session = requests.Session()
    page = session.get(base + "/dashboard/login", timeout=10).text
    token = re.search(r'name="csrf" value="([^"]+)"', page).group(1)  # type: ignore[union-attr]
    session.post(
        base + "/dashboard/login", data={"csrf": token, "name": "bench", "password": PASSWORD}, timeout=10
    )
    return session


def _listen(
    session: requests.Session, base: str, fleet: Fleet, delays: list[float], stop: threading.Event
) -> None:
    """Read the SSE stream; time each flip from publish to arrival."""
    version = session.get(base + "/dashboard/fleet.json", timeout=30).json()["version"]
    with session.get(f"{base}/dashboard/stream?since={version}", stream=True, timeout=60) as resp:
        for line in resp.iter_lines():
            if stop.is_set():
                return
            if not line.startswith(b"data: "):
                continue
            arrived = time.time()
            for row in json.loads(line[6:]).get("booths", []):
                with fleet.lock:
                    sent = fleet.sent.pop((row["id"], row["state"]), None)
                if sent is not None:
                    delays.append(arrived - sent)


def _page_load(session: requests.Session, base: str) -> tuple[float, int]:
    started = time.perf_counter()
    html = session.get(base + "/dashboard/", timeout=30)
    for asset in ("dashboard.css", "bdmap.js", "fleet.js"):
        session.get(f"{base}/static/{asset}", timeout=30)
    snap = session.get(base + "/dashboard/fleet.json", timeout=30)
    elapsed = time.perf_counter() - started
    assert html.status_code == 200 and snap.status_code == 200
    return elapsed, len(snap.content)


def run(quick: bool) -> list[Figure]:
    """Measure fleet page p95 load time and status-change-to-browser delay."""
    n_booths = 2_000 if quick else 10_000
    seconds = 30.0 if quick else 90.0
    per_minute = 1_000
    with tempfile.TemporaryDirectory(prefix="bench-fleet-") as tmp:
        work = Path(tmp)
        broker = Mosquitto(work / "broker")
        broker.start()
        port = free_port()
        cfg = work / "hub.toml"
        cfg.write_text(
            f'[http]\nhost = "127.0.0.1"\nport = {port}\n\n[broker]\nurl = "{broker.url}"\n\n'
            '[database]\nurl = "sqlite:///hub.sqlite"\n'
        )
        ids = _ids(n_booths)
        registry = work / "registry.json"
        registry.write_text(
            json.dumps({"hub_host": "hub", "booths": {b: {"booth_id": b, "name": f"Booth {b}"} for b in ids}})
        )
        pw = work / "pw"
        pw.write_text(PASSWORD)
        hub_cli = python_module("hub", "--config", str(cfg))
        subprocess.run(
            [*hub_cli, "import-registry", str(registry)], check=True, capture_output=True, timeout=120
        )
        subprocess.run(
            [*hub_cli, "create-user", "bench", "--role", "viewer", "--password-file", str(pw)],
            check=True,
            capture_output=True,
            timeout=60,
        )
        _register(work / "hub.sqlite", ids)
        hub = Managed("hub", hub_cli, work / "hub.log")
        hub.start()
        base = f"http://127.0.0.1:{port}"
        fleet: Fleet | None = None
        stop = threading.Event()
        try:
            wait_until(lambda: requests.get(base + "/healthz", timeout=2).ok, timeout=60, what="the hub")
            session = _login(base)
            _log(f"{n_booths} booths in the registry; announcing them over MQTT")
            fleet = Fleet(broker.port, ids)
            fleet.announce()

            def all_online() -> bool:
                rows = session.get(base + "/dashboard/fleet.json", timeout=30).json()["booths"]
                return sum(r["state"] == "online" for r in rows) >= n_booths

            wait_until(all_online, timeout=300, interval=2, what="every booth online in the fleet view")
            delays: list[float] = []
            listener = threading.Thread(
                target=_listen, args=(_login(base), base, fleet, delays, stop), name="bench-sse", daemon=True
            )
            listener.start()
            time.sleep(2)
            _log(
                f"{per_minute} status changes a minute for {seconds:.0f} s, heartbeats every {HEARTBEAT_S:.0f} s"
            )
            driver = threading.Thread(
                target=fleet.run, args=(per_minute, seconds), name="bench-load", daemon=True
            )
            driver.start()
            loads: list[float] = []
            size = 0
            while driver.is_alive():
                elapsed, size = _page_load(session, base)
                loads.append(elapsed)
                time.sleep(0.5)
            time.sleep(5)  # let the last changes arrive
            stop.set()
            with fleet.lock:
                missing = len(fleet.sent)
            flips = len(delays) + missing
            _log(
                f"{len(loads)} page loads, {len(delays)} of {flips} changes seen on the stream"
                f" ({fleet.superseded} more superseded by a later flip of the same booth)"
            )
            ingest = _ingest_delays(work / "hub.sqlite", fleet.log)
        finally:
            stop.set()
            if fleet is not None:
                fleet.stop.set()
                fleet.close()
            hub.stop()
            broker.stop()
    note = f"{n_booths} booths, {per_minute}/min status changes, heartbeats every {HEARTBEAT_S:.0f} s, SQLite hub"
    p95_load = _pctl(loads, 0.95) * 1000
    p95_delay = _pctl(delays, 0.95)
    return [
        Figure(
            SUITE,
            "fleet page load p95",
            p95_load,
            "ms",
            "<= 500 ms",
            p95_load <= 500,
            note=note + f"; fleet.json {size // 1024} KiB",
        ),
        Figure(SUITE, "fleet page load p50", _pctl(loads, 0.5) * 1000, "ms", note=note),
        Figure(SUITE, "status change to browser p95", p95_delay, "s", "<= 2 s", p95_delay <= 2.0, note=note),
        Figure(SUITE, "status change to browser p50", _pctl(delays, 0.5), "s", note=note),
        Figure(SUITE, "of which publish to hub commit p95", _pctl(ingest, 0.95), "s", note=note),
        Figure(SUITE, "of which publish to hub commit p50", _pctl(ingest, 0.5), "s", note=note),
        Figure(
            SUITE,
            "status changes lost on the stream",
            float(missing),
            "changes",
            "0",
            missing == 0,
            note=note,
        ),
    ]
