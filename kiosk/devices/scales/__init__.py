"""Scale protocols: plain parsers fed bytes, returning readings (no threads, no I/O)."""

from kiosk.devices.scales.cas import CasParser
from kiosk.devices.scales.mtsics import MtSicsParser
from kiosk.devices.scales.protocols import PROTOCOLS, make_parser
from kiosk.devices.scales.reading import Reading, Reply, SerialSettings
from kiosk.devices.scales.stable import StableWeight
from kiosk.devices.scales.toledo8217 import Toledo8217Parser

__all__ = [
    "PROTOCOLS",
    "CasParser",
    "MtSicsParser",
    "Reading",
    "Reply",
    "SerialSettings",
    "StableWeight",
    "Toledo8217Parser",
    "make_parser",
]
