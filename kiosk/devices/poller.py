"""A named, stoppable thread calling a function every `interval_s` seconds (first call at once)."""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable

log = logging.getLogger(__name__)


class Poller:
    """Run fn now (or after one period) and every interval_s until stopped; exceptions are logged."""

    def __init__(
        self, name: str, interval_s: float, fn: Callable[[], None], wait_first: bool = False
    ) -> None:
        self.name = name
        self.wait_first = wait_first
        self.interval_s = interval_s
        self._fn = fn
        self._stop = threading.Event()
        self._wake = threading.Event()
        self._thread: threading.Thread | None = None

    def start(self) -> None:
        """Start the thread (idempotent)."""
        if self.alive:
            return
        self._stop.clear()
        self._thread = threading.Thread(target=self._run, name=self.name, daemon=True)
        self._thread.start()

    def stop(self) -> None:
        """Stop and join the thread."""
        self._stop.set()
        self._wake.set()
        if self._thread is not None:
            self._thread.join(timeout=10)
            self._thread = None

    def poke(self) -> None:
        """Run fn again now instead of waiting for the period."""
        self._wake.set()

    @property
    def alive(self) -> bool:
        """True while the thread runs."""
        return self._thread is not None and self._thread.is_alive()

    def _run(self) -> None:
        if self.wait_first:
            self._wake.wait(self.interval_s)
            self._wake.clear()
        while not self._stop.is_set():
            try:
                self._fn()
            except Exception:  # a poll must never kill the thread that reports health
                log.exception("%s: poll failed", self.name)
            self._wake.wait(self.interval_s)
            self._wake.clear()
