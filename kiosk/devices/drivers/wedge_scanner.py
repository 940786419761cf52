"""A USB keyboard-wedge scanner: the page captures its keystrokes (scanner.js); the kiosk only reports it."""

from __future__ import annotations

from kiosk.config import ScannerConfig
from kiosk.devices.scans import ScanBus
from parcel.control import DeviceHealth


class WedgeScanner:
    """Nothing to open: the scanner types into the browser; wedge settings are handed to the page."""

    def __init__(self, config: ScannerConfig, scans: ScanBus | None = None) -> None:
        self.config = config
        self.scans = scans or ScanBus()

    def bind_scans(self, scans: ScanBus) -> None:
        """Deliver scans to the manager's bus."""
        self.scans = scans

    def start(self) -> None:
        """Nothing to open."""

    def stop(self) -> None:
        """Nothing to release."""

    def wedge_settings(self) -> dict[str, object]:
        """What scanner.js needs to tell a scan burst from typing."""
        return {
            "min_len": self.config.min_len,
            "inter_key_ms": self.config.inter_key_ms,
            "suffix": self.config.suffix,
        }

    def health(self) -> DeviceHealth:
        """Always ok: a keyboard wedge cannot be queried (the page sees its scans)."""
        return DeviceHealth(state="ok", detail="keyboard wedge, captured in the page")
