"""Code128 and QR symbols as 1-bit Pillow images, from python-barcode's modules and segno."""

from __future__ import annotations

import segno
from barcode import Code128
from PIL import Image

QUIET_MODULES = 10


def code128_modules(data: str) -> str:
    """The bar pattern of data as Code128 ('1' = bar), start/stop and check symbol included."""
    (pattern,) = Code128(data).build()
    return str(pattern)


def code128_image(data: str, max_width: int, height: int, max_module: int = 4) -> Image.Image:
    """A Code128 symbol as wide as fits (whole dots per module), with quiet zones."""
    pattern = code128_modules(data)
    total = len(pattern) + 2 * QUIET_MODULES
    module = min(max_module, max_width // total)
    if module < 1:
        raise ValueError(f"{data!r} needs {total} dots, paper has {max_width}")
    row = Image.new("1", (total, 1), 1)
    row.putdata([0 if c == "1" else 1 for c in "0" * QUIET_MODULES + pattern + "0" * QUIET_MODULES])
    return row.resize((total * module, height), Image.Resampling.NEAREST)


def qr_image(data: str, max_width: int, max_module: int = 6, error: str = "m") -> Image.Image:
    """A QR symbol with a 4-module quiet zone, scaled by whole dots to fit max_width."""
    qr = segno.make(data, error=error, micro=False)
    border = 4
    size = int(qr.symbol_size(scale=1, border=border)[0])
    module = min(max_module, max_width // size)
    if module < 1:
        raise ValueError(f"QR of {len(data)} chars needs {size} dots, paper has {max_width}")
    img = Image.new("1", (size, size), 1)
    img.putdata([0 if dark else 1 for row in qr.matrix_iter(scale=1, border=border) for dark in row])
    return img.resize((size * module, size * module), Image.Resampling.NEAREST)
