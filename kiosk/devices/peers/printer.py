"""A simulated TCP 9100 receipt printer: answers DLE EOT status, turns ESC/POS back into pages."""

from __future__ import annotations

import contextlib
import socket
import threading
from collections.abc import Callable
from typing import Literal

from kiosk.devices.printing.escpos_decode import EscposDecoder, Page
from kiosk.devices.printing.render import png_bytes

PaperLevel = Literal["ok", "low", "out"]


class PrinterPeer:
    """A threaded loopback printer; `pages` holds what it printed, `refused` what came while out of paper."""

    def __init__(self, host: str = "127.0.0.1", port: int = 0) -> None:
        self.host = host
        self.port = port
        self.paper: PaperLevel = "ok"
        self.online = True
        self.silent = False  # accept connections but never answer status queries
        self.pages: list[Page] = []
        self.refused: list[Page] = []
        self.received = bytearray()
        self.connections = 0
        self._cond = threading.Condition()
        self._stop = threading.Event()
        self._listener: socket.socket | None = None
        self._threads: list[threading.Thread] = []

    def start(self) -> PrinterPeer:
        """Listen on a free loopback port; return once connections are accepted."""
        sock = socket.create_server((self.host, self.port))
        sock.settimeout(0.1)
        self._listener = sock
        self.port = sock.getsockname()[1]
        self._stop.clear()
        self._spawn(self._accept_loop, "printer-peer-accept")
        return self

    def stop(self) -> None:
        """Close the listener and every connection; join all threads."""
        self._stop.set()
        # the accept thread first: after it ends no new connection thread can appear
        for t in list(self._threads):
            if t.name == "printer-peer-accept":
                t.join(timeout=5)
        for t in list(self._threads):
            t.join(timeout=5)
        self._threads.clear()
        if self._listener is not None:
            self._listener.close()
            self._listener = None

    def status_byte(self, n: int) -> int:
        """The answer to DLE EOT n for the current paper and online state."""
        byte = 0x12
        if n == 1 and (not self.online or self.paper == "out"):
            byte |= 0x08
        elif n == 2 and self.paper == "out":
            byte |= 0x20
        elif n == 4:
            byte |= {"ok": 0x00, "low": 0x0C, "out": 0x6C}[self.paper]
        return byte

    def wait_for_pages(self, count: int, timeout: float = 5.0) -> list[Page]:
        """Block until `count` pages were printed (or raise TimeoutError)."""
        with self._cond:
            if not self._cond.wait_for(lambda: len(self.pages) >= count, timeout):
                raise TimeoutError(f"{len(self.pages)} of {count} pages after {timeout} s")
            return list(self.pages)

    def text(self) -> str:
        """All text lines printed so far."""
        with self._cond:
            return "\n".join(line for p in self.pages for line in p.lines)

    def png_images(self) -> list[bytes]:
        """Every printed raster image (bands reassembled) as PNG bytes."""
        with self._cond:
            return [png_bytes(img) for p in self.pages for img in p.images]

    def _spawn(self, target: Callable[..., None], name: str, *args: object) -> None:
        # forget finished connection threads so a long demo does not pile them up
        self._threads = [t for t in self._threads if t.is_alive()]
        t = threading.Thread(target=target, args=args, name=name, daemon=True)
        self._threads.append(t)
        t.start()

    def _accept_loop(self) -> None:
        assert self._listener is not None
        while not self._stop.is_set():
            try:
                conn, _ = self._listener.accept()
            except TimeoutError:
                continue
            except OSError:
                return
            self.connections += 1
            self._spawn(self._serve, f"printer-peer-conn-{self.connections}", conn)

    def _serve(self, conn: socket.socket) -> None:
        decoder = EscposDecoder()
        conn.settimeout(0.1)
        with conn:
            while not self._stop.is_set():
                try:
                    data = conn.recv(65536)
                except TimeoutError:
                    continue
                except OSError:
                    break
                if not data:
                    break
                self.received += data
                for query in decoder.feed(data):
                    if not self.silent:
                        with contextlib.suppress(OSError):
                            conn.sendall(bytes((self.status_byte(query.n),)))
        pages = decoder.finish()
        with self._cond:
            (self.refused if self.paper == "out" or not self.online else self.pages).extend(pages)
            self._cond.notify_all()
