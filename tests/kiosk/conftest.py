"""Fixtures for the kiosk: a services context on a real SQLite file and simulated devices, the web app, a hub peer."""

from __future__ import annotations

import json
import queue
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import paho.mqtt.client as mqtt
import pytest
from flask import Flask
from flask.testing import FlaskClient
from paho.mqtt.enums import CallbackAPIVersion

from kiosk.config import CounterConfig, PrinterConfig, ScaleConfig
from kiosk.devices.manager import DeviceManager
from kiosk.devices.sim import SimPrinter, SimScale
from kiosk.services import auth
from kiosk.services.context import Context
from kiosk.store import Store
from kiosk.web import create_app

BOOTH = "BD-1000-01"
OTHER = "BD-2000-01"
SAME_DISTRICT = "BD-1011-02"


@dataclass
class Booth:
    """A test booth: context plus handles on its simulated scale and printer."""

    ctx: Context
    scale: SimScale
    printer: SimPrinter
    commits: list[int] = field(default_factory=list)

    def snapshot(self) -> tuple[list[dict[str, Any]], list[tuple[Any, ...]], str]:
        """Everything a refused action must leave unchanged: parcels, outbox, next seq."""
        with self.ctx.store.read() as tx:
            parcels = [dict(r) for r in tx.execute("SELECT * FROM parcels ORDER BY tracking_id")]
            outbox = [tuple(r) for r in tx.execute("SELECT seq, id, type, payload FROM outbox ORDER BY seq")]
            seq = tx.execute("SELECT value FROM meta WHERE key = 'next_seq'").fetchone()[0]
        return parcels, outbox, seq

    def events(self) -> list[dict[str, Any]]:
        """The outbox events, decoded, in seq order."""
        with self.ctx.store.read() as tx:
            return [json.loads(r[0]) for r in tx.execute("SELECT payload FROM outbox ORDER BY seq")]


def make_booth(tmp_path: Path, booth_id: str = BOOTH, **counter: Any) -> Booth:
    """A booth on a fresh store with a sim scale (750 g, stable) and a sim printer."""
    scale = SimScale(ScaleConfig(driver="sim", weight_g=750))
    printer = SimPrinter(PrinterConfig(driver="sim", spool=tmp_path / f"{booth_id}-spool.txt"))
    devices = DeviceManager({"scale": scale, "printer": printer})
    devices.start()
    ctx = Context(
        booth_id=booth_id,
        store=Store(tmp_path / f"{booth_id}.sqlite"),
        devices=devices,
        counter=CounterConfig(**counter),
        store_dir=tmp_path,
    )
    booth = Booth(ctx, scale, printer)
    ctx.on_commit = lambda: booth.commits.append(1)
    return booth


@pytest.fixture
def booth(tmp_path: Path) -> Iterator[Booth]:
    """The booth under test (BD-1000-01)."""
    b = make_booth(tmp_path)
    yield b
    b.ctx.store.close()


@pytest.fixture
def app(booth: Booth) -> Flask:
    """The kiosk web app over the booth, with clerk alice (PIN 1234) and supervisor sam (PIN 9999)."""
    auth.add_clerk(booth.ctx, "alice", "1234")
    auth.add_clerk(booth.ctx, "sam", "9999", supervisor=True)
    return create_app(booth.ctx)


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    """An anonymous test client."""
    return app.test_client()


@pytest.fixture
def clerk(client: FlaskClient) -> Callable[..., Any]:
    """A logged-in client; returns a function post(path, json) that sends the CSRF header."""
    resp = client.post("/api/v1/session", json={"clerk": "alice", "pin": "1234"})
    assert resp.status_code == 200
    token = resp.get_json()["csrf_token"]

    def post(path: str, body: Any) -> Any:
        return client.post(path, json=body, headers={"X-CSRF-Token": token})

    post.client = client  # type: ignore[attr-defined]
    post.token = token  # type: ignore[attr-defined]
    return post


def ready_code(booth: Booth, tracking_id: str) -> str:
    """The plaintext collection code of a parcel, read from its parcel.ready event in the outbox."""
    for event in reversed(booth.events()):
        if event["type"] == "parcel.ready" and event["data"]["tracking_id"] == tracking_id:
            return str(event["data"]["collection_code"])
    raise AssertionError(f"no parcel.ready for {tracking_id}")


class HubPeer:
    """A test MQTT client acting as the hub: records messages, publishes acks/config/manifests."""

    def __init__(self, port: int) -> None:
        self.port = port
        self.messages: queue.Queue[tuple[str, bytes, bool]] = queue.Queue()
        self._connected = threading.Event()
        self.client = mqtt.Client(CallbackAPIVersion.VERSION2, client_id="", protocol=mqtt.MQTTv5)
        self.client.on_connect = lambda *a: self._connected.set()
        self.client.on_message = lambda c, u, m: self.messages.put(
            (m.topic, bytes(m.payload), bool(m.retain))
        )

    def start(self, *subscriptions: str) -> HubPeer:
        """Connect and subscribe (QoS 1)."""
        self.client.connect("127.0.0.1", self.port)
        self.client.loop_start()
        assert self._connected.wait(10), "test hub could not connect"
        for topic in subscriptions:
            self.client.subscribe(topic, qos=1)
        return self

    def publish(self, topic: str, payload: Any, retain: bool = False) -> None:
        """Publish JSON (QoS 1) and wait until the broker has it."""
        data = payload if isinstance(payload, bytes) else json.dumps(payload).encode()
        self.client.publish(topic, data, qos=1, retain=retain).wait_for_publish(10)

    def wait_for(
        self, predicate: Callable[[str, bytes, bool], bool], timeout: float = 15
    ) -> tuple[str, bytes, bool]:
        """The first message (from now on) for which predicate is true, or fail."""
        import time

        deadline = time.monotonic() + timeout
        while True:
            left = deadline - time.monotonic()
            if left <= 0:
                raise AssertionError("expected message did not arrive")
            try:
                msg = self.messages.get(timeout=left)
            except queue.Empty:
                continue
            if predicate(*msg):
                return msg

    def stop(self) -> None:
        """Disconnect."""
        self.client.disconnect()
        self.client.loop_stop()
