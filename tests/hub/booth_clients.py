"""A paho client that publishes as many booths and follows the hub's cumulative acks."""

from __future__ import annotations

import json
import threading
import uuid

import paho.mqtt.client as mqtt
from paho.mqtt.enums import CallbackAPIVersion


class BoothsClient:
    """One paho client publishing as many booths and recording the highest ack of each."""

    def __init__(self, port: int) -> None:
        self.acks: dict[str, int] = {}
        self._lock = threading.Lock()
        self.client = mqtt.Client(
            CallbackAPIVersion.VERSION2, client_id=f"booths-{uuid.uuid4().hex[:6]}", protocol=mqtt.MQTTv5
        )
        self.client.max_inflight_messages_set(1000)
        self.client.on_message = self._on_ack
        self.client.connect("127.0.0.1", port)
        self.client.loop_start()
        self.client.subscribe("dak/v1/booth/+/ack", qos=1)

    def _on_ack(self, _c: mqtt.Client, _u: object, msg: mqtt.MQTTMessage) -> None:
        booth = msg.topic.split("/")[3]
        upto = json.loads(msg.payload)["upto"]
        with self._lock:
            self.acks[booth] = max(self.acks.get(booth, 0), upto)  # acks may arrive out of order

    def acked(self) -> int:
        """Events acknowledged so far over all booths."""
        with self._lock:
            return sum(self.acks.values())

    def publish_all(self, messages: list[tuple[str, bytes]]) -> None:
        """Publish (topic, payload) pairs at QoS 1 and wait until the broker has each."""
        infos = [self.client.publish(topic, payload, qos=1) for topic, payload in messages]
        for info in infos:
            info.wait_for_publish(30)

    def close(self) -> None:
        """Disconnect."""
        self.client.disconnect()
        self.client.loop_stop()
