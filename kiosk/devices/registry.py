"""Which driver implements which device kind: adding a driver is one line here."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from kiosk.config import DevicesConfig
from kiosk.devices import sim
from kiosk.devices.base import KINDS, Device

Factory = Callable[[Any], Device]

DRIVERS: dict[str, dict[str, Factory]] = {
    "scale": {"sim": sim.SimScale},
    "printer": {"sim": sim.SimPrinter},
    "scanner": {"sim": sim.SimScanner},
    "camera": {"sim": sim.SimCamera},
}


class UnknownDriver(ValueError):
    """A configured driver that this kiosk does not implement."""


def build(config: DevicesConfig) -> dict[str, Device | None]:
    """Build (not start) every configured device; None for an absent one; raise UnknownDriver."""
    devices: dict[str, Device | None] = {}
    for kind in KINDS:
        section = getattr(config, kind)
        if section is None:
            devices[kind] = None
            continue
        factory = DRIVERS[kind].get(section.driver)
        if factory is None:
            known = ", ".join(sorted(DRIVERS[kind]))
            raise UnknownDriver(
                f"devices.{kind}: driver {section.driver!r} is not implemented (available: {known})"
            )
        devices[kind] = factory(section)
    return devices
