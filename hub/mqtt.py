"""The hub's MQTT connection: persistent v5 session, manual acks, auto-reconnect. Callbacks only enqueue."""

from __future__ import annotations

import logging
import queue
import threading
from collections.abc import Callable
from typing import Any
from urllib.parse import urlsplit

import paho.mqtt.client as mqtt
from paho.mqtt.enums import CallbackAPIVersion
from paho.mqtt.packettypes import PacketTypes
from paho.mqtt.properties import Properties
from paho.mqtt.reasoncodes import ReasonCode
from paho.mqtt.subscribeoptions import SubscribeOptions

from hub.config import BrokerConfig
from hub.ingest.apply import Inbound
from hub.mqtt_properties import share_property_tables
from parcel import topics

log = logging.getLogger(__name__)

SESSION_EXPIRY_S = 30 * 24 * 3600
RECEIVE_MAXIMUM = 1000
KEEPALIVE_S = 30


def event_subscription() -> list[tuple[str, SubscribeOptions]]:
    """Only the shared event subscription: what an ingest worker process consumes."""
    return [(topics.shared(topics.all_booths(topics.EVENT)), SubscribeOptions(qos=1))]


def subscriptions() -> list[tuple[str, SubscribeOptions]]:
    """Events through the hub's shared group; status and health directly (retained messages)."""
    return [
        (topics.shared(topics.all_booths(topics.EVENT)), SubscribeOptions(qos=1)),
        (topics.all_booths(topics.STATUS), SubscribeOptions(qos=1)),
        (topics.all_booths(topics.HEALTH), SubscribeOptions(qos=1)),
        (topics.shared(topics.all_booths(topics.CMD_RESULT)), SubscribeOptions(qos=1)),
    ]


def new_client(cfg: BrokerConfig, session_expiry_s: int) -> tuple[mqtt.Client, str, int, Properties]:
    """A paho MQTT v5 client for cfg with manual acks (and TLS for mqtts://); with the host and port
    to connect to and the CONNECT properties: a persistent session and a Receive Maximum to batch."""
    share_property_tables()
    url = urlsplit(cfg.url)
    client = mqtt.Client(
        CallbackAPIVersion.VERSION2, client_id=cfg.client_id, protocol=mqtt.MQTTv5, manual_ack=True
    )
    if url.scheme == "mqtts":
        client.tls_set(
            ca_certs=str(cfg.ca) if cfg.ca else None,
            certfile=str(cfg.cert) if cfg.cert else None,
            keyfile=str(cfg.key) if cfg.key else None,
        )
    props = Properties(PacketTypes.CONNECT)
    props.SessionExpiryInterval = session_expiry_s
    props.ReceiveMaximum = RECEIVE_MAXIMUM
    port = url.port or (8883 if url.scheme == "mqtts" else 1883)
    return client, url.hostname or "127.0.0.1", port, props


