"""Receipts and labels: layout, Bengali rendering with RAQM, ESC/POS raster output and status."""

from kiosk.devices.printing import _escpos_quiet  # noqa: F401  (first: see the module)
from kiosk.devices.printing.documents import intake_receipt, parcel_label
from kiosk.devices.printing.escpos_decode import EscposDecoder, Page, StatusQuery, decode
from kiosk.devices.printing.escpos_out import print_image
from kiosk.devices.printing.fonts import FontSet, MissingGlyphs
from kiosk.devices.printing.job import PrintRefused, check_status, print_document
from kiosk.devices.printing.layout import Barcode, Document, Field, QrCode, Rule, Space, Text, Title
from kiosk.devices.printing.raqm import RaqmMissing, check_raqm
from kiosk.devices.printing.render import png_bytes, preview_png, render
from kiosk.devices.printing.status import PrinterStatus, interpret, query_network, query_printer
from kiosk.devices.printing.transport import PrinterConfigError, make_printer, printer_settings

__all__ = [
    "Barcode",
    "Document",
    "EscposDecoder",
    "Field",
    "FontSet",
    "MissingGlyphs",
    "Page",
    "PrintRefused",
    "PrinterConfigError",
    "PrinterStatus",
    "QrCode",
    "RaqmMissing",
    "Rule",
    "Space",
    "StatusQuery",
    "Text",
    "Title",
    "check_raqm",
    "check_status",
    "decode",
    "intake_receipt",
    "interpret",
    "make_printer",
    "parcel_label",
    "png_bytes",
    "preview_png",
    "print_document",
    "print_image",
    "printer_settings",
    "query_network",
    "query_printer",
    "render",
]
