"""What scale parsers return: readings, command replies, and serial line settings."""

from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import Decimal
from typing import Literal

ReadingState = Literal["ok", "motion", "overload", "underload", "error"]

_NUMBER = re.compile(r"[+-]?\d{1,9}(?:\.\d{1,6})?")
_GRAMS_PER_UNIT = {"g": Decimal(1), "kg": Decimal(1000), "lb": Decimal("453.59237")}


@dataclass(frozen=True)
class Reading:
    """One weight report; weight_g is None unless the frame carried a usable weight."""

    weight_g: int | None
    stable: bool
    state: ReadingState
    detail: str = ""

    @property
    def usable(self) -> bool:
        """True when this reading is a stable, in-range weight."""
        return self.state == "ok" and self.stable and self.weight_g is not None


@dataclass(frozen=True)
class Reply:
    """The answer to a command that is not a weight (zero, tare, clear)."""

    command: str
    ok: bool
    detail: str = ""


@dataclass(frozen=True)
class SerialSettings:
    """Serial line parameters a protocol expects, in pyserial's terms."""

    baudrate: int = 9600
    bytesize: int = 8
    parity: str = "N"
    stopbits: int = 1

    def as_kwargs(self) -> dict[str, int | str]:
        """Keyword arguments for serial.Serial / serial.serial_for_url."""
        return {
            "baudrate": self.baudrate,
            "bytesize": self.bytesize,
            "parity": self.parity,
            "stopbits": self.stopbits,
        }


def error(detail: str) -> Reading:
    """A reading for a frame that could not be understood."""
    return Reading(None, False, "error", detail)


def to_grams(number: str, unit: str) -> int | None:
    """Convert a decimal string in g, kg or lb to whole grams; None when it is not a plain number."""
    text = number.strip().replace(" ", "")
    factor = _GRAMS_PER_UNIT.get(unit.strip().lower())
    if factor is None or not _NUMBER.fullmatch(text):
        return None
    return int((Decimal(text) * factor).to_integral_value())


def weight_reading(number: str, unit: str, stable: bool) -> Reading:
    """A reading from a weight field: negative weights are underload, bad text is an error."""
    grams = to_grams(number, unit)
    if grams is None:
        return error(f"bad weight field {number!r} {unit!r}")
    if grams < 0:
        return Reading(None, False, "underload", f"below zero: {grams} g")
    return Reading(grams, stable, "ok" if stable else "motion")


def decode_ascii(frame: bytes) -> str | None:
    """The frame as printable ASCII text, or None if it holds anything else."""
    try:
        text = frame.decode("ascii")
    except UnicodeDecodeError:
        return None
    return text if text.isprintable() else None
