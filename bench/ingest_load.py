"""The booths' side of the ingest bench: realistic events, a publisher process, the bare paho pipe
they are compared with, and a watch on the hub's cumulative acks."""

from __future__ import annotations

import json
import multiprocessing as mp
import os
import secrets
import select
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import paho.mqtt.client as mqtt
from paho.mqtt.enums import CallbackAPIVersion

from bench.cpu import CpuMeter, process
from bench.figures import SAMPLES
from demo.processes import Mosquitto
from parcel import s10, topics
from parcel.lifecycle import EventType
from parcel.messages import Accepted, Arrived, Delivered, Ready, Recipient, Strict, make_event

BOOTHS = [f"BD-{1000 + i * 7}-01" for i in range(20)]


def fleet(count: int) -> list[str]:
    """count booth ids, fifty counters to a post office."""
    return [f"BD-{2000 + i // 50:04d}-{i % 50 + 1:02d}" for i in range(count)]


Message = tuple[str, bytes]


def workload(
    parcels: int, first_serial: int = 40_000_000, booths: list[str] = BOOTHS
) -> tuple[list[Message], dict[str, int], list[str]]:
    """Events of `parcels` parcels (4 each) sent from booths, interleaved; the last seq of each
    booth; the tracking ids.

    Steps of a parcel come in order with parcels interleaved (every acceptance, then every arrival,
    ...), and each booth numbers its events in the order it sends them, as a kiosk's outbox does.
    """
    at = datetime.now(UTC) - timedelta(minutes=30)
    per_step: list[list[tuple[str, EventType, Strict]]] = [[], [], [], []]
    ids: list[str] = []
    for i in range(parcels):
        t = s10.make("CP", first_serial + i)
        ids.append(t)
        origin, dest = booths[i % len(booths)], booths[(i * 7 + 3) % len(booths)]
        per_step[0].append(
            (
                origin,
                EventType.ACCEPTED,
                Accepted(
                    tracking_id=t,
                    origin=origin,
                    destination=dest,
                    recipient=Recipient(name="রহিমা বেগম", phone="01711223344"),
                    cod_amount="1250.00",
                    fee="70.00",
                    weight_g=800,
                ),
            )
        )
        per_step[1].append((dest, EventType.ARRIVED, Arrived(tracking_id=t)))
        code = f"{secrets.randbelow(10**6):06d}"
        per_step[2].append(
            (
                dest,
                EventType.READY,
                Ready(tracking_id=t, collection_code=code, code_expires_at=at + timedelta(days=7)),
            )
        )
        per_step[3].append((dest, EventType.DELIVERED, Delivered(tracking_id=t, cod_collected="1250.00")))
    seqs = dict.fromkeys(booths, 0)
    messages: list[Message] = []
    for k, step in enumerate(per_step):
        for booth, kind, data in step:
            seqs[booth] += 1
            payload = make_event(booth, seqs[booth], uuid.uuid4(), kind, at + timedelta(seconds=k), data)
            messages.append((topics.booth_topic(booth, topics.EVENT), payload))
    return messages, {b: s for b, s in seqs.items() if s}, ids


IN_FLIGHT = 1_000
PUBLISH_WAIT_S = 120.0


def _publisher(port: int, messages: list[Message], rate: float, go: Any, done: Any) -> None:
    """Child process: publish every message at QoS 1, up to IN_FLIGHT unacknowledged (at most `rate`
    per second when rate > 0).

    It stands for thousands of booths that are not on this machine, so it takes as little of the
    machine's CPU as paho allows: it drives paho's network calls itself (`loop_read`, `loop_write`),
    as the hub's ingest workers do. With paho's network thread (`loop_start`), each publish wakes
    that thread through a socket pair, which cost more per message than the broker and the bare
    subscriber together.
    """
    client = mqtt.Client(
        CallbackAPIVersion.VERSION2, client_id=f"bench-pub-{os.getpid()}", protocol=mqtt.MQTTv5
    )
    client.max_inflight_messages_set(IN_FLIGHT)
    acked = [0]

    def on_publish(*_: Any) -> None:
        acked[0] += 1

    client.on_publish = on_publish
    client.connect("127.0.0.1", port)
    deadline = time.monotonic() + 30
    while not client.is_connected():
        _serve(client, 0.05)
        if time.monotonic() > deadline:
            raise RuntimeError("bench publisher could not connect")
    go.wait()
    start = time.monotonic()
    for i, (topic, payload) in enumerate(messages):
        if rate > 0:
            while (ahead := start + i / rate - time.monotonic()) > 0:
                _serve(client, ahead)
        # Never more than IN_FLIGHT unacknowledged, so paho queues none: its message ids (1 to
        # 65,535) would otherwise be reused by queued messages in a long run.
        _wait_for_acks(client, acked, i - IN_FLIGHT + 1)
        client.publish(topic, payload, qos=1)
        if i % 64 == 63:
            _serve(client, 0)  # take the PUBACKs in hand
    _wait_for_acks(client, acked, len(messages))
    client.disconnect()
    done.set()


