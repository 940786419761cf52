"""paho's Properties with shared tables behave as paho's own: same tables, same wire bytes, same
values read back, same refusals; and a hub client gets them."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from paho.mqtt.packettypes import PacketTypes
from paho.mqtt.properties import MQTTException, Properties

from hub import mqtt_properties
from hub.config import BrokerConfig
from hub.mqtt import new_client

# Every property paho knows, with a value, set on a packet that carries it.
VALUES: dict[int, tuple[str, Any]] = {
    PacketTypes.PUBLISH: (
        [
            ("PayloadFormatIndicator", 1),
            ("MessageExpiryInterval", 3600),
            ("ContentType", "application/json"),
            ("ResponseTopic", "dak/v1/booth/BD-1000-01/cmd/result"),
            ("CorrelationData", b"\x00\x01"),
            ("TopicAlias", 7),
            ("UserProperty", ("booth", "BD-1000-01")),
            ("UserProperty", ("শাখা", "ঢাকা")),
        ]
    ),
    PacketTypes.CONNECT: (
        [
            ("SessionExpiryInterval", 86400),
            ("ReceiveMaximum", 1000),
            ("MaximumPacketSize", 65536),
            ("TopicAliasMaximum", 10),
            ("RequestResponseInformation", 1),
            ("RequestProblemInformation", 0),
            ("AuthenticationMethod", "SCRAM"),
            ("AuthenticationData", b"secret"),
        ]
    ),
    PacketTypes.SUBSCRIBE: ([("SubscriptionIdentifier", 42)]),
    PacketTypes.PUBACK: ([("ReasonString", "quota"), ("UserProperty", ("a", "b"))]),
}


@pytest.fixture
def original() -> Iterator[None]:
    """paho's own constructor and clear, not yet shared, for the length of a test."""
    init, clear, shared = Properties.__init__, Properties.clear, mqtt_properties._shared
    Properties.__init__ = mqtt_properties.ORIGINAL_INIT  # type: ignore[method-assign]
    Properties.clear = mqtt_properties.ORIGINAL_CLEAR  # type: ignore[method-assign]
    mqtt_properties._shared = None
    yield
    Properties.__init__ = init  # type: ignore[method-assign]
    Properties.clear = clear  # type: ignore[method-assign]
    mqtt_properties._shared = shared


def _wire() -> dict[int, tuple[bytes, dict[str, Any], str]]:
    """For each packet type: the packed properties, their values unpacked again (into an object
    that held other values first), and the printed form."""
    out = {}
    for packet, values in VALUES.items():
        props = Properties(packet)
        for name, value in values:
            setattr(props, name, value)
        wire = props.pack()
        back = Properties(packet)
        back.unpack(Properties(packet).pack())  # an empty read first
        if packet == PacketTypes.PUBLISH:
            back.ContentType = "text/plain"  # a value the next read must clear
        back.unpack(wire)
        out[packet] = (wire, back.json(), str(back))
    return out


def test_shared_tables_read_and_write_what_paho_does(original: None) -> None:
    expected = _wire()
    tables = {p: vars(Properties(p)).copy() for p in VALUES}
    assert mqtt_properties.share_property_tables()
    assert Properties.__init__ is not mqtt_properties.ORIGINAL_INIT
    assert _wire() == expected
    assert {p: vars(Properties(p)) for p in VALUES} == tables
    # A fresh object has no values; a read clears the last one's.
    empty = Properties(PacketTypes.PUBLISH)
    assert empty.isEmpty() and empty.json() == {}
    empty.MessageExpiryInterval = 5
    empty.unpack(b"\x00")
    assert empty.isEmpty()


def test_refusals_are_paho_s(original: None) -> None:
    assert mqtt_properties.share_property_tables()
    with pytest.raises(MQTTException, match="does not apply"):
        Properties(PacketTypes.PUBLISH).SessionExpiryInterval = 10
    with pytest.raises(MQTTException, match="must be one of"):
        Properties(PacketTypes.PUBLISH).Colour = "red"
    with pytest.raises(MQTTException, match="range"):
        Properties(PacketTypes.CONNECT).ReceiveMaximum = 0


def test_a_changed_paho_is_left_alone(original: None, monkeypatch: pytest.MonkeyPatch) -> None:
    def other_init(self: Properties, packetType: int) -> None:
        mqtt_properties.ORIGINAL_INIT(self, packetType)
        object.__setattr__(self, "cache", {})

    monkeypatch.setattr(Properties, "__init__", other_init)
    assert not mqtt_properties.share_property_tables()
    assert Properties.__init__ is other_init


def test_a_hub_client_shares_the_tables(original: None) -> None:
    new_client(BrokerConfig(url="mqtt://127.0.0.1:1"), 60)
    a, b = Properties(PacketTypes.PUBLISH), Properties(PacketTypes.PUBACK)
    assert a.properties is b.properties and a.names is b.names
