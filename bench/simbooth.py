"""Simulated booths for load tests: MQTT v5 clients on asyncio that speak the wire contract.

Each booth numbers its events like a kiosk (seq from 1), keeps the send time of every seq and
turns the hub's cumulative `ack` into end-to-end latencies. aiomqtt drives paho from the asyncio
loop (epoll), so one process holds thousands of connections, past select()'s 1,024 limit.
"""

from __future__ import annotations

import asyncio
import json
import time
import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import aiomqtt
from paho.mqtt.packettypes import PacketTypes
from paho.mqtt.properties import Properties

from parcel import s10, topics
from parcel.control import BoothStatus, DeviceHealth, Health, OutboxHealth
from parcel.lifecycle import EventType
from parcel.messages import Accepted, Arrived, Delivered, Dispatched, Ready, Recipient, Strict, make_event

IN_FLIGHT = 1_000  # a booth's events awaiting their PUBACK, as a kiosk's uplink window allows


def booth_ids(n: int) -> list[str]:
    """n distinct booth ids (postcode 1000..9999, booth numbers 01..99)."""
    return [f"BD-{1000 + i % 9000}-{1 + i // 9000:02d}" for i in range(n)]


@dataclass
class Latencies:
    """Seconds from an event's creation at a booth to the ack that covered it."""

    values: list[float] = field(default_factory=list)

    def quantile(self, q: float) -> float:
        """The q-quantile (0..1) in seconds, or NaN when empty."""
        if not self.values:
            return float("nan")
        ordered = sorted(self.values)
        return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


class SimBooth:
    """One booth: a persistent MQTT v5 session, an outbox of unacked events, latency on ack."""

    def __init__(self, booth_id: str, host: str, port: int, latencies: Latencies, serial_base: int) -> None:
        self.booth_id = booth_id
        self.host = host
        self.port = port
        self.latencies = latencies
        self.seq = 0
        self.acked = 0
        self.sent: dict[int, float] = {}
        self.serial = serial_base
        self.client: aiomqtt.Client | None = None
        self._listener: asyncio.Task[None] | None = None
        self._publishing: set[asyncio.Task[None]] = set()
        self.all_acked = asyncio.Event()

    def _status(self, state: str) -> bytes:
        return BoothStatus(state=state, at=datetime.now(UTC)).model_dump_json().encode()  # type: ignore[arg-type]

    async def connect(self) -> None:
        """Open the session, announce online (Last Will offline) and listen for acks."""
        props = Properties(PacketTypes.CONNECT)
        props.SessionExpiryInterval = 3600
        will = aiomqtt.Will(
            topics.booth_topic(self.booth_id, topics.STATUS), self._status("offline"), 1, True
        )
        self.client = aiomqtt.Client(
            self.host,
            self.port,
            identifier=self.booth_id,
            protocol=aiomqtt.ProtocolVersion.V5,
            clean_start=False,
            properties=props,
            will=will,
            keepalive=60,
            max_inflight_messages=IN_FLIGHT,
        )
        # Many publishes waiting for their PUBACK are the design here (a kiosk's outbox window), so
        # aiomqtt warns only when more wait than may be in flight.
        self.client.pending_calls_threshold = IN_FLIGHT
        await self.client.__aenter__()
        await self.client.subscribe(topics.booth_topic(self.booth_id, topics.ACK), qos=1)
        await self.client.publish(
            topics.booth_topic(self.booth_id, topics.STATUS), self._status("online"), 1, True
        )
        self._listener = asyncio.create_task(self._listen())

    async def _listen(self) -> None:
        assert self.client is not None
        async for message in self.client.messages:
            upto = int(json.loads(message.payload)["upto"])
            now = time.perf_counter()
            for seq in range(self.acked + 1, min(upto, self.seq) + 1):
                started = self.sent.pop(seq, None)
                if started is not None:
                    self.latencies.values.append(now - started)
            self.acked = max(self.acked, upto)
            if self.acked >= self.seq:
                self.all_acked.set()

    async def close(self) -> None:
        """Disconnect cleanly (the broker keeps the session)."""
        await self.flush()
        if self._listener:
            self._listener.cancel()
        if self.client:
            await self.client.__aexit__(None, None, None)

    def next_tracking_id(self) -> str:
        """A new tracking number from this booth's own serial range."""
        self.serial += 1
        return s10.make("EE", self.serial)

    def send(self, type_: EventType, data: Strict) -> None:
        """Publish the next event (QoS 1) without waiting for its PUBACK, as a kiosk's outbox does."""
        assert self.client is not None
        self.seq += 1
        self.all_acked.clear()
        payload = make_event(self.booth_id, self.seq, uuid.uuid4(), type_, datetime.now(UTC), data)
        self.sent[self.seq] = time.perf_counter()
        task = asyncio.create_task(
            self.client.publish(topics.booth_topic(self.booth_id, topics.EVENT), payload, qos=1)
        )
        self._publishing.add(task)
        task.add_done_callback(self._publishing.discard)

    async def flush(self) -> None:
        """Wait until the broker has taken every event published so far."""
        while self._publishing:
            await asyncio.gather(*list(self._publishing))

    async def health(self) -> None:
        """Publish a retained health report."""
        assert self.client is not None
        report = Health(
            at=datetime.now(UTC),
            version="bench",
            devices={k: DeviceHealth(state="ok") for k in ("scanner", "scale", "printer", "camera")},
            outbox=OutboxHealth(depth=self.seq - self.acked),
            serial_remaining=9000,
            acked_upto=self.acked,
        )
        await self.client.publish(
            topics.booth_topic(self.booth_id, topics.HEALTH), report.model_dump_json(), 1, True
        )


def journey(origin: SimBooth, destination: SimBooth) -> None:
    """One parcel's events as the two booths would send them: accepted, dispatched, arrived, ready, delivered."""
    tid = origin.next_tracking_id()
    cod = Decimal("250.00")
    recipient = Recipient(name="Bench Recipient", phone="01700000000")
    accepted = Accepted(
        tracking_id=tid,
        origin=origin.booth_id,
        destination=destination.booth_id,
        recipient=recipient,
        cod_amount=cod,
        fee=Decimal("70"),
        weight_g=800,
    )
    origin.send(EventType.ACCEPTED, accepted)
    origin.send(EventType.DISPATCHED, Dispatched(tracking_id=tid))
    destination.send(EventType.ARRIVED, Arrived(tracking_id=tid))
    expires = datetime.now(UTC) + timedelta(days=7)
    destination.send(
        EventType.READY, Ready(tracking_id=tid, collection_code="482913", code_expires_at=expires)
    )
    destination.send(EventType.DELIVERED, Delivered(tracking_id=tid, cod_collected=cod))
