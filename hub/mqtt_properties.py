"""paho's MQTT v5 Properties, made cheap to build: one copy of its lookup tables for every packet.

paho builds a Properties object for every PUBLISH it receives, and its constructor rebuilds the
tables of all 27 property kinds each time (names, wire types, the packets each applies to), then
`unpack` clears the new object by probing every name. That is about 8 µs of each message an ingest
worker reads, some 7 % of its work for an event. The tables are constants that paho only reads, so
here every Properties shares one copy of them, and clearing drops only the values that are set.
Behaviour is unchanged (tests/hub/test_mqtt_properties.py holds it to the original's).

`share_property_tables()` applies this once per process. It checks the shape it relies on first:
if a paho release builds Properties differently, it leaves paho as it is and says so in the log.
"""

from __future__ import annotations

import logging
import threading
from typing import Any

from paho.mqtt.packettypes import PacketTypes
from paho.mqtt.properties import Properties

log = logging.getLogger(__name__)

ORIGINAL_INIT = Properties.__init__
ORIGINAL_CLEAR = Properties.clear
_TABLES = ("types", "names", "properties")
_lock = threading.Lock()
_shared: dict[str, Any] | None = None


def share_property_tables() -> bool:
    """Make every paho Properties share one copy of its constant tables; True when applied."""
    global _shared
    with _lock:
        if _shared is not None:
            return True
        template = Properties(PacketTypes.PUBLISH)
        if set(vars(template)) != {"packetType", *_TABLES}:
            log.info("paho's Properties has changed shape; its tables are left per object")
            return False
        _shared = {name: vars(template)[name] for name in _TABLES}
        value_names = tuple(name.replace(" ", "") for name in template.names)
        shared = _shared
        bare = len(shared) + 1  # the tables and packetType: no property set

        def init(self: Properties, packetType: int) -> None:
            values = self.__dict__
            values["packetType"] = packetType
            values.update(shared)

        def clear(self: Properties) -> None:
            values = self.__dict__
            if len(values) == bare:
                return
            for name in value_names:
                values.pop(name, None)

        Properties.__init__ = init  # type: ignore[method-assign]
        Properties.clear = clear  # type: ignore[method-assign]
        return True
