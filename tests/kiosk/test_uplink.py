"""The MQTT uplink against a real Mosquitto: events, acks, resends, status, config, manifests, commands."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import paho.mqtt.client as mqtt
import pytest
from paho.mqtt.enums import CallbackAPIVersion
from paho.mqtt.packettypes import PacketTypes
from paho.mqtt.properties import Properties

from demo.processes import Managed, Mosquitto, free_port, python_module, wait_for_port
from kiosk.config import BrokerConfig, UplinkConfig
from kiosk.services import status
from kiosk.services.auth import Clerk
from kiosk.services.handover import handover
from kiosk.services.intake import intake
from kiosk.services.receive import receive
from kiosk.uplink import Uplink
from parcel import s10, topics
from parcel.control import BoothStatus, Health
from parcel.messages import parse_event

from .conftest import BOOTH, OTHER, Booth, HubPeer, make_booth, ready_code

RECIPIENT = {"name": "Salma", "phone": "01912345678"}


def t(leaf: str) -> str:
    return topics.booth_topic(BOOTH, leaf)


def eventually(check: Callable[[], bool], timeout: float = 15, what: str = "condition") -> None:
    deadline = time.monotonic() + timeout
    while not check():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        time.sleep(0.05)


@pytest.fixture
def hub(broker: Mosquitto) -> Iterator[HubPeer]:
    """The hub's side of the broker, subscribed to everything the booth publishes."""
    peer = HubPeer(broker.port).start(t("#"))
    yield peer
    peer.stop()


def start_uplink(booth: Booth, broker: Mosquitto, **settings: Any) -> Uplink:
    uplink = Uplink(booth.ctx, BrokerConfig(url=broker.url), UplinkConfig(**settings))
    booth.ctx.on_commit = uplink.wake
    booth.ctx.uplink_connected = lambda: uplink.connected
    uplink.start()
    eventually(lambda: uplink.connected, what="uplink connection")
    return uplink


@pytest.fixture
def live(tmp_path: Path, broker: Mosquitto, hub: HubPeer) -> Iterator[tuple[Booth, Uplink]]:
    """A booth with a running uplink (resend after 30 s, health every 1 s)."""
    booth = make_booth(tmp_path)
    uplink = start_uplink(booth, broker, health_interval_s=1)
    yield booth, uplink
    uplink.stop()
    booth.ctx.store.close()
    assert not [th for th in threading.enumerate() if th.name == "uplink-worker" and th.is_alive()]


def is_event(seq: int) -> Callable[[str, bytes, bool], bool]:
    return lambda topic, payload, retain: topic == t("event") and json.loads(payload)["seq"] == seq


def accept(booth: Booth, **kw: Any) -> str:
    args: dict[str, Any] = {"recipient": RECIPIENT, "destination": OTHER, "cod_amount": "10", "weight_g": 300}
    args["approver"] = Clerk("sam", "supervisor")  # a typed weight needs a supervisor
    args.update(kw)
    return intake(booth.ctx, "alice", **args).tracking_id


def depth(booth: Booth) -> int:
    return int(status.uplink(booth.ctx)["outbox_depth"])


def test_status_online_health_and_event_then_ack_empties_outbox(
    live: tuple[Booth, Uplink], hub: HubPeer
) -> None:
    booth, _ = live
    _, payload, _ = hub.wait_for(lambda topic, p, r: topic == t("status"))
    assert BoothStatus.model_validate_json(payload).state == "online"
    _, payload, retained = hub.wait_for(lambda topic, p, r: topic == t("health"))
    health = Health.model_validate_json(payload)
    assert health.devices["scale"].state == "ok" and health.outbox.depth == 0
    accept(booth, tracking_id="CP123456785BD")
    _, payload, retained = hub.wait_for(is_event(1))
    envelope = parse_event(payload, topic_booth=BOOTH)
    assert envelope.type == "parcel.accepted" and envelope.tracking_id == "CP123456785BD" and not retained
    assert depth(booth) == 1
    hub.publish(t("ack"), {"upto": 1}, retain=True)
    eventually(lambda: depth(booth) == 0, what="outbox emptied by the ack")
    assert status.uplink(booth.ctx)["acked_upto"] == 1


