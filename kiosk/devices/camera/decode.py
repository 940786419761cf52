"""Decode symbols from a camera frame (BGR or grey numpy array) with zxing-cpp or pyzbar."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import cv2
import numpy as np
import zxingcpp
from pyzbar import pyzbar

_ZX = zxingcpp.BarcodeFormat
ZXING_FORMATS = zxingcpp.BarcodeFormats([_ZX.Code128, _ZX.QRCode, _ZX.DataMatrix, _ZX.EAN13])
_ZX_KINDS = {_ZX.Code128: "code128", _ZX.QRCode: "qr", _ZX.DataMatrix: "datamatrix", _ZX.EAN13: "ean13"}
_ZBAR_KINDS = {"CODE128": "code128", "QRCODE": "qr", "EAN13": "ean13"}


@dataclass(frozen=True)
class Symbol:
    """One decoded symbol: its kind (code128, qr, datamatrix, ...) and its text."""

    kind: str
    data: str


def grey(frame: np.ndarray) -> np.ndarray:
    """The frame as one 8-bit grey channel."""
    if frame.ndim == 2:
        return frame
    return cv2.cvtColor(frame, cv2.COLOR_BGR2GRAY)


def decode_zxing(frame: np.ndarray) -> list[Symbol]:
    """Decode with zxing-cpp (reads DataMatrix, which postal items carry)."""
    found = zxingcpp.read_barcodes(grey(frame), formats=ZXING_FORMATS)
    return [Symbol(_ZX_KINDS.get(b.format, str(b.format).lower()), b.text) for b in found]


def decode_pyzbar(frame: np.ndarray) -> list[Symbol]:
    """Decode with pyzbar/libzbar (no DataMatrix)."""
    found = pyzbar.decode(grey(frame))
    return [Symbol(_ZBAR_KINDS.get(s.type, s.type.lower()), s.data.decode("utf-8", "replace")) for s in found]


ENGINES: dict[str, Callable[[np.ndarray], list[Symbol]]] = {"zxing": decode_zxing, "pyzbar": decode_pyzbar}


def decode_frame(frame: np.ndarray, engine: str = "zxing") -> list[Symbol]:
    """Decode every symbol in frame with the named engine (zxing by default: it reads DataMatrix)."""
    try:
        decoder = ENGINES[engine]
    except KeyError:
        raise ValueError(f"unknown decoder {engine!r}; known: {', '.join(ENGINES)}") from None
    return decoder(frame)
