"""Send a rendered receipt to a python-escpos printer as raster bands printers accept."""

from __future__ import annotations

import copy

from escpos.escpos import Escpos
from PIL import Image

DEFAULT_BAND_ROWS = 255  # many printers reject GS v 0 images taller than this


def set_paper_width(printer: Escpos, width_px: int) -> None:
    """Tell the printer's profile its paper width in dots (on this instance only)."""
    data = copy.deepcopy(printer.profile.profile_data)  # class-level dict shared by every printer
    data.setdefault("media", {}).setdefault("width", {})["pixels"] = width_px
    printer.profile.profile_data = data


def print_image(
    printer: Escpos, image: Image.Image, band_rows: int = DEFAULT_BAND_ROWS, cut: bool = True
) -> None:
    """Initialise, print image as GS v 0 bands of at most band_rows rows, feed and cut."""
    if not 1 <= band_rows <= 2303:
        raise ValueError(f"band_rows {band_rows} out of range")
    if printer.profile.profile_data.get("media", {}).get("width", {}).get("pixels") in (None, "Unknown"):
        set_paper_width(printer, image.width)
    printer.hw("INIT")
    printer.image(image, impl="bitImageRaster", fragment_height=band_rows, center=False)
    if cut:
        printer.cut(feed=True)
