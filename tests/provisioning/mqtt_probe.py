"""A paho MQTT v5 client for security tests: connects with a certificate and reports reason codes."""

from __future__ import annotations

import queue
import socket
import ssl
from pathlib import Path
from typing import Any

import paho.mqtt.client as mqtt
from paho.mqtt.enums import CallbackAPIVersion
from paho.mqtt.reasoncodes import ReasonCode


class Probe:
    """A connected client that waits for CONNACK, SUBACK, PUBACK and messages, and reports their codes."""

    def __init__(self, port: int, client_id: str, bundle: Path | None, cert: str = "booth") -> None:
        self.client = mqtt.Client(CallbackAPIVersion.VERSION2, client_id=client_id, protocol=mqtt.MQTTv5)
        if bundle is not None:
            self.client.tls_set(
                ca_certs=str(bundle / "ca.crt"),
                certfile=str(bundle / f"{cert}.crt"),
                keyfile=str(bundle / f"{cert}.key"),
                tls_version=ssl.PROTOCOL_TLS_CLIENT,
            )
        self.events: queue.Queue[tuple[str, Any]] = queue.Queue()
        self.stash: list[tuple[str, Any]] = []  # events that arrived while waiting for another kind
        self.client.on_connect = lambda c, u, f, rc, p: self.events.put(("connect", rc))
        self.client.on_subscribe = lambda c, u, mid, rcs, p: self.events.put(("suback", rcs[0]))
        self.client.on_publish = lambda c, u, mid, rc, p: self.events.put(("puback", rc))
        self.client.on_message = lambda c, u, m: self.events.put(("message", (m.topic, m.payload)))
        self.port = port

    def connect(self) -> ReasonCode:
        """Connect and return the CONNACK reason code (raises on a TLS or socket failure)."""
        self.client.connect("127.0.0.1", self.port, keepalive=10)
        self.client.loop_start()
        return self.wait("connect")

    def wait(self, kind: str, timeout: float = 5.0) -> Any:
        """The next event of this kind."""
        for i, (got, value) in enumerate(self.stash):
            if got == kind:
                del self.stash[i]
                return value
        while True:
            got, value = self.events.get(timeout=timeout)
            if got == kind:
                return value
            self.stash.append((got, value))

    def publish(self, topic: str, payload: bytes = b"{}") -> ReasonCode:
        """Publish at QoS 1 and return the PUBACK reason code."""
        self.client.publish(topic, payload, qos=1)
        return self.wait("puback")

    def subscribe(self, topic: str) -> ReasonCode:
        """Subscribe at QoS 1 and return the SUBACK reason code."""
        self.client.subscribe(topic, qos=1)
        return self.wait("suback")

    def close(self) -> None:
        """Disconnect and stop the network thread."""
        self.client.disconnect()
        self.client.loop_stop()


def session_opens(port: int, client_id: str, bundle: Path | None, cert: str = "booth") -> bool:
    """True when a TLS connection with this certificate (or plain TCP when bundle is None) gets a CONNACK.

    Speaks raw MQTT v5 so that every socket is closed whatever the broker does to the handshake.
    """
    ident = client_id.encode()
    body = b"\x00\x04MQTT\x05\x02\x00\x0a\x00" + len(ident).to_bytes(2, "big") + ident
    connect = bytes([0x10, len(body)]) + body
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=3) as raw:
            if bundle is None:
                raw.sendall(connect)
                return raw.recv(1) == b"\x20"
            ctx = ssl.create_default_context(cafile=str(bundle / "ca.crt"))
            ctx.load_cert_chain(str(bundle / f"{cert}.crt"), str(bundle / f"{cert}.key"))
            with ctx.wrap_socket(raw, server_hostname="127.0.0.1") as tls:
                tls.sendall(connect)
                return tls.recv(1) == b"\x20"
    except OSError:  # refused handshake, alert after it, reset, or timeout
        return False
