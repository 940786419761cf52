"""A keyboard-wedge scanner grabbed through evdev, so its keystrokes never reach the desktop."""

from __future__ import annotations

import select
from typing import Any

from kiosk.config import ScannerConfig
from kiosk.devices.base import DeviceError
from kiosk.devices.scanning.keys import KeyDecoder
from kiosk.devices.scans import ScanBus
from kiosk.devices.supervised import ReaderDevice, SupervisedReader
from parcel.control import DeviceHealth

EV_KEY = 1


def available() -> bool:
    """True when python-evdev can be imported here."""
    try:
        import evdev  # noqa: F401
    except ImportError:
        return False
    return True


class EvdevScanner(ReaderDevice):
    """Reads key events from /dev/input/event* on a supervised thread (exclusive grab)."""

    def __init__(self, config: ScannerConfig, scans: ScanBus | None = None) -> None:
        if not config.device:
            raise DeviceError("devices.scanner: the evdev driver needs `device` (/dev/input/event*)")
        self.config = config
        self.scans = scans or ScanBus()
        self.keys = KeyDecoder(config.suffix)
        self.reader = SupervisedReader[Any](
            "scanner-evdev", self._open, self._step, _close, on_up=self.keys.reset
        )

    def bind_scans(self, scans: ScanBus) -> None:
        """Deliver scans to the manager's bus."""
        self.scans = scans

    def _open(self) -> Any:
        import evdev

        device = evdev.InputDevice(self.config.device)
        device.grab()
        return device

    def _step(self, device: Any) -> None:
        ready, _, _ = select.select([device.fd], [], [], 0.1)
        if not ready:
            return
        for event in device.read():
            if event.type == EV_KEY:
                text = self.keys.feed(event.code, event.value)
                if text and len(text) >= self.config.min_len:
                    self.scans.publish(text, "evdev")

    def health(self) -> DeviceHealth:
        """ok while grabbed; error with the reason while unplugged."""
        if (down := self.down()) is not None:
            return down
        return DeviceHealth(state="ok", detail=f"evdev scanner {self.config.device}")


def _close(device: Any) -> None:
    try:
        device.ungrab()
    finally:
        device.close()