def test_out_of_order_acks_keep_the_highest(live: tuple[Booth, Uplink], hub: HubPeer) -> None:
    booth, _ = live
    for serial in (1, 2, 3):
        accept(booth, tracking_id=s10.make("CP", serial))
    hub.wait_for(is_event(3))
    hub.publish(t("ack"), {"upto": 3})
    hub.publish(t("ack"), {"upto": 1})
    hub.publish(t("ack"), b"not json")
    eventually(lambda: depth(booth) == 0, what="acks applied")
    assert status.uplink(booth.ctx)["acked_upto"] == 3


def test_unacked_events_are_resent_after_timeout(tmp_path: Path, broker: Mosquitto, hub: HubPeer) -> None:
    booth = make_booth(tmp_path)
    uplink = start_uplink(booth, broker, resend_after_s=1)
    try:
        accept(booth, tracking_id="CP123456785BD")
        first = hub.wait_for(is_event(1))
        again = hub.wait_for(is_event(1), timeout=10)
        assert again[1] == first[1]  # the same bytes, the same event id
    finally:
        uplink.stop()
        booth.ctx.store.close()


def persistent_hub(port: int, client_id: str) -> tuple[mqtt.Client, list[bytes]]:
    """A hub client with a persistent session, so messages published while it is away are kept."""
    got: list[bytes] = []
    client = mqtt.Client(CallbackAPIVersion.VERSION2, client_id=client_id, protocol=mqtt.MQTTv5)
    client.on_message = lambda c, u, m: got.append(bytes(m.payload))
    props = Properties(PacketTypes.CONNECT)
    props.SessionExpiryInterval = 600
    client.on_connect = lambda c, u, f, rc, p: c.subscribe(t("event"), qos=1)
    client.connect("127.0.0.1", port, clean_start=False, properties=props)
    client.loop_start()
    return client, got


def test_events_are_resent_after_the_broker_restarts(tmp_path: Path, broker: Mosquitto) -> None:
    hub_client, got = persistent_hub(broker.port, "test-hub-restart")
    booth = make_booth(tmp_path)
    uplink = start_uplink(booth, broker)
    try:
        accept(booth, tracking_id="CP123456785BD")
        eventually(lambda: len(got) >= 1, what="first delivery")
        broker.stop()
        eventually(lambda: not uplink.connected, what="uplink noticing the broker is gone")
        accept(booth, tracking_id=s10.make("CP", 7))  # committed while offline
        got.clear()
        broker.start()
        eventually(lambda: uplink.connected, timeout=40, what="reconnect")
        eventually(
            lambda: {json.loads(p)["seq"] for p in got} >= {1, 2}, timeout=20, what="resend of seq 1 and 2"
        )
        assert depth(booth) == 2  # still unacked
    finally:
        uplink.stop()
        hub_client.disconnect()
        hub_client.loop_stop()
        booth.ctx.store.close()


def test_config_with_serial_block_enables_walk_in(live: tuple[Booth, Uplink], hub: HubPeer) -> None:
    booth, _ = live
    config = {"serial_blocks": [{"service": "CP", "start": 5000, "end": 5010}]}
    hub.publish(t("config"), config, retain=True)
    eventually(lambda: status.uplink(booth.ctx)["config_received"], what="config stored")
    assert status.uplink(booth.ctx)["serial_remaining"] == 10
    tid = accept(booth, tracking_id=None)
    assert tid == s10.make("CP", 5000)
    _, payload, _ = hub.wait_for(is_event(1))
    assert parse_event(payload).tracking_id == tid


