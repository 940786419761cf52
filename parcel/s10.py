"""UPU S10 tracking numbers: check digit, validation and issue from a serial block."""

from __future__ import annotations

import re
from dataclasses import dataclass

WEIGHTS = (8, 6, 4, 2, 3, 5, 9, 7)
COUNTRY = "BD"
S10_PATTERN = re.compile(r"^([A-Z]{2})([0-9]{8})([0-9])([A-Z]{2})$")
SEPARATORS = re.compile(r"[\s-]")


class InvalidTrackingNumber(ValueError):
    """Raised when a string is not a valid S10 tracking number."""


def check_digit(serial: str) -> int:
    """Return the S10 check digit of an 8-digit serial number."""
    if len(serial) != 8 or not serial.isascii() or not serial.isdigit():
        raise InvalidTrackingNumber(f"serial must be 8 digits, got {serial!r}")
    total = sum(map(int.__mul__, map(int, serial), WEIGHTS))
    c = 11 - total % 11
    if c == 10:
        return 0
    if c == 11:
        return 5
    return c


def make(service: str, serial: int, country: str = COUNTRY) -> str:
    """Build a tracking number from service letters, a serial and a country code."""
    if not re.fullmatch(r"[A-Z]{2}", service) or not re.fullmatch(r"[A-Z]{2}", country):
        raise InvalidTrackingNumber("service and country must be two capital letters")
    if not 0 <= serial <= 99_999_999:
        raise InvalidTrackingNumber(f"serial out of range: {serial}")
    digits = f"{serial:08d}"
    return f"{service}{digits}{check_digit(digits)}{country}"


def normalise(raw: str) -> str:
    """Return the canonical form of a scanned or typed number (trimmed, upper case, no spaces)."""
    return SEPARATORS.sub("", raw).upper()


def validate(raw: str, country: str | None = COUNTRY) -> str:
    """Return the canonical tracking number or raise InvalidTrackingNumber with the reason."""
    if not isinstance(raw, str) or len(raw) > 40:
        raise InvalidTrackingNumber("not a tracking number")
    value = normalise(raw)
    m = S10_PATTERN.fullmatch(value)
    if not m:
        raise InvalidTrackingNumber(f"{value!r} is not in S10 form (2 letters, 9 digits, 2 letters)")
    _, serial, digit, cc = m.groups()
    if int(digit) != check_digit(serial):
        raise InvalidTrackingNumber(f"{value!r} has a wrong check digit")
    if country is not None and cc != country:
        raise InvalidTrackingNumber(f"{value!r} is not a {country} number")
    return value


def is_valid(raw: str) -> bool:
    """True when raw is a valid Bangladeshi S10 tracking number."""
    try:
        validate(raw)
    except InvalidTrackingNumber:
        return False
    return True


# Parcel service indicators (UPU S10: C + a letter) in the order the hub allocates serial blocks:
# CP first, then the others. 90 million serials each (10,000,000 to 99,999,999).
PARCEL_SERVICES: tuple[str, ...] = ("CP", *(f"C{c}" for c in "ABCDEFGHIJKLMNOQRSTUVWXYZ"))
SERIAL_SPAN = 100_000_000


def ordinal(service: str, serial: int) -> int:
    """A serial's place in allocation order across service indicators (CP serials keep their value)."""
    rank = PARCEL_SERVICES.index(service) if service in PARCEL_SERVICES else len(PARCEL_SERVICES)
    return rank * SERIAL_SPAN + serial


@dataclass(frozen=True)
class SerialBlock:
    """A half-open range [start, end) of serials the hub gave one booth, with service letters."""

    service: str
    start: int
    end: int

    def __post_init__(self) -> None:
        if not (0 <= self.start < self.end <= 100_000_000):
            raise ValueError(f"bad serial block {self.start}..{self.end}")

    def __len__(self) -> int:
        return self.end - self.start

    def contains(self, serial: int) -> bool:
        """True when serial lies in this block."""
        return self.start <= serial < self.end

    def ordinal(self, serial: int) -> int:
        """serial's place in allocation order (see `ordinal`)."""
        return ordinal(self.service, serial)

    def number(self, serial: int) -> str:
        """The tracking number for a serial inside this block."""
        if not self.contains(serial):
            raise ValueError(f"serial {serial} outside block {self.start}..{self.end}")
        return make(self.service, serial)
