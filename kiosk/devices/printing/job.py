"""One print job: check status, render, send raster bands, release the connection."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from escpos.escpos import Escpos

from kiosk.devices.printing.escpos_out import print_image
from kiosk.devices.printing.layout import Document
from kiosk.devices.printing.render import render
from kiosk.devices.printing.status import PrinterStatus, query_network, query_printer
from kiosk.devices.printing.transport import printer_settings


class PrintRefused(RuntimeError):
    """The printer cannot take a job now; the job should be kept for a reprint."""

    def __init__(self, status: PrinterStatus) -> None:
        super().__init__(status.detail or "printer not ready")
        self.status = status


def check_status(printer: Escpos, config: Mapping[str, Any]) -> PrinterStatus:
    """The printer's status for its driver, bounded by the configured timeout."""
    s = printer_settings(config)
    if s["driver"] == "network":
        return query_network(s["host"], int(s["port"]), float(s["timeout"]))
    if s["driver"] in ("serial", "usb"):
        return query_printer(printer)
    return PrinterStatus(True, "ok", f"{s['driver']} output has no status")


def print_document(printer: Escpos, config: Mapping[str, Any], doc: Document) -> PrinterStatus:
    """Print doc after a status check; raise PrintRefused (nothing sent) when it cannot print."""
    s = printer_settings(config)
    status = check_status(printer, config)
    if not status.can_print:
        raise PrintRefused(status)
    image = render(doc, s["width_px"])
    try:
        print_image(printer, image, s["band_rows"])
    finally:
        printer.close()
    return status
