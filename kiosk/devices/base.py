"""Device interfaces (one Protocol per kind) and their shared types."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal, Protocol, runtime_checkable

from parcel.messages import DeviceHealth

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


class Scanner(Device, Protocol):
    """A barcode scanner."""


class Camera(Device, Protocol):
    """A counter camera."""
