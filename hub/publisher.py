"""The MQTT outbox sender: publishes pending rows and marks them sent on the broker's PUBACK."""

from __future__ import annotations

import logging
import queue
import threading

from sqlalchemy import Engine, select
from sqlalchemy.exc import SQLAlchemyError

from hub.clock import utcnow
from hub.db.schema import mqtt_outbox
from hub.mqtt import MqttLink

log = logging.getLogger(__name__)

POLL_S = 0.2
PAGE = 100


class Publisher(threading.Thread):
    """Sends mqtt_outbox rows in id order; rows stay pending until PUBACK, across crashes and outages."""

    def __init__(self, engine: Engine, link: MqttLink, reader: Engine | None = None) -> None:
        super().__init__(name="hub-publisher", daemon=True)
        self.engine = engine
        self.reader = reader or engine  # SQLite: reads that do not take the write lock from ingest
        self.link = link
        self.stopping = threading.Event()
        self._done: queue.Queue[int] = queue.Queue()
        self._reset = threading.Event()
        self._inflight: dict[int, int] = {}  # mid -> outbox row id
        link.on_published(self._done.put)
        link.on_connected(self._reset.set)

    def stop(self) -> None:
        """Ask the loop to return."""
        self.stopping.set()

    def run(self) -> None:
        """Loop until stopped: confirm PUBACKed rows, publish pending ones."""
        while not self.stopping.wait(POLL_S):
            try:
                self.step()
            except SQLAlchemyError:
                log.exception("outbox step failed")

    def step(self) -> None:
        """One round: mark acknowledged rows sent, then publish rows not yet in flight."""
        if self._reset.is_set():
            # A new connection: anything unconfirmed is sent again (at least once).
            self._reset.clear()
            self._inflight.clear()
        self._confirm()
        if not self.link.connected:
            return
        with self.reader.connect() as conn:
            rows = conn.execute(
                select(
                    mqtt_outbox.c.id,
                    mqtt_outbox.c.topic,
                    mqtt_outbox.c.payload,
                    mqtt_outbox.c.qos,
                    mqtt_outbox.c.retain,
                )
                .where(mqtt_outbox.c.status == "pending")
                .order_by(mqtt_outbox.c.id)
                .limit(PAGE)
            ).all()
        busy = set(self._inflight.values())
        for row in rows:
            if row.id in busy:
                continue
            mid = self.link.publish(row.topic, row.payload, qos=row.qos, retain=row.retain)
            if mid is None:
                return
            self._inflight[mid] = row.id

    def _confirm(self) -> None:
        ids: list[int] = []
        while True:
            try:
                mid = self._done.get_nowait()
            except queue.Empty:
                break
            row_id = self._inflight.pop(mid, None)
            if row_id is not None:
                ids.append(row_id)
        if ids:
            with self.engine.begin() as conn:
                conn.execute(
                    mqtt_outbox.update()
                    .where(mqtt_outbox.c.id.in_(ids), mqtt_outbox.c.status == "pending")
                    .values(status="sent", sent_at=utcnow())
                )