def test_manifest_completes_an_unannounced_parcel(live: tuple[Booth, Uplink], hub: HubPeer) -> None:
    booth, _ = live
    tid = s10.make("CP", 4242)
    receive(booth.ctx, "alice", tid)
    code = ready_code(booth, tid)
    hub.publish(t("manifest"), {"tracking_id": "garbage"})  # invalid: ignored
    manifest = {
        "tracking_id": tid,
        "origin": OTHER,
        "destination": BOOTH,
        "recipient": RECIPIENT,
        "cod_amount": "75",
    }
    hub.publish(t("manifest"), manifest)

    def completed() -> bool:
        with booth.ctx.store.read() as tx:
            row = tx.execute(
                "SELECT cod_amount, announced FROM parcels WHERE tracking_id=?", (tid,)
            ).fetchone()
        return bool(row["announced"]) and row["cod_amount"] == "75.00"

    eventually(completed, what="manifest applied")
    assert handover(booth.ctx, "alice", tid, code, "75") == "delivered"


def test_unknown_command_gets_a_result(live: tuple[Booth, Uplink], hub: HubPeer) -> None:
    hub.publish(t("cmd"), b"{broken")
    hub.publish(
        t("cmd"), {"id": "c-1", "name": "reboot", "args": {}, "expires_at": "2030-01-01T00:00:00+00:00"}
    )
    _, payload, _ = hub.wait_for(lambda topic, p, r: topic == t("cmd/result"))
    assert json.loads(payload) == {"id": "c-1", "ok": False, "detail": "unknown command"}


# -- the real process ---------------------------------------------------------------------------


def write_config(tmp_path: Path, broker: Mosquitto, http_port: int) -> Path:
    path = tmp_path / "kiosk" / "kiosk.toml"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(
        f'booth_id = "{BOOTH}"\n[http]\nport = {http_port}\n[broker]\nurl = "{broker.url}"\n'
        '[store]\npath = "data/kiosk.sqlite"\n[devices.scale]\ndriver = "sim"\n[devices.printer]\ndriver = "sim"\n'
    )
    return path


def retained_status(port: int) -> str:
    """The retained status a newly subscribing hub sees."""
    peer = HubPeer(port).start(t("status"))
    try:
        _, payload, retained = peer.wait_for(lambda topic, p, r: True)
        assert retained
        return BoothStatus.model_validate_json(payload).state
    finally:
        peer.stop()


@pytest.mark.slow
def test_process_online_then_last_will_after_kill_9(tmp_path: Path, broker: Mosquitto, hub: HubPeer) -> None:
    http_port = free_port()
    kiosk = Managed(
        "kiosk",
        python_module("kiosk", "--config", str(write_config(tmp_path, broker, http_port))),
        tmp_path / "kiosk.log",
    )
    kiosk.start()
    try:
        wait_for_port(http_port, proc=kiosk.proc)
        hub.wait_for(lambda topic, p, r: topic == t("status") and json.loads(p)["state"] == "online")
        assert retained_status(broker.port) == "online"
        kiosk.kill()
        hub.wait_for(lambda topic, p, r: topic == t("status") and json.loads(p)["state"] == "offline")
        assert retained_status(broker.port) == "offline"
    finally:
        kiosk.kill()


@pytest.mark.slow
def test_process_clean_stop_publishes_offline(tmp_path: Path, broker: Mosquitto, hub: HubPeer) -> None:
    http_port = free_port()
    log = tmp_path / "kiosk.log"
    kiosk = Managed(
        "kiosk", python_module("kiosk", "--config", str(write_config(tmp_path, broker, http_port))), log
    )
    kiosk.start()
    try:
        wait_for_port(http_port, proc=kiosk.proc)
        hub.wait_for(lambda topic, p, r: topic == t("status") and json.loads(p)["state"] == "online")
        proc = kiosk.proc
        assert proc is not None
        kiosk.stop()
        assert proc.returncode == 0
        hub.wait_for(lambda topic, p, r: topic == t("status") and json.loads(p)["state"] == "offline")
        assert f"kiosk ready http://127.0.0.1:{http_port}" in log.read_text()
    finally:
        kiosk.kill()
