"""Decide what a scanned string is: a valid S10 tracking id, a bad one, or another payload."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Literal

from parcel import s10

ScanKind = Literal["tracking", "invalid", "other"]

# two letters + nine digits + two letters, loosely, so near misses get a clear error
_LOOKS_S10 = re.compile(r"^[A-Z]{2}\d{7,11}[A-Z]{2}$")


@dataclass(frozen=True)
class Scan:
    """A classified scan: kind, the canonical value, and an error for invalid tracking numbers."""

    kind: ScanKind
    value: str
    error: str = ""


def classify(text: str, country: str | None = s10.COUNTRY) -> Scan:
    """Classify a scanned string; S10-shaped text is validated (check digit, country)."""
    candidate = s10.normalise(text)
    if not _LOOKS_S10.match(candidate):
        return Scan("other", text)
    try:
        return Scan("tracking", s10.validate(candidate, country))
    except s10.InvalidTrackingNumber as exc:
        return Scan("invalid", candidate, str(exc))
