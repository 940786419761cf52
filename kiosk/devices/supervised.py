"""A named reader thread that opens a device, feeds what it reads on, and reconnects with backoff."""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from typing import Any, Generic, TypeVar

from kiosk.devices.base import DeviceError
from parcel.control import DeviceHealth

log = logging.getLogger(__name__)

H = TypeVar("H")


class SupervisedReader(Generic[H]):
    """Run open → read loop → close, reconnecting with exponential backoff after any I/O error.

    `open_` returns a handle or raises; `step(handle)` does one bounded read (and may raise to
    signal an unplug); `close(handle)` releases it. `error` holds the last failure ('' while up).
    """

    def __init__(
        self,
        name: str,
        open_: Callable[[], H],
        step: Callable[[H], None],
        close: Callable[[H], None],
        *,
        backoff_s: float = 0.2,
        max_backoff_s: float = 5.0,
        on_up: Callable[[], None] | None = None,
    ) -> None:
        self.name = name
        self._open, self._step, self._close = open_, step, close
        self.backoff_s, self.max_backoff_s = backoff_s, max_backoff_s
        self._on_up = on_up
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._first = threading.Event()
        self.up = False
        self.error = ""
        self.reconnects = 0
        self.last_error_at: float | None = None

    def start(self, wait_s: float = 5.0) -> None:
        """Start the thread; return once the device is open, or raise OSError with the reason."""
        if self._thread is not None and self._thread.is_alive():
            return
        self._stop.clear()
        self._first.clear()
        self._thread = threading.Thread(target=self._run, name=self.name, daemon=True)
        self._thread.start()
        self._first.wait(wait_s)
        if not self.up:
            reason = self.error or "did not open in time"
            self.stop()  # the caller (or the watchdog) decides when to try again
            self.error = reason
            raise OSError(f"{self.name}: {reason}")

    def stop(self) -> None:
        """Stop the thread and release the device."""
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=5)
            self._thread = None
        self.up = False

    def wait(self, seconds: float) -> bool:
        """Sleep inside a step for up to seconds; True when the reader is being stopped."""
        return self._stop.wait(seconds)

    @property
    def alive(self) -> bool:
        """True while the thread runs (up or retrying)."""
        return self._thread is not None and self._thread.is_alive()

    def _fail(self, exc: BaseException) -> None:
        self.up = False
        self.error = str(exc) or type(exc).__name__
        self.last_error_at = time.monotonic()

    def _run(self) -> None:
        delay = self.backoff_s
        while not self._stop.is_set():
            try:
                handle = self._open()
            except Exception as exc:  # any open failure is retried: the cable may come back
                self._fail(exc)
                self._first.set()
                self._stop.wait(delay)
                delay = min(delay * 2, self.max_backoff_s)
                continue
            if self.error:
                self.reconnects += 1
                log.info("%s: reconnected", self.name)
            self.up, self.error, delay = True, "", self.backoff_s
            if self._on_up is not None:
                self._on_up()
            self._first.set()
            try:
                while not self._stop.is_set():
                    self._step(handle)
            except Exception as exc:  # an unplug shows as OSError, SerialException, or worse
                log.warning("%s: %s", self.name, exc)
                self._fail(exc)
            finally:
                try:
                    self._close(handle)
                except Exception as exc:  # closing a vanished device may fail too
                    log.debug("%s: close failed: %s", self.name, exc)
            self.up = False
        self._first.set()


class ReaderDevice:
    """Start, stop and liveness of a device whose I/O runs in a SupervisedReader (`self.reader`)."""

    reader: SupervisedReader[Any]

    def start(self) -> None:
        """Open the device and start reading; raise DeviceError when it cannot be opened."""
        try:
            self.reader.start()
        except OSError as exc:
            raise DeviceError(str(exc)) from None

    def stop(self) -> None:
        """Stop reading and release the device."""
        self.reader.stop()

    @property
    def alive(self) -> bool:
        """True while the reader thread runs (up or reconnecting)."""
        return self.reader.alive

    def down(self, what: str = "disconnected") -> DeviceHealth | None:
        """An error health with the reader's reason while the device is not up, else None."""
        if self.reader.up:
            return None
        return DeviceHealth(state="error", detail=f"{what}: {self.reader.error or 'not started'}")