def _wait_for_acks(client: mqtt.Client, acked: list[int], count: int) -> None:
    """Serve the connection until the broker has acknowledged at least count messages."""
    deadline = time.monotonic() + PUBLISH_WAIT_S
    while acked[0] < count:
        _serve(client, 0.1)
        if time.monotonic() > deadline:
            raise RuntimeError(f"the broker acknowledged {acked[0]} of {count} messages")


def _serve(client: mqtt.Client, timeout: float) -> None:
    """Wait up to timeout for the client's socket; read what came and write what is queued."""
    sock = client.socket()
    if sock is None:
        raise RuntimeError("bench publisher lost its connection")
    readable, writable, _ = select.select([sock], [sock] if client.want_write() else [], [], timeout)
    if readable:
        client.loop_read()
    if writable or client.want_write():
        client.loop_write()
    client.loop_misc()


@contextmanager
def publisher(port: int, messages: list[Message], rate: float = 0) -> Iterator[tuple[Any, int | None]]:
    """A publisher process, connected and waiting; yields the event that starts it, and its pid."""
    ctx = mp.get_context("spawn")
    go, done = ctx.Event(), ctx.Event()
    proc = ctx.Process(target=_publisher, args=(port, messages, rate, go, done), daemon=True)
    proc.start()
    time.sleep(1.0)  # connected
    try:
        yield go, proc.pid
        done.wait(600)
    finally:
        proc.join(30)
        if proc.is_alive():
            proc.kill()


def connected_client(port: int, name: str) -> mqtt.Client:
    """A paho MQTT v5 client connected to the loopback broker on port (its loop not started)."""
    client = mqtt.Client(
        CallbackAPIVersion.VERSION2, client_id=f"{name}-{uuid.uuid4().hex[:6]}", protocol=mqtt.MQTTv5
    )
    client.connect("127.0.0.1", port)
    return client


def follow(
    done: threading.Event, count: Callable[[], int], start: float, timeout: float
) -> list[tuple[float, int]]:
    """Wait for done, sampling count() every 0.1 s: (seconds since start, count) for the rate plot."""
    progress = [(0.0, 0)]
    deadline = start + timeout
    while not done.wait(0.1):
        progress.append((time.monotonic() - start, count()))
        if time.monotonic() > deadline:
            break
    progress.append((time.monotonic() - start, count()))
    return progress


def raw_rate(tmp: Path, messages: list[Message]) -> tuple[float, dict[str, float]]:
    """Messages/s through publisher -> Mosquitto -> a bare paho subscriber (QoS 1, shared
    subscription), and the CPU µs per message of each process."""
    broker = Mosquitto(tmp / "raw-broker")
    broker.start()
    got = threading.Event()
    count = [0]
    total = len(messages)

    def on_message(_c: Any, _u: Any, _m: Any) -> None:
        count[0] += 1
        if count[0] == total:
            got.set()

    sub = connected_client(broker.port, "bench-sub")
    sub.on_message = on_message
    sub.loop_start()
    sub.subscribe(topics.shared(topics.all_booths(topics.EVENT), "bench"), qos=1)
    time.sleep(0.5)
    try:
        with publisher(broker.port, messages) as (go, publisher_pid):
            meter = CpuMeter(
                {
                    "subscriber (this process)": process(os.getpid()),
                    "publisher": process(publisher_pid),
                    "broker": process(broker.proc.pid if broker.proc else None),
                }
            )
            meter.sample()
            start = time.monotonic()
            go.set()

            def received() -> int:
                meter.sample()
                return count[0]

            SAMPLES.ingest_progress["raw pipe"] = follow(got, received, start, 600)
            if not got.is_set():
                raise RuntimeError(f"raw pipe delivered {count[0]} of {total}")
            elapsed = time.monotonic() - start
    finally:
        sub.disconnect()
        sub.loop_stop()
        broker.stop()
    return total / elapsed, {name: seconds / total * 1e6 for name, seconds in meter.seconds().items()}


class AckWatch:
    """Follows every booth's retained cumulative ack."""

    def __init__(self, port: int, final: dict[str, int]) -> None:
        self.final = final
        self.acks: dict[str, int] = {}
        self.done = threading.Event()
        self._lock = threading.Lock()
        self.client = connected_client(port, "bench-acks")
        self.client.on_message = self._on
        self.client.loop_start()
        self.client.subscribe(topics.all_booths(topics.ACK), qos=1)

    def _on(self, _c: Any, _u: Any, msg: Any) -> None:
        booth = msg.topic.split("/")[3]
        upto = json.loads(msg.payload)["upto"]
        with self._lock:
            self.acks[booth] = max(self.acks.get(booth, 0), upto)
            if all(self.acks.get(b, 0) >= s for b, s in self.final.items()):
                self.done.set()

    def acked(self) -> int:
        """Events acknowledged so far."""
        with self._lock:
            return sum(self.acks.values())

    def close(self) -> None:
        """Disconnect."""
        self.client.disconnect()
        self.client.loop_stop()


def renumber(messages: list[Message], after: dict[str, int]) -> list[Message]:
    """Shift each booth's seqs past `after` (a second workload on the same booths)."""
    out = []
    for topic, payload in messages:
        raw = json.loads(payload)
        raw["seq"] += after.get(raw["booth"], 0)
        out.append((topic, json.dumps(raw).encode()))
    return out
