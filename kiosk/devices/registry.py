"""Which driver implements which device kind: adding a driver is one line here."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from kiosk.config import DevicesConfig
from kiosk.devices import sim
from kiosk.devices.base import KINDS, Device, DeviceError
from kiosk.devices.drivers import evdev_scanner
from kiosk.devices.drivers.camera import OpenCvCamera
from kiosk.devices.drivers.escpos_printer import EscposPrinter
from kiosk.devices.drivers.serial_scale import SerialScale
from kiosk.devices.drivers.serial_scanner import SerialScanner
from kiosk.devices.drivers.wedge_scanner import WedgeScanner
from kiosk.devices.printing import PrinterConfigError, RaqmMissing

Factory = Callable[[Any], Device]

DRIVERS: dict[str, dict[str, Factory]] = {
    "scale": {"sim": sim.SimScale, "serial": SerialScale},
    "printer": {
        "sim": sim.SimPrinter,
        "network": EscposPrinter,
        "serial": EscposPrinter,
        "usb": EscposPrinter,
        "file": EscposPrinter,
    },
    "scanner": {"sim": sim.SimScanner, "serial": SerialScanner, "wedge": WedgeScanner},
    "camera": {"sim": sim.SimCamera, "file": OpenCvCamera, "v4l2": OpenCvCamera},
}
if evdev_scanner.available():
    DRIVERS["scanner"]["evdev"] = evdev_scanner.EvdevScanner


class UnknownDriver(ValueError):
    """A configured driver that this kiosk does not implement."""


class DeviceConfigError(UnknownDriver):
    """A driver whose section lacks what it needs (a port, a protocol, a path), or no RAQM for Bengali."""


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
        try:
            devices[kind] = factory(section)
        except (DeviceError, PrinterConfigError, RaqmMissing) as exc:
            raise DeviceConfigError(str(exc)) from None
    return devices
