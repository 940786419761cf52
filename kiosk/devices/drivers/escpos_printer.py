"""A real ESC/POS receipt printer (usb, serial, network, file) printing rendered Bengali raster."""

from __future__ import annotations

import logging
import threading
from typing import Any

from escpos.escpos import Escpos

from kiosk.config import PrinterConfig
from kiosk.devices.base import DeviceError, PrinterError
from kiosk.devices.poller import Poller
from kiosk.devices.printing import (
    Document,
    PrinterConfigError,
    PrinterStatus,
    Text,
    check_raqm,
    check_status,
    make_printer,
    print_image,
    printer_settings,
    render,
)
from parcel.control import DeviceHealth

log = logging.getLogger(__name__)

NOT_CHECKED = PrinterStatus(False, "unknown", "status not checked yet")


def settings_from(config: PrinterConfig) -> dict[str, Any]:
    """The transport settings (python-escpos terms) for a `[devices.printer]` section."""
    s: dict[str, Any] = {"driver": config.driver, "width_px": config.width_px}
    if config.driver == "network":
        s.update(host=config.host, port=config.port or 9100, timeout=config.timeout_s)
    elif config.driver == "serial":
        s.update(port=config.device, baudrate=config.baudrate, timeout=config.timeout_s)
    elif config.driver == "usb":
        s.update(vendor_id=config.vendor_id, product_id=config.product_id)
        s.update(timeout=int(config.timeout_s * 1000))
    elif config.driver == "file":
        s.update(path=str(config.path) if config.path else None)
    return s


class EscposPrinter:
    """Checks paper/online status before each job and every status_interval_s for health."""

    def __init__(self, config: PrinterConfig) -> None:
        try:
            self.settings = printer_settings(settings_from(config))
        except PrinterConfigError as exc:
            raise DeviceError(f"devices.printer: driver {config.driver!r}: {exc}") from None
        check_raqm()  # fails loudly at start-up: unshaped Bengali must never reach paper
        self.config = config
        self.width_px = config.width_px
        self.jobs_printed = 0
        self._status = NOT_CHECKED
        self._job_lock = threading.Lock()  # one job or status query on the wire at a time
        self._poller = Poller(
            f"printer-{config.driver}-status", config.status_interval_s, self.refresh, wait_first=True
        )

    def start(self) -> None:
        """Check status once, then poll it (the printer itself is opened per job)."""
        self.refresh()
        self._poller.start()

    def stop(self) -> None:
        """Stop polling."""
        self._poller.stop()

    @property
    def alive(self) -> bool:
        """True while the status thread runs."""
        return self._poller.alive

    def _printer(self) -> Escpos:
        return make_printer(self.settings)

    def _query(self) -> PrinterStatus:
        printer = self._printer()
        try:
            return check_status(printer, self.settings)
        finally:
            _close(printer)

    def refresh(self) -> PrinterStatus:
        """Ask the printer for its status now and remember it for health."""
        with self._job_lock:
            status = self._query()
        self._set(status)
        return status

    def _set(self, status: PrinterStatus) -> None:
        if status.state != self._status.state:
            log.info("printer: %s %s", status.state, status.detail)
        self._status = status

    def print_pages(self, pages: list[Document]) -> None:
        """Print each page then cut; raise PrinterError (nothing sent) when the printer cannot print."""
        images = [render(doc, self.width_px) for doc in pages]  # render before taking the wire
        with self._job_lock:
            status = self._query()
            self._set(status)
            if not status.can_print:
                raise PrinterError(status.detail or "printer not ready")
            printer = self._printer()
            try:
                for image in images:
                    print_image(printer, image, self.settings["band_rows"])
            except Exception as exc:  # python-escpos raises its own errors besides OSError
                self._set(PrinterStatus(False, "unknown", f"print failed: {exc}"))
                raise PrinterError(f"print failed: {exc}") from exc
            finally:
                _close(printer)
            self.jobs_printed += 1
        self._poller.poke()  # the job may have used the last paper

    def print_document(self, doc: Document) -> None:
        """Print one document as a job."""
        self.print_pages([doc])

    def print_lines(self, lines: list[str]) -> None:
        """Print plain text lines as one page."""
        self.print_pages([Document().add(*(Text(line) for line in lines))])

    def health(self) -> DeviceHealth:
        """ok, warning (paper low, status unknown) or error (offline, paper out, unreachable)."""
        s = self._status
        detail = s.detail or f"{self.config.driver} printer ready"
        return DeviceHealth(state=s.state, detail=detail, paper=s.paper, online=s.online)


def _close(printer: Escpos) -> None:
    try:
        printer.close()
    except Exception as exc:  # closing a printer that never opened raises in some transports
        log.debug("printer close: %s", exc)
