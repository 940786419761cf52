"""Printer online/paper status over DLE EOT real-time queries, always bounded by a timeout."""

from __future__ import annotations

import socket
import time
from dataclasses import dataclass
from typing import Literal

import serial
from escpos.escpos import Escpos

DLE_EOT = b"\x10\x04"
PRINTER_STATUS = 1
PAPER_STATUS = 4
OFFLINE_BIT = 0x08
PAPER_NEAR_END_BITS = 0x0C
PAPER_END_BITS = 0x60
FIXED_MASK = 0x93  # bits 0, 1, 4, 7 are fixed (0, 1, 1, 0) in every real-time status byte
FIXED_VALUE = 0x12

Paper = Literal["ok", "low", "out", "unknown"]


@dataclass(frozen=True)
class PrinterStatus:
    """What the printer said: online or not, paper level, and a human detail."""

    online: bool
    paper: Paper
    detail: str = ""

    @property
    def state(self) -> Literal["ok", "warning", "error"]:
        """Health state: error when it cannot print, warning when paper is low or unknown."""
        if not self.online or self.paper == "out":
            return "error"
        if self.paper in ("low", "unknown"):
            return "warning"
        return "ok"

    @property
    def can_print(self) -> bool:
        """True when a job may be sent."""
        return self.state != "error"


def _valid(byte: int | None) -> bool:
    return byte is not None and byte & FIXED_MASK == FIXED_VALUE


def interpret(printer_byte: int | None, paper_byte: int | None) -> PrinterStatus:
    """Status from the answers to DLE EOT 1 and DLE EOT 4 (None = no answer)."""
    if printer_byte is None:
        return PrinterStatus(False, "unknown", "no answer to status query")
    if not _valid(printer_byte):
        return PrinterStatus(False, "unknown", f"bad status byte {printer_byte:#04x}")
    if printer_byte & OFFLINE_BIT:
        online, detail = False, "printer offline (cover open or paper out)"
    else:
        online, detail = True, ""
    paper: Paper
    if paper_byte is None or not _valid(paper_byte):
        paper = "unknown"
        detail = detail or "no paper status"
    elif paper_byte & PAPER_END_BITS:
        paper, detail = "out", "paper out"
    elif paper_byte & PAPER_NEAR_END_BITS:
        paper, detail = "low", "paper low"
    else:
        paper = "ok"
    return PrinterStatus(online, paper, detail)


def _ask(sock: socket.socket, n: int, deadline: float) -> int | None:
    sock.sendall(DLE_EOT + bytes((n,)))
    remaining = deadline - time.monotonic()
    if remaining <= 0:
        return None
    sock.settimeout(remaining)
    try:
        data = sock.recv(1)
    except TimeoutError:
        return None
    return data[0] if data else None


def query_network(host: str, port: int = 9100, timeout: float = 2.0) -> PrinterStatus:
    """Ask a network printer for status on its own short connection, all within timeout seconds."""
    deadline = time.monotonic() + timeout
    try:
        with socket.create_connection((host, port), timeout=timeout) as sock:
            printer_byte = _ask(sock, PRINTER_STATUS, deadline)
            if printer_byte is None:
                return interpret(None, None)
            return interpret(printer_byte, _ask(sock, PAPER_STATUS, deadline))
    except OSError as exc:
        return PrinterStatus(False, "unknown", f"cannot reach printer: {exc}")


def query_printer(printer: Escpos) -> PrinterStatus:
    """Ask any python-escpos printer (serial, usb) using its own read timeout.

    python-escpos reads an empty answer as "paper OK"; here no answer means unknown.
    """
    try:
        printer_answer = _query(printer, PRINTER_STATUS)
        if not printer_answer:
            return interpret(None, None)
        paper_answer = _query(printer, PAPER_STATUS)
    except (OSError, ValueError) as exc:
        return PrinterStatus(False, "unknown", f"status query failed: {exc}")
    except Exception as exc:  # python-escpos raises its own errors for absent devices
        return PrinterStatus(False, "unknown", f"status query failed: {type(exc).__name__}: {exc}")
    return interpret(printer_answer[-1], paper_answer[-1] if paper_answer else None)


def _query(printer: Escpos, n: int) -> bytes:
    """One DLE EOT query; on a serial line read just the one answer byte (python-escpos waits for 16)."""
    device = getattr(printer, "device", None)
    if isinstance(device, serial.SerialBase):
        device.write(DLE_EOT + bytes((n,)))
        return bytes(device.read(1))
    return bytes(printer.query_status(DLE_EOT + bytes((n,))))
