"""Drop the same scan repeated within a short window (a scanner re-reading one label)."""

from __future__ import annotations

import time
from collections.abc import Callable


class DuplicateFilter:
    """accept(value) is False for a value seen less than `window_s` ago; time is injectable.

    Every sighting restarts the window, so a label left under a scanner in continuous mode
    is reported once.
    """

    def __init__(self, window_s: float = 2.0, clock: Callable[[], float] = time.monotonic) -> None:
        self.window_s = window_s
        self._clock = clock
        self._last: dict[str, float] = {}

    def accept(self, value: str) -> bool:
        """True when value was not seen within the window; every call counts as a sighting."""
        now = self._clock()
        # forget old entries so memory stays bounded over a long day
        self._last = {v: t for v, t in self._last.items() if now - t < self.window_s}
        seen = value in self._last
        self._last[value] = now
        return not seen
