"""Owns the configured devices: starts, watches and stops them, reports health, weighs, prints, scans."""

from __future__ import annotations

import logging
import threading
import time
from typing import Any, cast

import numpy as np

from kiosk.devices.base import KINDS, Camera, Device, DeviceError, Printer, Reading, Scale
from kiosk.devices.poller import Poller
from kiosk.devices.printing.layout import Document
from kiosk.devices.scans import ScanBus
from parcel.control import DeviceHealth

log = logging.getLogger(__name__)

WATCH_INTERVAL_S = 0.5
RETRY_FIRST_S = 1.0  # the watchdog's first restart of a failed device
RETRY_MAX_S = 60.0  # and at most this long between restarts: the rate limit


class DeviceManager:
    """The booth's devices by kind (None when absent), a scan bus and a watchdog for failed devices.

    A device whose start() raised, or whose reader thread died, is restarted by the watchdog with a
    doubling delay (1 s up to 60 s). Unplug/replug while running is handled by the device's own
    supervised reader; the watchdog is the second line.
    """

    def __init__(self, devices: dict[str, Device | None]) -> None:
        self.devices = {kind: devices.get(kind) for kind in KINDS}
        scanner_config = getattr(self.devices["scanner"], "config", None)
        self.scans = ScanBus(float(getattr(scanner_config, "duplicate_window_s", 2.0)))
        for device in self.devices.values():
            bind = getattr(device, "bind_scans", None)
            if bind is not None:
                bind(self.scans)
        self._failed: dict[str, str] = {}
        self._retry: dict[str, tuple[float, float]] = {}  # kind -> (next attempt, delay)
        self._lock = threading.Lock()
        self._watchdog = Poller("device-watchdog", WATCH_INTERVAL_S, self._watch)
        self.restarts: dict[str, int] = dict.fromkeys(KINDS, 0)

    def start(self, watchdog: bool = True) -> None:
        """Start every device; one that fails is reported in health and restarted by the watchdog."""
        for kind, device in self.devices.items():
            if device is None:
                continue
            try:
                device.start()
            except (DeviceError, OSError) as exc:
                log.warning("%s failed to start: %s", kind, exc)
                self._mark_failed(kind, str(exc), RETRY_FIRST_S)
        if watchdog and any(d is not None for d in self.devices.values()):
            self._watchdog.start()

    def stop(self) -> None:
        """Stop the watchdog and every device."""
        self._watchdog.stop()
        for kind, device in self.devices.items():
            if device is not None:
                try:
                    device.stop()
                except (DeviceError, OSError) as exc:
                    log.warning("%s failed to stop: %s", kind, exc)

    def _mark_failed(self, kind: str, reason: str, delay: float) -> None:
        with self._lock:
            self._failed[kind] = reason
            self._retry[kind] = (time.monotonic() + delay, delay)

    def _watch(self) -> None:
        """Restart failed devices when due; notice devices whose thread died."""
        now = time.monotonic()
        for kind, device in self.devices.items():
            with self._lock:
                failed = kind in self._failed
            if device is not None and not failed and getattr(device, "alive", True) is False:
                log.warning("%s: its thread stopped; restarting", kind)
                self._mark_failed(kind, "reader thread stopped", 0.0)
        with self._lock:
            due = [k for k, (at, _) in self._retry.items() if at <= now]
        for kind in due:
            self._restart(kind)

    def _restart(self, kind: str) -> None:
        device = self.devices[kind]
        assert device is not None
        self.restarts[kind] += 1
        try:
            device.stop()
            device.start()
        except (DeviceError, OSError) as exc:
            with self._lock:
                delay = min(max(self._retry[kind][1], RETRY_FIRST_S / 2) * 2, RETRY_MAX_S)
            self._mark_failed(kind, str(exc), delay)
            return
        log.info("%s recovered", kind)
        with self._lock:
            self._failed.pop(kind, None)
            self._retry.pop(kind, None)

    def health(self) -> dict[str, DeviceHealth]:
        """Health of every kind; the scale always carries weight_g and stable."""
        out: dict[str, DeviceHealth] = {}
        for kind, device in self.devices.items():
            with self._lock:
                failed = self._failed.get(kind)
                retry = self._retry.get(kind)
            if device is None:
                h = DeviceHealth(state="absent", detail="not configured")
            elif failed is not None:
                wait = f"; retrying in {max(0.0, retry[0] - time.monotonic()):.0f} s" if retry else ""
                h = DeviceHealth(state="error", detail=f"{failed}{wait}")
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

    def device(self, kind: str) -> Any:
        """The device of a kind when it is configured and started, else None."""
        with self._lock:
            if kind in self._failed:
                return None
        return self.devices.get(kind)

    def weigh(self) -> Reading | None:
        """The scale's reading, or None when there is no working scale."""
        scale = self.device("scale")
        if scale is None:
            return None
        try:
            return cast(Scale, scale).read()
        except (DeviceError, OSError) as exc:
            log.warning("scale read failed: %s", exc)
            return None

    def print_pages(self, pages: list[Document]) -> str | None:
        """Print documents as one job; return None on success or the reason it failed."""
        printer = self.devices["printer"]
        if printer is None:
            return "no printer"
        try:
            cast(Printer, printer).print_pages(pages)
        except (DeviceError, OSError) as exc:
            return str(exc) or type(exc).__name__
        return None

    def print_document(self, doc: Document) -> str | None:
        """Print one laid-out document; return None on success or the reason it failed."""
        return self.print_pages([doc])

    def print_lines(self, lines: list[str]) -> str | None:
        """Print a job of text lines; return None on success or the reason it failed."""
        printer = self.devices["printer"]
        if printer is None:
            return "no printer"
        try:
            cast(Printer, printer).print_lines(lines)
        except (DeviceError, OSError) as exc:
            return str(exc) or type(exc).__name__
        return None

    def printer_width(self) -> int:
        """Paper width in dots of the configured printer (576 when unknown)."""
        config = getattr(self.devices["printer"], "config", None)
        return int(getattr(config, "width_px", 576))

    def snapshot(self) -> np.ndarray | None:
        """The camera's latest frame, or None without a working camera."""
        camera = self.device("camera")
        if camera is None:
            return None
        return cast(Camera, camera).snapshot()

    @property
    def photo_max_px(self) -> int:
        """Longest side of a stored photo."""
        return int(getattr(self.devices["camera"], "photo_max_px", 1280))

    def wedge_settings(self) -> dict[str, object] | None:
        """Keyboard-wedge settings for the page, when the scanner is a wedge."""
        settings = getattr(self.devices["scanner"], "wedge_settings", None)
        return settings() if callable(settings) else None
