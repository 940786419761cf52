"""An ingest worker process's loop: one thread reads the shared event subscription, applies batches
and acknowledges them.

A worker process does nothing else, so it drives paho through its calls for an external event loop
(`socket`, `loop_read`, `loop_write`, `loop_misc`) instead of a network thread and a queue. Nothing
changes hands between threads per message, and one wake-up reads every packet waiting on the socket,
where paho's own loop reads one packet per wake-up. The contract is the threaded path's: PUBACK and
the cumulative ack only after the batch is committed, never for a message of an earlier connection.
"""

from __future__ import annotations

import contextlib
import logging
import select
import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import paho.mqtt.client as mqtt
from paho.mqtt.reasoncodes import ReasonCode
from sqlalchemy import Engine
from sqlalchemy.exc import SQLAlchemyError

from hub.config import BrokerConfig
from hub.ingest.apply import Inbound, Outcome
from hub.ingest.timing import BatchTimes
from hub.ingest.worker import BATCH_MAX, BATCH_WINDOW_S, RETRY_S, commit_batch
from hub.mqtt import KEEPALIVE_S, event_subscription, new_client
from parcel import topics
from parcel.control import Ack

log = logging.getLogger(__name__)

IDLE_TICK_S = 1.0  # keepalive pings and reconnects are looked after at least this often
RECONNECT_MIN_S = 1.0
RECONNECT_MAX_S = 10.0


