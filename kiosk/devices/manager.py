"""Owns the configured devices: starts and stops them, reports health, weighs and prints."""

from __future__ import annotations

import logging
from typing import cast

from kiosk.devices.base import KINDS, Device, DeviceError, Printer, Reading, Scale
from parcel.messages import DeviceHealth

log = logging.getLogger(__name__)


class DeviceManager:
    """The booth's devices by kind (None when absent)."""

    def __init__(self, devices: dict[str, Device | None]) -> None:
        self.devices = {kind: devices.get(kind) for kind in KINDS}
        self._failed: dict[str, str] = {}

    def start(self) -> None:
        """Start every device; a device that fails to start is reported in health, not fatal."""
        for kind, device in self.devices.items():
            if device is None:
                continue
            try:
                device.start()
            except (DeviceError, OSError) as exc:
                log.warning("%s failed to start: %s", kind, exc)
                self._failed[kind] = str(exc)

    def stop(self) -> None:
        """Stop every device."""
        for kind, device in self.devices.items():
            if device is not None:
                try:
                    device.stop()
                except (DeviceError, OSError) as exc:
                    log.warning("%s failed to stop: %s", kind, exc)

    def health(self) -> dict[str, DeviceHealth]:
        """Health of every kind; the scale always carries weight_g and stable."""
        out: dict[str, DeviceHealth] = {}
        for kind, device in self.devices.items():
            if device is None:
                h = DeviceHealth(state="absent", detail="not configured")
            elif kind in self._failed:
                h = DeviceHealth(state="error", detail=self._failed[kind])
            else:
                try:
                    h = device.health()
                except (DeviceError, OSError) as exc:
                    h = DeviceHealth(state="error", detail=str(exc))
            if kind == "scale":
                extra = h.model_extra or {}
                h = DeviceHealth(
                    state=h.state,
                    detail=h.detail,
                    weight_g=extra.get("weight_g"),
                    stable=bool(extra.get("stable", False)),
                )
            out[kind] = h
        return out

    def weigh(self) -> Reading | None:
        """The scale's reading, or None when there is no working scale."""
        scale = self.devices["scale"]
        if scale is None or "scale" in self._failed:
            return None
        try:
            return cast(Scale, scale).read()
        except (DeviceError, OSError) as exc:
            log.warning("scale read failed: %s", exc)
            return None

    def print_lines(self, lines: list[str]) -> str | None:
        """Print a job; return None on success or the reason it failed."""
        printer = self.devices["printer"]
        if printer is None:
            return "no printer"
        try:
            cast(Printer, printer).print_lines(lines)
        except (DeviceError, OSError) as exc:
            return str(exc) or type(exc).__name__
        return None
