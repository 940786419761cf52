"""Simulated devices for demos and tests, with faults that can be switched on."""

from __future__ import annotations

import threading
from pathlib import Path

import numpy as np

from kiosk.config import CameraConfig, PrinterConfig, ScaleConfig, ScannerConfig
from kiosk.devices.base import PrinterError, Reading
from kiosk.devices.camera.synthetic import synthetic_frame
from kiosk.devices.printing.layout import Document
from kiosk.devices.scans import ScanBus
from parcel.control import DeviceHealth


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
        # Fault injection from outside the process: a file next to the spool, "<spool>.paper",
        # containing "out" means out of paper (tests and demos flip it while the kiosk runs).
        self.paper_file: Path | None = (
            self.spool.with_name(self.spool.name + ".paper") if self.spool else None
        )

    def _out_of_paper(self) -> bool:
        if self.paper_out:
            return True
        try:
            return self.paper_file is not None and self.paper_file.read_text().strip() == "out"
        except OSError:
            return False

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
            if self._out_of_paper():
                raise PrinterError("out of paper")
            self.jobs.append(list(lines))
            if self.spool is not None:
                with self.spool.open("a", encoding="utf-8") as f:
                    f.write("\n".join(lines) + "\n\f\n")

    def print_document(self, doc: Document) -> None:
        """Keep the document's text as one job."""
        self.print_lines(doc.text().splitlines())

    def print_pages(self, pages: list[Document]) -> None:
        """Keep the pages' text as one job."""
        self.print_lines([line for doc in pages for line in doc.text().splitlines()])

    def health(self) -> DeviceHealth:
        """error when out of paper, else ok."""
        if self._out_of_paper():
            return DeviceHealth(state="error", detail="out of paper")
        return DeviceHealth(state="ok", detail=f"simulated, {len(self.jobs)} jobs printed")


class SimScanner:
    """A scanner that is always ready; scan() delivers a code as a real scanner would (training)."""

    def __init__(self, config: ScannerConfig) -> None:
        self.config = config
        self.scans = ScanBus(config.duplicate_window_s)

    def bind_scans(self, scans: ScanBus) -> None:
        """Deliver scans to the manager's bus."""
        self.scans = scans

    def scan(self, code: str) -> None:
        """Pretend a label was scanned."""
        self.scans.publish(code, "sim")

    def start(self) -> None:
        """Nothing to open."""

    def stop(self) -> None:
        """Nothing to release."""

    def health(self) -> DeviceHealth:
        """Always ok."""
        return DeviceHealth(state="ok", detail="simulated")


class SimCamera:
    """A camera that is always ready and sees an empty counter."""

    def __init__(self, config: CameraConfig) -> None:
        self.config = config
        self.photo_max_px = config.photo_max_px

    def snapshot(self) -> np.ndarray:
        """A synthetic frame of an empty counter."""
        return synthetic_frame((640, 480))

    def start(self) -> None:
        """Nothing to open."""

    def stop(self) -> None:
        """Nothing to release."""

    def health(self) -> DeviceHealth:
        """Always ok."""
        return DeviceHealth(state="ok", detail="simulated")
