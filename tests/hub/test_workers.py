"""Ingest worker processes on the shared subscription: kill -9 one mid-stream, nothing lost or doubled."""

from __future__ import annotations

import os
import re
import signal
import threading
import time
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import Engine, func, select

from demo.processes import Managed, Mosquitto, free_port, python_module, wait_for_port
from hub.db.engine import make_engine
from hub.db.schema import dead_letters, events
from parcel import s10, topics
from parcel.lifecycle import EventType
from parcel.messages import make_event
from tests.hub.booth_clients import BoothsClient
from tests.hub.conftest import throwaway_pg
from tests.hub.factory import DEST, accepted

pytestmark = pytest.mark.slow

BOOTHS = [f"BD-{2000 + i}-01" for i in range(6)]
PER_BOOTH = 250


def booth_events() -> list[tuple[str, bytes]]:
    """Every booth's acceptances, interleaved."""
    at = datetime.now(UTC) - timedelta(minutes=5)
    out = []
    for seq in range(1, PER_BOOTH + 1):
        for b, booth in enumerate(BOOTHS):
            t = s10.make("CP", 30_000_000 + b * 10_000 + seq)
            payload = make_event(booth, seq, uuid.uuid4(), EventType.ACCEPTED, at, accepted(t, booth, DEST))
            out.append((topics.booth_topic(booth, topics.EVENT), payload))
    return out


def start_hub(tmp_path: Path, broker: Mosquitto, db_url: str, workers: int) -> tuple[Managed, Path, int]:
    """A hub process with worker processes on broker and db_url; its log file and HTTP port."""
    port = free_port()
    config = tmp_path / "hub.toml"
    config.write_text(
        f'[http]\nport = {port}\n[broker]\nurl = "{broker.url}"\nclient_id = "hub-t"\n'
        f'[database]\nurl = "{db_url}"\n'
    )
    log = tmp_path / "hub.log"
    hub = Managed("hub", python_module("hub", "--config", str(config), "--workers", str(workers)), log)
    hub.start()
    return hub, log, port


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def db_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """A database URL for the hub process: a SQLite file, or a throwaway PostgreSQL database."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'hub.sqlite'}"
    else:
        with throwaway_pg(request.getfixturevalue("pg_url")) as eng:
            yield eng.url.render_as_string(hide_password=False)


def test_kill_9_of_a_worker_mid_stream_loses_and_doubles_nothing(
    tmp_path: Path, broker: Mosquitto, db_url: str
) -> None:
    hub, log, port = start_hub(tmp_path, broker, db_url, 2)
    booths: BoothsClient | None = None
    engine: Engine | None = None
    try:
        wait_for_port(port, 30, hub.proc)
        deadline = time.monotonic() + 30
        while len(re.findall(r"ingest worker \d+ running", log.read_text())) < 2:
            assert time.monotonic() < deadline, "workers did not start"
            time.sleep(0.1)
        time.sleep(1.0)  # both subscribed to the shared group
        pids = [int(p) for p in re.findall(r"ingest worker 0 started, pid (\d+)", log.read_text())]
        booths = BoothsClient(broker.port)
        publisher = threading.Thread(target=booths.publish_all, args=(booth_events(),))
        publisher.start()
        deadline = time.monotonic() + 60
        while booths.acked() < 100:
            assert time.monotonic() < deadline, "nothing acknowledged"
            time.sleep(0.01)
        os.kill(pids[0], signal.SIGKILL)  # mid-stream: the worker has a batch in hand
        publisher.join(120)
        total = len(BOOTHS) * PER_BOOTH
        deadline = time.monotonic() + 90
        while booths.acked() < total:
            assert time.monotonic() < deadline, f"acked {booths.acked()} of {total}: {booths.acks}"
            time.sleep(0.1)
        assert booths.acks == dict.fromkeys(BOOTHS, PER_BOOTH)
        engine = make_engine(db_url)
        with engine.connect() as conn:
            assert conn.execute(select(func.count()).select_from(events)).scalar() == total
            assert conn.execute(select(func.count()).select_from(dead_letters)).scalar() == 0
        text = log.read_text()
        assert "ingest worker 0 (pid" in text and "restarting" in text
    finally:
        if booths is not None:
            booths.close()
        if engine is not None:
            engine.dispose()
        hub.stop(20)


def test_a_worker_stops_by_itself_when_its_hub_is_killed(tmp_path: Path, broker: Mosquitto) -> None:
    """kill -9 of the hub's main process: its worker must not live on holding its client id (a
    restarted hub's worker under the same id would be thrown off the broker by it, and back)."""
    hub, log, port = start_hub(tmp_path, broker, f"sqlite:///{tmp_path / 'hub.sqlite'}", 1)
    try:
        wait_for_port(port, 30, hub.proc)
        deadline = time.monotonic() + 30
        while "ingest worker 0 running" not in log.read_text():
            assert time.monotonic() < deadline, "the worker did not start"
            time.sleep(0.1)
        worker = int(re.findall(r"ingest worker 0 started, pid (\d+)", log.read_text())[0])
        assert hub.proc is not None
        os.kill(hub.proc.pid, signal.SIGKILL)
        hub.proc.wait(10)
        deadline = time.monotonic() + 10
        while _alive(worker):
            assert time.monotonic() < deadline, "the worker outlived its hub"
            time.sleep(0.1)
        assert re.search(r"the hub process \d+ is gone; stopping", log.read_text())
    finally:
        hub.stop(10)


def _alive(pid: int) -> bool:
    """True while pid runs (a zombie left for init to reap counts as gone)."""
    try:
        with open(f"/proc/{pid}/stat") as stat:
            return stat.read().rsplit(")", 1)[1].split()[0] != "Z"
    except FileNotFoundError:
        return False
