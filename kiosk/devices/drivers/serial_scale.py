"""A serial scale (any pyserial URL) speaking Toledo 8217, MT-SICS or CAS, read by a supervised thread."""

from __future__ import annotations

import threading
import time

import serial

from kiosk.config import ScaleConfig
from kiosk.devices.base import DeviceError, Reading
from kiosk.devices.scales import Reading as FrameReading
from kiosk.devices.scales import StableWeight, make_parser
from kiosk.devices.scales.protocols import ScaleParser
from kiosk.devices.supervised import ReaderDevice, SupervisedReader
from parcel.control import DeviceHealth

STALE_AFTER_S = 2.0  # no frame for this long: the scale stopped answering
FIRST_FRAME_WAIT_S = 1.0


def to_base(reading: FrameReading | None, accepted_g: int | None) -> Reading | None:
    """Reconcile a protocol frame reading with the device interface's Reading.

    A weight is stable only when the scale said so and it repeated (accepted_g); motion shows the
    moving weight as not stable; overload, underload and garbage have no weight at all.
    """
    if accepted_g is not None:
        return Reading(accepted_g, True)
    if reading is not None and reading.state in ("ok", "motion") and reading.weight_g is not None:
        return Reading(reading.weight_g, False)
    return None


class SerialScale(ReaderDevice):
    """The scale device: `read()` gives the latest reading; health says why there is none."""

    def __init__(self, config: ScaleConfig) -> None:
        if not config.port:
            raise DeviceError("devices.scale: the serial driver needs `port` (a pyserial URL)")
        if config.protocol is None:
            raise DeviceError("devices.scale: the serial driver needs `protocol`")
        self.config = config
        self.parser: ScaleParser = make_parser(config.protocol)
        self.stable = StableWeight(config.stable_repeats)
        self._lock = threading.Lock()
        self._last_frame_at = 0.0
        self._next_poll = 0.0
        self.reader = SupervisedReader[serial.SerialBase](
            f"scale-{config.protocol}", self._open, self._step, self._close, on_up=self._reset
        )

    def _reset(self) -> None:
        with self._lock:
            self.parser.reset()
            self.stable.reset()
            self._last_frame_at = time.monotonic()

    def _open(self) -> serial.SerialBase:
        return serial.serial_for_url(self.config.port, timeout=0.02, **self.parser.serial.as_kwargs())

    def _close(self, port: serial.SerialBase) -> None:
        port.close()

    def _step(self, port: serial.SerialBase) -> None:
        now = time.monotonic()
        if self.parser.poll and now >= self._next_poll:
            port.write(self.parser.poll)
            self._next_poll = now + self.config.poll_interval_s
        data = port.read(256)
        if not data:
            return
        with self._lock:
            for event in self.parser.feed(data):
                if isinstance(event, FrameReading):
                    self._last_frame_at = time.monotonic()
                    self.stable.push(event)

    def start(self) -> None:
        """Open the port and start reading; raise DeviceError when it cannot be opened."""
        super().start()
        # a scale is up once it answers: give it a moment to settle so a probe shows the weight
        deadline = time.monotonic() + FIRST_FRAME_WAIT_S
        while not self._settled() and time.monotonic() < deadline:
            time.sleep(0.02)

    def _settled(self) -> bool:
        with self._lock:
            last = self.stable.last
            return self.stable.weight_g is not None or (
                last is not None and last.state not in ("ok", "motion")
            )

    def _current(self) -> tuple[FrameReading | None, Reading | None, bool]:
        with self._lock:
            last, accepted = self.stable.last, self.stable.weight_g
            fresh = time.monotonic() - self._last_frame_at < STALE_AFTER_S
        return last, to_base(last, accepted), fresh

    def read(self) -> Reading:
        """The latest reading; DeviceError when disconnected, silent, overloaded or garbled."""
        if not self.reader.up:
            raise DeviceError(f"scale disconnected: {self.reader.error or 'not started'}")
        last, reading, fresh = self._current()
        if not fresh:
            raise DeviceError("scale does not answer")
        if reading is None:
            raise DeviceError(last.detail or last.state if last else "no reading yet")
        return reading

    def health(self) -> DeviceHealth:
        """ok with a weight; warning in motion or out of range; error when unplugged or silent."""
        if not self.reader.up:
            return DeviceHealth(
                state="error",
                detail=f"disconnected: {self.reader.error or 'not started'}",
                weight_g=None,
                stable=False,
            )
        last, reading, fresh = self._current()
        if not fresh:
            return DeviceHealth(state="error", detail="no answer from the scale", weight_g=None, stable=False)
        if reading is not None and reading.stable:
            return DeviceHealth(
                state="ok", detail=self.config.protocol or "", weight_g=reading.weight_g, stable=True
            )
        if reading is not None:
            return DeviceHealth(
                state="ok", detail="weight in motion", weight_g=reading.weight_g, stable=False
            )
        if last is None:
            return DeviceHealth(state="warning", detail="waiting for a reading", weight_g=None, stable=False)
        state = "warning" if last.state in ("overload", "underload", "motion") else "error"
        names = {"overload": "over capacity", "underload": "below zero", "error": "unreadable frame"}
        detail = names.get(last.state, last.state) + (f": {last.detail}" if last.detail else "")
        return DeviceHealth(state=state, detail=detail, weight_g=None, stable=False)