class MqttLink:
    """One paho client for consuming booth messages and publishing acks and outbox rows."""

    def __init__(
        self,
        cfg: BrokerConfig,
        inbox: queue.Queue[Inbound],
        subscribe_to: list[tuple[str, SubscribeOptions]] | None = None,
        unsubscribe_from: list[str] | None = None,
        session_expiry_s: int = SESSION_EXPIRY_S,
    ) -> None:
        self.cfg = cfg
        self.inbox = inbox
        # Which topics this connection consumes (all of subscriptions() by default); topics to drop
        # from a persistent session that subscribed to them before (a role change across restarts).
        self.subscribe_to = subscribe_to
        self.unsubscribe_from = unsubscribe_from or []
        self.session_expiry_s = session_expiry_s
        self.generation = 0  # bumped per connection: mids of an older connection must not be acked
        self._connected = threading.Event()
        self._published: list[Callable[[int], None]] = []
        self._on_connect: list[Callable[[], None]] = []
        self._client: mqtt.Client | None = None

    @property
    def connected(self) -> bool:
        """True while the broker connection is up."""
        return self._connected.is_set()

    def on_published(self, callback: Callable[[int], None]) -> None:
        """Call callback(mid) when the broker acknowledged one of our publishes."""
        self._published.append(callback)

    def on_connected(self, callback: Callable[[], None]) -> None:
        """Call callback() after each successful (re)connection."""
        self._on_connect.append(callback)

    def start(self) -> None:
        """Start the network thread; connects (and reconnects) in the background."""
        client, host, port, props = new_client(self.cfg, self.session_expiry_s)
        client.on_connect = self._handle_connect
        client.on_disconnect = self._handle_disconnect
        client.on_subscribe = self._handle_subscribe
        client.on_connect_fail = self._handle_connect_fail
        client.on_message = self._handle_message
        client.on_publish = self._handle_publish
        client.reconnect_delay_set(min_delay=1, max_delay=10)
        client.connect_async(host, port, KEEPALIVE_S, clean_start=False, properties=props)
        self._client = client
        client.loop_start()

    def wait_connected(self, timeout: float) -> bool:
        """Wait up to timeout seconds for a connection; True when connected."""
        return self._connected.wait(timeout)

    def stop(self) -> None:
        """Disconnect and stop the network thread."""
        client, self._client = self._client, None
        if client is None:
            return
        self._connected.clear()
        client.disconnect()
        client.loop_stop()

    def ack(self, msg: Inbound) -> None:
        """PUBACK a message, unless it came on an earlier connection (the broker will redeliver it)."""
        client = self._client
        if client is None or msg.qos == 0 or msg.generation != self.generation:
            return
        client.ack(msg.mid, msg.qos)

    def publish(self, topic: str, payload: bytes, qos: int = 1, retain: bool = False) -> int | None:
        """Publish while connected; return the message id, or None when not connected."""
        client = self._client
        if client is None or not self.connected:
            return None
        info = client.publish(topic, payload, qos=qos, retain=retain)
        if info.rc != mqtt.MQTT_ERR_SUCCESS:
            return None
        return info.mid

    def _handle_connect(
        self, client: mqtt.Client, _userdata: Any, _flags: Any, reason: ReasonCode, _props: Any
    ) -> None:
        if reason.is_failure:
            log.error("broker refused the connection: %s", reason)
            return
        self.generation += 1
        if self.unsubscribe_from:
            client.unsubscribe(self.unsubscribe_from)
        client.subscribe(self.subscribe_to if self.subscribe_to is not None else subscriptions())

    def _handle_subscribe(
        self, _client: mqtt.Client, _userdata: Any, _mid: int, reasons: list[ReasonCode], _props: Any
    ) -> None:
        failed = [str(r) for r in reasons if r.is_failure]
        if failed:
            log.error("broker refused subscriptions: %s", ", ".join(failed))
        # Up only once subscribed: events published before that would miss a first-time session.
        self._connected.set()
        log.info("connected to the broker and subscribed")
        for callback in self._on_connect:
            callback()

    def _handle_connect_fail(self, _client: mqtt.Client, _userdata: Any) -> None:
        log.warning("broker %s unreachable; retrying", self.cfg.url)

    def _handle_disconnect(
        self, _client: mqtt.Client, _userdata: Any, _flags: Any, reason: ReasonCode, _props: Any
    ) -> None:
        was = self.connected
        self._connected.clear()
        if was:
            log.warning("disconnected from the broker: %s", reason)

    def _handle_message(self, _client: mqtt.Client, _userdata: Any, message: mqtt.MQTTMessage) -> None:
        self.inbox.put(
            Inbound(message.topic, bytes(message.payload), message.mid, message.qos, self.generation)
        )

    def _handle_publish(
        self, _client: mqtt.Client, _userdata: Any, mid: int, _reason: ReasonCode, _props: Any
    ) -> None:
        for callback in self._published:
            callback(mid)
