"""The in-process ingest worker: takes batches from the inbox, applies and commits, then acknowledges."""

from __future__ import annotations

import logging
import queue
import threading
import time

from sqlalchemy import Engine
from sqlalchemy.exc import SQLAlchemyError

from hub.clock import utcnow
from hub.ingest.apply import Inbound, Outcome, apply_batch
from hub.ingest.fast import check_events
from hub.ingest.timing import BatchTimes
from hub.mqtt import MqttLink
from parcel import topics
from parcel.control import Ack

log = logging.getLogger(__name__)

BATCH_MAX = 500
BATCH_WINDOW_S = 0.02
RETRY_S = 1.0


def commit_batch(engine: Engine, batch: list[Inbound]) -> tuple[Outcome, list[float]]:
    """Validate batch, then apply and commit it in one transaction; raise SQLAlchemyError on a
    database error. Returns what to acknowledge, and the clock at the start and at the end of
    validating, waiting, applying and committing (hub.ingest.timing)."""
    marks = [time.monotonic()]
    now = utcnow()
    checked = check_events(batch, now)  # before the transaction: it needs no database
    marks.append(time.monotonic())
    with engine.begin() as conn:  # on SQLite, once the writer turn is this worker's
        marks.append(time.monotonic())
        outcome = apply_batch(conn, batch, now, checked)
        marks.append(time.monotonic())
    marks.append(time.monotonic())
    return outcome, marks


class IngestWorker(threading.Thread):
    """Applies booth messages in batches of up to 500 or 20 ms, one transaction each."""

    def __init__(self, engine: Engine, inbox: queue.Queue[Inbound], link: MqttLink) -> None:
        super().__init__(name="hub-ingest", daemon=True)
        self.engine = engine
        self.inbox = inbox
        self.link = link
        self.stopping = threading.Event()
        self.times = BatchTimes()

    def stop(self) -> None:
        """Ask the loop to finish its current batch and return."""
        self.stopping.set()

    def run(self) -> None:
        """Loop until stopped: collect a batch, apply it, acknowledge it."""
        try:
            while not self.stopping.is_set():
                batch = self._collect()
                if batch:
                    self._process(batch)
                if self.times.due():
                    self.times.report(log)
        finally:
            self.times.report(log)

    def _collect(self) -> list[Inbound]:
        try:
            batch = [self.inbox.get(timeout=0.2)]
        except queue.Empty:
            return []
        deadline = time.monotonic() + BATCH_WINDOW_S
        while len(batch) < BATCH_MAX:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                break
            try:
                batch.append(self.inbox.get(timeout=remaining))
            except queue.Empty:
                break
        return batch

    def _process(self, batch: list[Inbound]) -> None:
        while not self.stopping.is_set():
            try:
                outcome, marks = commit_batch(self.engine, batch)
            except SQLAlchemyError:
                log.exception("batch of %d failed; retrying", len(batch))
                self.stopping.wait(RETRY_S)
                continue
            # Only now, after the commit, may the broker and the booths learn that we have them.
            for msg in outcome.settled:
                self.link.ack(msg)
            for booth_id, upto in outcome.acks.items():
                payload = Ack(upto=upto).model_dump_json().encode()
                self.link.publish(topics.booth_topic(booth_id, topics.ACK), payload, qos=1, retain=True)
            marks.append(time.monotonic())
            self.times.add(len(batch), marks)
            return