class IngestLoop:
    """Consumes booth events in one thread: batches of up to 500 messages or 20 ms, one transaction
    each, then the PUBACKs and the retained cumulative acks."""

    def __init__(self, cfg: BrokerConfig, engine: Engine, session_expiry_s: int) -> None:
        self.cfg = cfg
        self.engine = engine
        self.client, self._host, self._port, self._props = new_client(cfg, session_expiry_s)
        self.client.on_connect = self._on_connect
        self.client.on_subscribe = self._on_subscribe
        self.client.on_disconnect = self._on_disconnect
        self.client.on_message = self._on_message
        self.generation = 0  # bumped per connection: mids of an older connection must not be acked
        self.subscribed = False
        self.pending: list[Inbound] = []
        self._received = 0  # messages read so far
        self._first_at = 0.0  # when the oldest pending message came
        self._retry_at = 0.0  # after a failed commit, not before this
        self._reconnect_s = RECONNECT_MIN_S
        self._started = False
        self.times = BatchTimes()

    def run(self, stop: threading.Event) -> None:
        """Until stop is set: stay connected, read, and apply each batch when it is full or due."""
        try:
            while not stop.is_set():
                if not self._connected(stop):
                    continue
                self._pump(self._wait_s())
                if self._due():
                    self._process(self.pending[:BATCH_MAX])
                if self.times.due():
                    self.times.report(log)
            if self.pending and time.monotonic() >= self._retry_at:
                self._process(self.pending[:BATCH_MAX])  # the batch in hand, before leaving
        finally:
            self.client.disconnect()
            self.times.report(log)

    def _connected(self, stop: threading.Event) -> bool:
        """True while a connection is up; otherwise try one (re)connection, backing off on failure."""
        if self.client.is_connected() or self.client.socket() is not None:
            return True
        try:
            if self._started:
                self.client.reconnect()
            else:
                self.client.connect(
                    self._host, self._port, KEEPALIVE_S, clean_start=False, properties=self._props
                )
                self._started = True
            self._reconnect_s = RECONNECT_MIN_S
            return True
        except OSError as exc:
            log.warning(
                "broker %s unreachable (%s); retrying in %.0f s", self.cfg.url, exc, self._reconnect_s
            )
            stop.wait(self._reconnect_s)
            self._reconnect_s = min(self._reconnect_s * 2, RECONNECT_MAX_S)
            return False

    def _wait_s(self) -> float:
        """How long the next wait for the socket may last: until the batch is due, or a tick."""
        if not self.pending:
            return IDLE_TICK_S
        due = max(self._first_at + BATCH_WINDOW_S, self._retry_at)
        return min(max(due - time.monotonic(), 0.0), IDLE_TICK_S)

    def _due(self) -> bool:
        if not self.pending or time.monotonic() < self._retry_at:
            return False
        return len(self.pending) >= BATCH_MAX or time.monotonic() >= self._first_at + BATCH_WINDOW_S

    def _pump(self, timeout: float) -> None:
        """Wait up to timeout for the socket, read every packet waiting, write what is queued."""
        client = self.client
        sock = client.socket()
        if sock is None:
            return
        readable = _buffered(sock)
        if not readable:
            wanted = [sock] if client.want_write() else []
            readable = bool(select.select([sock], wanted, [], timeout)[0])
        rc = mqtt.MQTTErrorCode.MQTT_ERR_SUCCESS
        if readable:
            for _ in range(2 * BATCH_MAX):
                received = self._received
                rc = client.loop_read()
                if rc != mqtt.MQTTErrorCode.MQTT_ERR_SUCCESS or (sock := client.socket()) is None:
                    break
                # A message came: read on. Otherwise (an ack of ours, part of a packet, or nothing)
                # ask the socket whether more is waiting.
                if self._received == received and not _waiting(sock):
                    break
        if rc == mqtt.MQTTErrorCode.MQTT_ERR_SUCCESS and client.want_write():
            rc = client.loop_write()
        if rc == mqtt.MQTTErrorCode.MQTT_ERR_SUCCESS:
            client.loop_misc()

    def _process(self, batch: list[Inbound]) -> None:
        """Apply and commit one batch; only then PUBACK it and publish the acks. On a database error
        the batch stays pending and is tried again after RETRY_S (reading goes on meanwhile)."""
        try:
            outcome, marks = commit_batch(self.engine, batch)
        except SQLAlchemyError:
            log.exception("batch of %d failed; retrying", len(batch))
            self._retry_at = time.monotonic() + RETRY_S
            return
        del self.pending[: len(batch)]
        self._acknowledge(outcome)
        self._first_at = time.monotonic()
        marks.append(self._first_at)
        self.times.add(len(batch), marks)

    def _acknowledge(self, outcome: Outcome) -> None:
        """PUBACK a committed batch's messages (of this connection only) and publish its acks."""
        with gathered(self.client.socket()):
            for msg in outcome.settled:
                if msg.qos and msg.generation == self.generation:
                    self.client.ack(msg.mid, msg.qos)
            if not self.client.is_connected():
                return  # the acks are retained: the next batch after reconnecting carries them
            for booth_id, upto in outcome.acks.items():
                payload = Ack(upto=upto).model_dump_json().encode()
                self.client.publish(topics.booth_topic(booth_id, topics.ACK), payload, qos=1, retain=True)

    def _on_connect(self, client: mqtt.Client, _u: Any, _f: Any, reason: ReasonCode, _p: Any) -> None:
        if reason.is_failure:
            log.error("broker refused the connection: %s", reason)
            return
        self.generation += 1
        client.subscribe(event_subscription())

    def _on_subscribe(self, _c: mqtt.Client, _u: Any, _mid: int, reasons: list[ReasonCode], _p: Any) -> None:
        failed = [str(r) for r in reasons if r.is_failure]
        if failed:
            log.error("broker refused subscriptions: %s", ", ".join(failed))
        self.subscribed = True
        log.info("connected to the broker and subscribed")

    def _on_disconnect(self, _c: mqtt.Client, _u: Any, _f: Any, reason: ReasonCode, _p: Any) -> None:
        if self.subscribed:
            log.warning("disconnected from the broker: %s", reason)
        self.subscribed = False

    def _on_message(self, _c: mqtt.Client, _u: Any, message: mqtt.MQTTMessage) -> None:
        self._received += 1
        if not self.pending:
            self._first_at = time.monotonic()
        self.pending.append(
            Inbound(message.topic, bytes(message.payload), message.mid, message.qos, self.generation)
        )


@contextmanager
def gathered(sock: Any) -> Iterator[None]:
    """Hold back sock's writes until the block ends (TCP_CORK), then send them in full segments.

    paho writes each packet as it is queued, so a batch's PUBACKs and acks were hundreds of small
    segments, each one a wake-up and a read for the broker. Where the option does not exist (not
    Linux, not TCP) the writes go out as before."""
    cork = getattr(socket, "TCP_CORK", None)
    corked = False
    if cork is not None and hasattr(sock, "setsockopt"):
        with contextlib.suppress(OSError):  # not a TCP socket
            sock.setsockopt(socket.IPPROTO_TCP, cork, 1)
            corked = True
    try:
        yield
    finally:
        if corked:
            with contextlib.suppress(OSError):  # a connection lost meanwhile: paho sees it too
                sock.setsockopt(socket.IPPROTO_TCP, cork, 0)


def _buffered(sock: Any) -> bool:
    """True when TLS has decrypted bytes in hand that select() cannot see."""
    pending = getattr(sock, "pending", None)
    return bool(pending and pending() > 0)


def _waiting(sock: Any) -> bool:
    """True when more bytes can be read from sock without waiting."""
    return _buffered(sock) or bool(select.select([sock], [], [], 0)[0])
