"""Accept a weight only when the scale says stable and the same value repeats."""

from __future__ import annotations

from kiosk.devices.scales.reading import Reading


class StableWeight:
    """Filter readings: a weight counts after `repeats` consecutive stable readings of one value."""

    def __init__(self, repeats: int = 3, tolerance_g: int = 0) -> None:
        if repeats < 1:
            raise ValueError("repeats must be at least 1")
        self.repeats = repeats
        self.tolerance_g = tolerance_g
        self._value: int | None = None
        self._count = 0
        self.weight_g: int | None = None
        self.last: Reading | None = None

    def push(self, reading: Reading) -> int | None:
        """Take one reading; return the accepted weight in grams, or None while there is none."""
        self.last = reading
        if not reading.usable or reading.weight_g is None:
            self._value, self._count, self.weight_g = None, 0, None
            return None
        if self._value is not None and abs(reading.weight_g - self._value) <= self.tolerance_g:
            self._count += 1
        else:
            self._value, self._count = reading.weight_g, 1
            self.weight_g = None
        if self._count >= self.repeats:
            self.weight_g = self._value
        return self.weight_g

    def reset(self) -> None:
        """Forget history (after zero, tare or a reconnect)."""
        self._value, self._count, self.weight_g, self.last = None, 0, None, None
