"""Synthetic camera frames holding one symbol on a noisy background, for the simulator and tests."""

from __future__ import annotations

from typing import Literal

import cv2
import numpy as np
import zxingcpp

from kiosk.devices.printing.symbols import code128_image, qr_image

SymbolKind = Literal["code128", "qr", "datamatrix"]


def symbol_pixels(kind: SymbolKind, data: str) -> np.ndarray:
    """A black-on-white grey image of one symbol at 2-4 pixels per module, quiet zone included."""
    if kind == "code128":
        return np.asarray(code128_image(data, 600, 120, max_module=3).convert("L"))
    if kind == "qr":
        return np.asarray(qr_image(data, 300, max_module=4).convert("L"))
    if kind == "datamatrix":
        symbol = zxingcpp.create_barcode(data, zxingcpp.BarcodeFormat.DataMatrix)
        img = np.asarray(zxingcpp.write_barcode_to_image(symbol, scale=6))
        return np.pad(img, 12, constant_values=255)
    raise ValueError(f"unknown symbol kind {kind!r}")


def synthetic_frame(
    size: tuple[int, int] = (640, 480),
    kind: SymbolKind | None = None,
    data: str = "",
    seed: int = 0,
    blur: int = 3,
) -> np.ndarray:
    """A BGR frame (width, height) of a grey counter with camera noise and, if kind is set, one symbol."""
    width, height = size
    rng = np.random.default_rng(seed)
    frame = np.full((height, width), 150, np.int32) + rng.normal(0, 8, (height, width)).astype(np.int32)
    if kind is not None:
        sym = symbol_pixels(kind, data)
        h, w = sym.shape
        if w > width or h > height:
            raise ValueError(f"symbol {w}x{h} does not fit a {width}x{height} frame")
        y, x = (height - h) // 2, (width - w) // 2
        # paper under the camera: symbol contrast reduced as on a real label
        frame[y : y + h, x : x + w] = 40 + sym.astype(np.int32) * 180 // 255
    out = np.clip(frame, 0, 255).astype(np.uint8)
    blurred = cv2.GaussianBlur(out, (blur, blur), 0) if blur else out
    return cv2.cvtColor(blurred, cv2.COLOR_GRAY2BGR)
