"""A USB CDC serial barcode scanner (any pyserial URL): framed lines become scans."""

from __future__ import annotations

import logging

import serial

from kiosk.config import ScannerConfig
from kiosk.devices.base import DeviceError
from kiosk.devices.scanning import LineFramer, Rejected
from kiosk.devices.scans import ScanBus
from kiosk.devices.supervised import ReaderDevice, SupervisedReader
from parcel.control import DeviceHealth

log = logging.getLogger(__name__)


class SerialScanner(ReaderDevice):
    """Reads scans on a supervised thread; garbled frames are counted, duplicates dropped by the bus."""

    def __init__(self, config: ScannerConfig, scans: ScanBus | None = None) -> None:
        if not config.port:
            raise DeviceError("devices.scanner: the serial driver needs `port` (a pyserial URL)")
        self.config = config
        self.scans = scans or ScanBus()
        self.framer = LineFramer(config.suffix, min_len=config.min_len)
        self.rejected = 0
        self.last_rejected = ""
        self.reader = SupervisedReader[serial.SerialBase](
            "scanner-serial", self._open, self._step, _close, on_up=self.framer.reset
        )

    def bind_scans(self, scans: ScanBus) -> None:
        """Deliver scans to the manager's bus."""
        self.scans = scans

    def _open(self) -> serial.SerialBase:
        assert self.config.port is not None
        return serial.serial_for_url(self.config.port, baudrate=self.config.baudrate, timeout=0.1)

    def _step(self, port: serial.SerialBase) -> None:
        data = port.read(max(1, port.in_waiting))
        if data:
            self.feed(data)

    def feed(self, data: bytes) -> None:
        """Frame bytes into scans and publish them."""
        for item in self.framer.feed(data):
            if isinstance(item, Rejected):
                self.rejected += 1
                self.last_rejected = item.reason
                log.info("scanner: rejected frame (%s)", item.reason)
            else:
                self.scans.publish(item, "serial")

    def health(self) -> DeviceHealth:
        """ok while the port is open; error with the reason while unplugged."""
        if (down := self.down()) is not None:
            return down
        detail = f"serial scanner on {self.config.port}"
        if self.rejected:
            detail += f", {self.rejected} unreadable scans (last: {self.last_rejected})"
        return DeviceHealth(state="ok", detail=detail)


def _close(port: serial.SerialBase) -> None:
    port.close()
