"""Simulated devices for demos and tests, with faults that can be switched on."""

from __future__ import annotations

import threading
from pathlib import Path

from kiosk.config import CameraConfig, PrinterConfig, ScaleConfig, ScannerConfig
from kiosk.devices.base import PrinterError, Reading
from parcel.messages import DeviceHealth


class SimScale:
    """A scale holding a configurable weight, stable or in motion."""

    def __init__(self, config: ScaleConfig) -> None:
        self._reading = Reading(config.weight_g, config.stable)

    def start(self) -> None:
        """Nothing to open."""

    def stop(self) -> None:
        """Nothing to release."""

    def put(self, weight_g: int, stable: bool = True) -> None:
        """Place a weight on the plate (fault injection: stable=False)."""
        self._reading = Reading(weight_g, stable)

    def read(self) -> Reading:
        """The current reading."""
        return self._reading

    def health(self) -> DeviceHealth:
        """ok with the current weight."""
        r = self._reading
        detail = "simulated" if r.stable else "simulated, weight in motion"
        return DeviceHealth(state="ok", detail=detail, weight_g=r.weight_g, stable=r.stable)


class SimPrinter:
    """A printer that keeps every job (in memory and optionally in a spool file)."""

    def __init__(self, config: PrinterConfig) -> None:
        self.spool: Path | None = config.spool
        self.jobs: list[list[str]] = []
        self.paper_out = False
        self._lock = threading.Lock()

    def start(self) -> None:
        """Check the spool file can be written."""
        if self.spool is not None:
            self.spool.parent.mkdir(parents=True, exist_ok=True)
            self.spool.touch()

    def stop(self) -> None:
        """Nothing to release."""

    def print_lines(self, lines: list[str]) -> None:
        """Keep the job, or raise PrinterError when out of paper."""
        with self._lock:
            if self.paper_out:
                raise PrinterError("out of paper")
            self.jobs.append(list(lines))
            if self.spool is not None:
                with self.spool.open("a", encoding="utf-8") as f:
                    f.write("\n".join(lines) + "\n\f\n")

    def health(self) -> DeviceHealth:
        """error when out of paper, else ok."""
        if self.paper_out:
            return DeviceHealth(state="error", detail="out of paper")
        return DeviceHealth(state="ok", detail=f"simulated, {len(self.jobs)} jobs printed")


class SimScanner:
    """A scanner that is always ready."""

    def __init__(self, config: ScannerConfig) -> None:
        self.config = config

    def start(self) -> None:
        """Nothing to open."""

    def stop(self) -> None:
        """Nothing to release."""

    def health(self) -> DeviceHealth:
        """Always ok."""
        return DeviceHealth(state="ok", detail="simulated")


class SimCamera:
    """A camera that is always ready."""

    def __init__(self, config: CameraConfig) -> None:
        self.config = config

    def start(self) -> None:
        """Nothing to open."""

    def stop(self) -> None:
        """Nothing to release."""

    def health(self) -> DeviceHealth:
        """Always ok."""
        return DeviceHealth(state="ok", detail="simulated")
