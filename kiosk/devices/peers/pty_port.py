"""A raw pty pair standing in for a USB serial device: the peer keeps the master, clients open `name`."""

from __future__ import annotations

import contextlib
import os
import tty


class PtyPort:
    """One pty: write/read on the device side; close() is pulling the cable."""

    def __init__(self) -> None:
        self.master, self.slave = os.openpty()
        tty.setraw(self.slave)  # no echo, no newline translation before the client sets its own mode
        self.name = os.ttyname(self.slave)

    def write(self, data: bytes) -> None:
        """Send bytes to whoever has the port open (ignored once unplugged)."""
        with contextlib.suppress(OSError):
            os.write(self.master, data)

    def close(self) -> None:
        """Close both ends; the client's next read or write fails."""
        for fd in (self.master, self.slave):
            with contextlib.suppress(OSError):
                os.close(fd)
        self.master = self.slave = -1
