"""The paho-mqtt client: callbacks only enqueue; one worker thread applies everything."""

from __future__ import annotations

import logging
import queue
import ssl
import threading
import time
from datetime import datetime
from typing import Any

import paho.mqtt.client as mqtt
from paho.mqtt.enums import CallbackAPIVersion
from paho.mqtt.packettypes import PacketTypes
from paho.mqtt.properties import Properties
from paho.mqtt.reasoncodes import ReasonCode
from pydantic import ValidationError

from kiosk.config import BrokerConfig, UplinkConfig
from kiosk.services import commands, inbound, status
from kiosk.services.context import Context
from kiosk.uplink.sender import Sender
from parcel import topics
from parcel.control import Ack, BoothConfig, BoothStatus, Command, Manifest

log = logging.getLogger(__name__)

SUBSCRIPTIONS = (topics.ACK, topics.MANIFEST, topics.CONFIG, topics.CMD)


class Uplink:
    """Connects the booth to the hub's broker and keeps the outbox flowing."""

    def __init__(self, ctx: Context, broker: BrokerConfig, settings: UplinkConfig) -> None:
        self.ctx = ctx
        self.broker = broker
        self.settings = settings
        self.booth = ctx.booth_id
        self.sender = Sender(ctx.store, settings.window, settings.resend_after_s)
        self._queue: queue.Queue[tuple[str, Any]] = queue.Queue()
        self._stop = threading.Event()
        self._connected = threading.Event()
        self._worker: threading.Thread | None = None
        self._client: mqtt.Client | None = None
        self._next_health = 0.0

    # -- public API ------------------------------------------------------------------------------

    @property
    def connected(self) -> bool:
        """True while the broker session is up."""
        return self._connected.is_set()

    def wake(self) -> None:
        """Tell the worker that new events are in the outbox."""
        self._queue.put(("wake", None))

    def start(self) -> None:
        """Create the client, start connecting (with automatic reconnect) and start the worker."""
        client = mqtt.Client(
            CallbackAPIVersion.VERSION2,
            client_id=self.booth,
            protocol=mqtt.MQTTv5,
            reconnect_on_failure=True,
            manual_ack=True,  # a manifest or command is acknowledged only once it is in the store
        )
        client.reconnect_delay_set(min_delay=1, max_delay=30)
        client.max_queued_messages_set(0)
        if self.broker.tls:
            client.tls_set(
                ca_certs=str(self.broker.ca) if self.broker.ca else None,
                certfile=str(self.broker.cert) if self.broker.cert else None,
                keyfile=str(self.broker.key) if self.broker.key else None,
                tls_version=ssl.PROTOCOL_TLS_CLIENT,
            )
        client.will_set(self._topic(topics.STATUS), self._status("offline"), qos=1, retain=True)
        client.on_connect = self._on_connect
        client.on_disconnect = self._on_disconnect
        client.on_message = self._on_message
        props = Properties(PacketTypes.CONNECT)
        props.SessionExpiryInterval = self.settings.session_expiry_s
        self._client = client
        self._worker = threading.Thread(target=self._run, name="uplink-worker", daemon=True)
        self._worker.start()
        client.connect_async(
            self.broker.host,
            self.broker.port,
            keepalive=self.settings.keepalive_s,
            clean_start=False,
            properties=props,
        )
        client.loop_start()

    def stop(self, timeout: float = 5.0) -> None:
        """Publish status offline (retained), disconnect and stop the threads."""
        self._stop.set()
        self._queue.put(("stop", None))
        if self._worker is not None:
            self._worker.join(timeout)
        client = self._client
        if client is None:
            return
        if self.connected:
            info = client.publish(self._topic(topics.STATUS), self._status("offline"), qos=1, retain=True)
            try:
                info.wait_for_publish(timeout)
            except (RuntimeError, ValueError) as exc:
                log.warning("offline status not published: %s", exc)
        client.disconnect()
        client.loop_stop()
        self._connected.clear()

    # -- paho callbacks: enqueue only ---------------------------------------------------------

    def _on_connect(
        self, client: mqtt.Client, userdata: Any, flags: Any, reason: ReasonCode, props: Any
    ) -> None:
        self._queue.put(("connect", reason))

    def _on_disconnect(
        self, client: mqtt.Client, userdata: Any, flags: Any, reason: ReasonCode, props: Any
    ) -> None:
        self._queue.put(("disconnect", reason))

    def _on_message(self, client: mqtt.Client, userdata: Any, message: mqtt.MQTTMessage) -> None:
        self._queue.put(("message", (message.topic, bytes(message.payload), message.mid, message.qos)))

    # -- worker --------------------------------------------------------------------------------

    def _run(self) -> None:
        while not self._stop.is_set():
            try:
                kind, value = self._queue.get(timeout=min(1.0, self.settings.resend_after_s / 2))
            except queue.Empty:
                kind, value = "tick", None
            try:
                self._handle(kind, value)
                self._pump()
                self._health_if_due()
            except Exception:  # the worker must outlive any single bad message or store hiccup
                log.exception("uplink worker error while handling %s", kind)

    def _handle(self, kind: str, value: Any) -> None:
        if kind == "connect":
            self._connected_now(value)
        elif kind == "disconnect":
            if self._connected.is_set():
                log.warning("disconnected from the broker: %s", value)
            self._connected.clear()
        elif kind == "message":
            topic, payload, mid, qos = value
            self._message(topic, payload)
            if self._client is not None:  # applied and committed (or refused as invalid): now PUBACK
                self._client.ack(mid, qos)

    def _connected_now(self, reason: ReasonCode) -> None:
        if reason.is_failure:
            log.error("broker refused the connection: %s", reason)
            self._connected.clear()
            return
        assert self._client is not None
        log.info("connected to %s", self.broker.url)
        self._connected.set()
        self._client.publish(self._topic(topics.STATUS), self._status("online"), qos=1, retain=True)
        self._client.subscribe([(self._topic(leaf), 1) for leaf in SUBSCRIPTIONS])
        self.sender.restart()
        self._next_health = 0.0

    def _pump(self) -> None:
        if not self.connected or self._client is None:
            return
        for row in self.sender.next_batch():
            info = self._client.publish(self._topic(topics.EVENT), row.payload, qos=1, retain=False)
            if info.rc != mqtt.MQTT_ERR_SUCCESS:
                log.warning("publishing seq %d failed (rc %s); will resend", row.seq, info.rc)
                return
            self.sender.published(row.seq)

    def _health_if_due(self) -> None:
        if not self.connected or self._client is None or time.monotonic() < self._next_health:
            return
        self._next_health = time.monotonic() + self.settings.health_interval_s
        payload = status.health(self.ctx).model_dump_json().encode()
        self._client.publish(self._topic(topics.HEALTH), payload, qos=1, retain=True)

    def _message(self, topic: str, payload: bytes) -> None:
        parsed = topics.parse(topic)
        if parsed is None or parsed[0] != self.booth:
            log.warning("ignored message on unexpected topic %s", topic)
            return
        leaf = parsed[1]
        try:
            if leaf == topics.ACK:
                upto = self.sender.acked(Ack.model_validate_json(payload).upto)
                log.debug("acked up to %d", upto)
            elif leaf == topics.MANIFEST:
                inbound.apply_manifest(self.ctx, Manifest.model_validate_json(payload))
            elif leaf == topics.CONFIG:
                inbound.apply_config(self.ctx, BoothConfig.model_validate_json(payload))
            elif leaf == topics.CMD:
                self._command(Command.model_validate_json(payload))
            else:
                log.warning("ignored message on %s", topic)
        except ValidationError as exc:
            first = exc.errors()[0]
            where = ".".join(str(p) for p in first["loc"]) or "message"
            log.warning("ignored invalid %s message: %s: %s", leaf, where, first["msg"])

    def _command(self, command: Command) -> None:
        assert self._client is not None
        result = commands.run(self.ctx, command)
        log.info("command %s (%s): %s", command.id, command.name, "ok" if result.ok else result.detail[:80])
        self._client.publish(self._topic(topics.CMD_RESULT), result.model_dump_json().encode(), qos=1)

    # -- helpers --------------------------------------------------------------------------------

    def _topic(self, leaf: str) -> str:
        return topics.booth_topic(self.booth, leaf)

    def _status(self, state: str) -> bytes:
        return BoothStatus(state=state, at=datetime.now().astimezone()).model_dump_json().encode()  # type: ignore[arg-type]
