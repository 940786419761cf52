"""A simulated serial scale on a pty speaking Toledo 8217, MT-SICS or CAS, with fault injection."""

from __future__ import annotations

import os
import select
import threading

from kiosk.devices.peers import scale_frames
from kiosk.devices.peers.pty_port import PtyPort
from kiosk.devices.peers.scale_frames import ScaleState

PROTOCOLS = ("toledo8217", "mt-sics", "cas")


class ScalePeer:
    """The scale end of a pty: open `port` (the slave name) with pyserial to talk to it."""

    def __init__(
        self, protocol: str = "toledo8217", weight_g: int = 0, stream_interval: float = 0.05
    ) -> None:
        if protocol not in PROTOCOLS:
            raise ValueError(f"unknown scale protocol {protocol!r}; known: {', '.join(PROTOCOLS)}")
        self.protocol = protocol
        self.state = ScaleState(weight_g=weight_g)
        self.stream_interval = stream_interval
        self.port = ""
        self.received = bytearray()
        self._lock = threading.Lock()
        self._pty: PtyPort | None = None
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    # fault injection and the things put on the scale
    def put(self, weight_g: int) -> None:
        """Place a load of weight_g grams on the scale."""
        with self._lock:
            self.state.weight_g = weight_g

    def set_unstable(self, unstable: bool = True) -> None:
        """Make the reading wobble (and the scale report motion)."""
        with self._lock:
            self.state.unstable = unstable

    def set_overload(self, overload: bool = True) -> None:
        """Report over capacity whatever lies on it."""
        with self._lock:
            self.state.overload = overload

    def garble(self, frames: int = 1) -> None:
        """Corrupt the next `frames` frames sent."""
        with self._lock:
            self.state.garble = frames

    def start(self) -> ScalePeer:
        """Open a fresh pty and serve it; return once the port name can be opened."""
        if self._thread is not None:
            raise RuntimeError("scale peer already running")
        self._pty = PtyPort()
        self.port = self._pty.name
        self._stop.clear()
        self._thread = threading.Thread(target=self._run, name=f"scale-peer-{self.protocol}", daemon=True)
        self._thread.start()
        return self

    def unplug(self) -> None:
        """Stop serving and close the pty, as if the USB cable were pulled."""
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=5)
            self._thread = None
        if self._pty is not None:
            self._pty.close()
            self._pty = None

    def replug(self) -> ScalePeer:
        """Plug back in: a new pty (the port name may change, as a USB device's can)."""
        self.unplug()
        return self.start()

    stop = unplug

    def _send(self, frame: bytes) -> None:
        if not frame:
            return
        with self._lock:
            if self.state.garble > 0:
                self.state.garble -= 1
                frame = scale_frames.garbled(frame)
            self.state.tick += 1
        if self._pty is not None:
            self._pty.write(frame)

    def _reply(self, buf: bytearray) -> None:
        """Answer every complete command in buf, leaving a partial one."""
        while buf:
            if self.protocol == "toledo8217":
                cmd = bytes(buf[:1])
                del buf[:1]
                if cmd in (b"\r", b"\n"):
                    continue
                with self._lock:
                    frame = scale_frames.toledo8217(self.state, cmd)
            else:
                end = buf.find(b"\n")
                if end < 0:
                    return
                line = bytes(buf[:end]).rstrip(b"\r")
                del buf[: end + 1]
                if self.protocol == "cas":
                    continue  # a streaming scale ignores input
                with self._lock:
                    frame = scale_frames.mtsics(self.state, line)
            self._send(frame)

    def _run(self) -> None:
        assert self._pty is not None
        master = self._pty.master
        buf = bytearray()
        while not self._stop.is_set():
            ready, _, _ = select.select([master], [], [], self.stream_interval)
            if ready:
                try:
                    data = os.read(master, 1024)
                except OSError:
                    data = b""
                if data:
                    self.received += data
                    buf += data
                    self._reply(buf)
            if self.protocol == "cas" and not ready:
                with self._lock:
                    frame = scale_frames.cas(self.state)
                self._send(frame)
