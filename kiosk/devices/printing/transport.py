"""Build a python-escpos printer from the `[devices.printer]` config (usb, serial, network, file)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from escpos.escpos import Escpos
from escpos.printer import Dummy, File, Network, Serial, Usb

from kiosk.devices.printing.escpos_out import DEFAULT_BAND_ROWS, set_paper_width
from kiosk.devices.printing.render import WIDTHS

COMMON = {"driver": None, "width_px": 576, "band_rows": DEFAULT_BAND_ROWS, "profile": None}
DRIVERS: dict[str, dict[str, Any]] = {
    "network": {"host": None, "port": 9100, "timeout": 5.0},
    "serial": {"port": None, "baudrate": 9600, "bytesize": 8, "parity": "N", "stopbits": 1, "timeout": 1.0},
    "usb": {"vendor_id": None, "product_id": None, "timeout": 1000, "in_ep": 0x82, "out_ep": 0x01},
    "file": {"path": None},
    "dummy": {},
}


class PrinterConfigError(ValueError):
    """The printer config names an unknown driver, an unknown key, or lacks a required one."""


def _int(value: Any, key: str) -> int:
    try:
        return int(value, 0) if isinstance(value, str) else int(value)
    except (TypeError, ValueError):
        raise PrinterConfigError(f"printer {key} must be an integer, got {value!r}") from None


def printer_settings(config: Mapping[str, Any]) -> dict[str, Any]:
    """Validate config and return it with defaults filled in; raise PrinterConfigError."""
    driver = config.get("driver")
    if driver not in DRIVERS:
        raise PrinterConfigError(f"unknown printer driver {driver!r}; known: {', '.join(DRIVERS)}")
    allowed = {**COMMON, **DRIVERS[driver]}
    unknown = set(config) - set(allowed)
    if unknown:
        raise PrinterConfigError(f"unknown printer keys for {driver}: {', '.join(sorted(unknown))}")
    settings = {**allowed, **config}
    missing = [k for k, v in settings.items() if v is None and k != "profile"]
    if missing:
        raise PrinterConfigError(f"printer driver {driver} needs: {', '.join(missing)}")
    if settings["width_px"] not in WIDTHS:
        raise PrinterConfigError(f"width_px must be one of {WIDTHS}, got {settings['width_px']!r}")
    return settings


def make_printer(config: Mapping[str, Any]) -> Escpos:
    """A python-escpos printer for config; nothing is opened until the first job."""
    s = printer_settings(config)
    profile = s["profile"]
    printer: Escpos
    if s["driver"] == "network":
        printer = Network(
            s["host"], port=_int(s["port"], "port"), timeout=float(s["timeout"]), profile=profile
        )
    elif s["driver"] == "serial":
        printer = Serial(
            s["port"],
            baudrate=_int(s["baudrate"], "baudrate"),
            bytesize=_int(s["bytesize"], "bytesize"),
            parity=s["parity"],
            stopbits=_int(s["stopbits"], "stopbits"),
            timeout=float(s["timeout"]),
            profile=profile,
        )
    elif s["driver"] == "usb":
        printer = Usb(
            _int(s["vendor_id"], "vendor_id"),
            _int(s["product_id"], "product_id"),
            timeout=_int(s["timeout"], "timeout"),
            in_ep=_int(s["in_ep"], "in_ep"),
            out_ep=_int(s["out_ep"], "out_ep"),
            profile=profile,
        )
    elif s["driver"] == "file":
        printer = File(s["path"], profile=profile)
    else:
        printer = Dummy(profile=profile)
    set_paper_width(printer, s["width_px"])
    return printer
