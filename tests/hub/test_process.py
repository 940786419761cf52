"""The real hub process against a real broker and SMS peer, with a paho client acting as booths."""

from __future__ import annotations

import json
import queue
import re
import sqlite3
import time
import uuid
from collections.abc import Iterator
from contextlib import closing
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import paho.mqtt.client as mqtt
import pytest
import requests
from paho.mqtt.enums import CallbackAPIVersion

from demo.processes import Managed, Mosquitto, free_port, python_module, wait_for_port
from demo.sms_sink import SmsSink
from hub.ingest.booths import BLOCK_SIZE
from parcel.lifecycle import EventType
from parcel.messages import make_event
from tests.hub.factory import DEST, ORIGIN, accepted, ready, tid

pytestmark = pytest.mark.slow


class Booth:
    """A paho client standing in for booths: collects what it receives per topic."""

    def __init__(self, port: int) -> None:
        self.received: queue.Queue[tuple[str, bytes, bool]] = queue.Queue()
        self.stash: list[tuple[str, bytes, bool]] = []
        self.client = self._connect(port)

    def _connect(self, port: int) -> mqtt.Client:
        client = mqtt.Client(
            CallbackAPIVersion.VERSION2, client_id=f"booth-{uuid.uuid4().hex[:8]}", protocol=mqtt.MQTTv5
        )
        client.on_message = lambda _c, _u, m: self.received.put((m.topic, bytes(m.payload), bool(m.retain)))
        client.connect("127.0.0.1", port)
        client.loop_start()
        return client

    def subscribe(self, *topics: str) -> None:
        """Subscribe at QoS 1."""
        for topic in topics:
            info = self.client.subscribe(topic, qos=1)
            assert info[0] == mqtt.MQTT_ERR_SUCCESS

    def publish(self, topic: str, payload: bytes) -> None:
        """Publish at QoS 1 and wait for the PUBACK."""
        self.client.publish(topic, payload, qos=1).wait_for_publish(5)

    def wait_for(self, topic: str, check: Any = lambda p: True, timeout: float = 15) -> bytes:
        """The first message on topic passing check; others are kept for later waits."""
        deadline = time.monotonic() + timeout
        while True:
            for i, (got, payload, _) in enumerate(self.stash):
                if got == topic and check(payload):
                    del self.stash[i]
                    return payload
            if time.monotonic() > deadline:
                raise AssertionError(f"nothing matching on {topic} within {timeout}s")
            try:
                self.stash.append(self.received.get(timeout=0.2))
            except queue.Empty:
                continue

    def reconnect(self, port: int) -> None:
        """Connect again after the broker restarted (a plain, non-persistent client)."""
        self.close()
        self.client = self._connect(port)

    def close(self) -> None:
        """Disconnect and stop the network thread."""
        self.client.disconnect()
        self.client.loop_stop()


@pytest.fixture
def booth(broker: Mosquitto) -> Iterator[Booth]:
    """A booth client connected to the test broker."""
    b = Booth(broker.port)
    try:
        yield b
    finally:
        b.close()


def wait_until(predicate: Any, timeout: float = 15) -> Any:
    """Poll predicate until it returns something truthy, and return that."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(0.1)
    raise AssertionError("condition not met in time")


def ev(booth_id: str, seq: int, type_: EventType, data: Any) -> bytes:
    """An event stamped five minutes ago."""
    return make_event(booth_id, seq, uuid.uuid4(), type_, datetime.now(UTC) - timedelta(minutes=5), data)


def test_hub_process_end_to_end(tmp_path: Path, broker: Mosquitto, sms_sink: SmsSink, booth: Booth) -> None:
    port = free_port()
    config = tmp_path / "hub.toml"
    config.write_text(
        f'[http]\nport = {port}\n[broker]\nurl = "{broker.url}"\n'
        f'[database]\nurl = "sqlite:///hub.sqlite"\n[sms]\ndriver = "http"\nurl = "{sms_sink.url}"\n'
    )
    hub = Managed("hub", python_module("hub", "--config", str(config)), tmp_path / "hub.log")
    hub.start()
    proc = hub.proc
    assert proc is not None
    base = f"http://127.0.0.1:{port}"
    try:
        wait_for_port(port, 30, proc)
        wait_until(lambda: requests.get(f"{base}/healthz", timeout=2).json()["mqtt"])
        root = "dak/v1/booth"
        booth.subscribe(
            f"{root}/{ORIGIN}/ack", f"{root}/{ORIGIN}/config", f"{root}/{DEST}/manifest", f"{root}/{DEST}/ack"
        )
        time.sleep(0.3)
        t = tid()
        booth.publish(f"{root}/{ORIGIN}/event", ev(ORIGIN, 1, EventType.ACCEPTED, accepted(t)))
        booth.publish(f"{root}/{ORIGIN}/event", b'{"v": 1, "oops"')

        booth.wait_for(f"{root}/{ORIGIN}/ack", lambda p: json.loads(p) == {"upto": 1})
        manifest = json.loads(booth.wait_for(f"{root}/{DEST}/manifest"))
        assert manifest["tracking_id"] == t and manifest["recipient"]["phone"] == "+8801711223344"
        cfg = json.loads(booth.wait_for(f"{root}/{ORIGIN}/config"))
        assert cfg["serial_blocks"][0]["end"] - cfg["serial_blocks"][0]["start"] == BLOCK_SIZE

        db = tmp_path / "hub.sqlite"

        def dead_letters() -> list[tuple[str, str]]:
            with closing(sqlite3.connect(f"file:{db}?mode=ro", uri=True)) as conn:
                return conn.execute("SELECT topic, reason FROM dead_letters").fetchall()

        [(topic, reason)] = wait_until(dead_letters)

        def outbox_all_sent() -> bool:
            with closing(sqlite3.connect(f"file:{db}?mode=ro", uri=True)) as conn:
                statuses = [s for (s,) in conn.execute("SELECT status FROM mqtt_outbox")]
            return len(statuses) == 2 and set(statuses) == {"sent"}  # the config and the manifest

        wait_until(outbox_all_sent)
        assert topic == f"{root}/{ORIGIN}/event" and "not JSON" in reason

        body = requests.get(f"{base}/api/v1/track/{t}", timeout=5).json()
        assert body["status"] == "accepted" and body["events"][0]["booth"] == ORIGIN

        # The broker goes away and comes back: the hub reconnects by itself.
        broker.stop()
        broker.start()
        booth.reconnect(broker.port)
        booth.subscribe(f"{root}/{DEST}/ack")
        wait_until(lambda: requests.get(f"{base}/healthz", timeout=2).json()["mqtt"], timeout=30)
        booth.publish(f"{root}/{DEST}/event", ev(DEST, 1, EventType.READY, ready(t, code="604172")))
        booth.wait_for(f"{root}/{DEST}/ack", lambda p: json.loads(p) == {"upto": 1})
        [sms] = wait_until(sms_sink.received)
        assert re.findall(r"(?<!\d)\d{6}(?!\d)", sms["text"]) == ["604172"]
        assert sms["to"] == "+8801711223344"
    finally:
        hub.stop()
    assert proc.returncode == 0
    log = (tmp_path / "hub.log").read_text()
    assert f"hub ready http://127.0.0.1:{port}" in log
    assert "604172" not in log
    assert "Traceback" not in log
