"""The ingest bench's publisher against a real Mosquitto: every message arrives once, past paho's
65,535 message ids, and a rate is kept; and its fleet workload numbers each booth's events as a
kiosk would."""

from __future__ import annotations

import threading
import time
from typing import Any

import paho.mqtt.client as mqtt

from bench.ingest_load import IN_FLIGHT, _publisher, connected_client, fleet, renumber, workload
from demo.processes import Mosquitto
from parcel import topics
from parcel.messages import parse_event


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


def test_a_fleet_workload_continues_each_booths_seqs_after_its_warm_up() -> None:
    booths = fleet(300)
    assert len(set(booths)) == 300 and all(topics.is_booth_id(b) for b in booths)
    warm, final_warm, _ = workload(300, first_serial=70_000_000, booths=booths)
    load, final_load, _ = workload(200, first_serial=80_000_000, booths=booths)
    assert set(final_warm) == set(booths)  # the warm-up reaches every booth
    seqs: dict[str, list[int]] = {}
    for topic, payload in warm + renumber(load, final_warm):
        env = parse_event(payload, topic.split("/")[-2])
        seqs.setdefault(env.booth, []).append(env.seq)
    # Every booth numbers its events 1, 2, 3 ... across both, as a kiosk's outbox does.
    assert all(s == list(range(1, len(s) + 1)) for s in seqs.values())
    assert {b: len(s) for b, s in seqs.items()} == {b: final_warm[b] + final_load.get(b, 0) for b in booths}
