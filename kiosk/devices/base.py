"""Device interfaces (one Protocol per kind) and their shared types."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Literal, Protocol, runtime_checkable

from kiosk.devices.printing.layout import Document
from parcel.control import DeviceHealth

if TYPE_CHECKING:
    import numpy as np

KINDS = ("scanner", "scale", "printer", "camera")
DeviceState = Literal["ok", "warning", "error", "absent"]


class DeviceError(RuntimeError):
    """A device could not do what it was asked."""


class PrinterError(DeviceError):
    """The printer could not print (offline, out of paper)."""


@dataclass(frozen=True)
class Reading:
    """A scale reading; only a stable one may be used for a fee."""

    weight_g: int
    stable: bool


@runtime_checkable
class Device(Protocol):
    """What every device offers: start, stop and a health report."""

    def start(self) -> None:
        """Open the device; return once it is usable or raise DeviceError."""

    def stop(self) -> None:
        """Release the device."""

    def health(self) -> DeviceHealth:
        """Current state and detail."""


class Scale(Device, Protocol):
    """A parcel scale."""

    def read(self) -> Reading:
        """The latest reading; raise DeviceError when there is none."""


class Printer(Device, Protocol):
    """A receipt/label printer."""

    def print_lines(self, lines: list[str]) -> None:
        """Print text lines as one job; raise PrinterError when it cannot."""

    def print_pages(self, pages: list[Document]) -> None:
        """Print documents (each cut off) as one job; raise PrinterError when it cannot."""

    def print_document(self, doc: Document) -> None:
        """Print a laid-out document as one job; raise PrinterError when it cannot."""


class Scanner(Device, Protocol):
    """A barcode scanner."""


class Camera(Device, Protocol):
    """A counter camera."""

    photo_max_px: int

    def snapshot(self) -> np.ndarray | None:
        """The latest frame (BGR), or None when there is no recent one."""
