"""The in-process ingest worker (`--workers 0`): batches from the inbox committed, acked and timed."""

from __future__ import annotations

import queue
import time

import pytest
from sqlalchemy import Engine

from demo.processes import Mosquitto
from hub.config import BrokerConfig
from hub.ingest.apply import Inbound
from hub.ingest.worker import IngestWorker
from hub.mqtt import MqttLink
from tests.hub.factory import DEST, accepted, event, tid
from tests.hub.test_ingest_loop import stored
from tests.hub.test_ingest_timing import assert_one_summary

BOOTH = "BD-4100-01"


def test_the_in_process_worker_commits_its_batches_and_logs_where_its_time_went(
    broker: Mosquitto, engine: Engine, caplog: pytest.LogCaptureFixture
) -> None:
    inbox: queue.Queue[Inbound] = queue.Queue()
    link = MqttLink(BrokerConfig(url=broker.url, client_id="hub-in-process"), inbox)
    link.start()
    assert link.wait_connected(20)
    worker = IngestWorker(engine, inbox, link)
    with caplog.at_level("INFO", logger="hub.ingest.worker"):
        worker.start()
        try:
            for seq in range(1, 41):
                inbox.put(event(BOOTH, seq, accepted(tid(61_000_000 + seq), BOOTH, DEST)))
            deadline = time.monotonic() + 30
            while stored(engine)[0] < 40:
                assert time.monotonic() < deadline, f"{stored(engine)} events, distinct and dead letters"
                time.sleep(0.05)
        finally:
            worker.stop()
            worker.join(10)
            link.stop()
    assert not worker.is_alive()
    assert stored(engine) == (40, 40, 0)  # each event once, none dead-lettered
    # Leaving, it logs the stages of its batches as the worker processes do (hub.ingest.timing).
    assert_one_summary(caplog, 40)
