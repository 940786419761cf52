"""A simulated USB CDC serial barcode scanner on a pty, with garbled and duplicate scans and unplug."""

from __future__ import annotations

from kiosk.devices.peers.pty_port import PtyPort
from kiosk.devices.scanning.lines import SUFFIXES

GARBLED = b"\x1b\x00\xfe\x07"


class ScannerPeer:
    """The scanner end of a pty: scan() sends a code followed by the configured suffix."""

    def __init__(self, suffix: str = "CR") -> None:
        self.suffix = SUFFIXES[suffix.upper()]
        self._pty: PtyPort | None = None

    @property
    def port(self) -> str:
        """The device name a client opens with pyserial."""
        if self._pty is None:
            raise RuntimeError("scanner peer is unplugged")
        return self._pty.name

    def start(self) -> ScannerPeer:
        """Plug in: create the pty."""
        if self._pty is None:
            self._pty = PtyPort()
        return self

    def scan(self, code: str, repeat: int = 1) -> None:
        """Send code `repeat` times, as a scanner re-reading the same label does."""
        for _ in range(repeat):
            self._write(code.encode("utf-8") + self.suffix)

    def scan_garbled(self, code: str = "RR12") -> None:
        """Send a read corrupted by line noise (control and non-UTF-8 bytes)."""
        self._write(code.encode() + GARBLED + self.suffix)

    def scan_split(self, code: str, at: int) -> None:
        """Send one scan in two writes, as USB packets may split it."""
        data = code.encode("utf-8") + self.suffix
        self._write(data[:at])
        self._write(data[at:])

    def unplug(self) -> None:
        """Pull the cable."""
        if self._pty is not None:
            self._pty.close()
            self._pty = None

    stop = unplug

    def _write(self, data: bytes) -> None:
        if self._pty is None:
            raise RuntimeError("scanner peer is unplugged")
        self._pty.write(data)
