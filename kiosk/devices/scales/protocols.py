"""Pick a scale parser by the protocol name used in the kiosk config."""

from __future__ import annotations

from collections.abc import Callable
from typing import Protocol

from kiosk.devices.scales.cas import CasParser
from kiosk.devices.scales.mtsics import MtSicsParser
from kiosk.devices.scales.reading import Reading, Reply, SerialSettings
from kiosk.devices.scales.toledo8217 import Toledo8217Parser


class ScaleParser(Protocol):
    """What every scale parser offers."""

    protocol: str
    serial: SerialSettings
    commands: dict[str, bytes]
    poll: bytes

    def feed(self, data: bytes) -> list[Reading] | list[Reading | Reply]:
        """Parse bytes into events."""
        ...

    def reset(self) -> None:
        """Drop partial input."""
        ...


PROTOCOLS: dict[str, Callable[[], ScaleParser]] = {
    "toledo8217": Toledo8217Parser,
    "mt-sics": MtSicsParser,
    "cas": CasParser,
}


def make_parser(protocol: str) -> ScaleParser:
    """A fresh parser for a protocol name; unknown names fail with the list of known ones."""
    try:
        factory = PROTOCOLS[protocol]
    except KeyError:
        raise ValueError(f"unknown scale protocol {protocol!r}; known: {', '.join(PROTOCOLS)}") from None
    return factory()
