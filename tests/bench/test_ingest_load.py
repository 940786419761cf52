"""The ingest bench's publisher against a real Mosquitto: every message arrives once, past paho's
65,535 message ids, and a rate is kept."""

from __future__ import annotations

import threading
import time
from typing import Any

import paho.mqtt.client as mqtt

from bench.ingest_load import IN_FLIGHT, _publisher, connected_client
from demo.processes import Mosquitto


def _run(broker: Mosquitto, messages: list[tuple[str, bytes]], rate: float) -> tuple[list[bytes], float]:
    """Publish messages through the bench publisher (in a thread here); what a subscriber got, and
    how long the publisher took."""
    got: list[bytes] = []
    complete = threading.Event()

    def on_message(_c: Any, _u: Any, msg: mqtt.MQTTMessage) -> None:
        got.append(msg.payload)
        if len(got) == len(messages):
            complete.set()

    sub = connected_client(broker.port, "test-sub")
    sub.on_message = on_message
    sub.loop_start()
    sub.subscribe("load/#", qos=0)
    time.sleep(0.3)
    go, done = threading.Event(), threading.Event()
    go.set()
    began = time.monotonic()
    _publisher(broker.port, messages, rate, go, done)
    took = time.monotonic() - began
    assert done.is_set()
    complete.wait(30)
    sub.disconnect()
    sub.loop_stop()
    return got, took


def test_more_messages_than_paho_has_ids_arrive_each_once(broker: Mosquitto) -> None:
    count = 70_000  # past 65,535: ids are reused, so no more than IN_FLIGHT may be outstanding
    messages = [(f"load/{i % 7}", str(i).encode()) for i in range(count)]
    got, _ = _run(broker, messages, 0)
    assert len(got) == count
    assert sorted(int(p) for p in got) == list(range(count))
    assert IN_FLIGHT < 65_535


def test_a_rate_is_kept(broker: Mosquitto) -> None:
    messages = [("load/rate", str(i).encode()) for i in range(1_500)]
    got, took = _run(broker, messages, 3_000)  # half a second's worth
    assert sorted(int(p) for p in got) == list(range(1_500))
    assert 0.45 <= took < 5
