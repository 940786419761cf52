"""Resize a camera frame and encode it as JPEG for storage."""

from __future__ import annotations

import cv2
import numpy as np

JPEG_QUALITY = 85


def encode_jpeg(frame: np.ndarray, max_px: int = 1280, quality: int = JPEG_QUALITY) -> tuple[bytes, int, int]:
    """JPEG bytes of frame scaled so its longest side is at most max_px; returns (bytes, width, height)."""
    height, width = frame.shape[:2]
    scale = min(1.0, max_px / max(width, height))
    if scale < 1.0:
        size = (max(1, round(width * scale)), max(1, round(height * scale)))
        frame = cv2.resize(frame, size, interpolation=cv2.INTER_AREA)
    ok, buf = cv2.imencode(".jpg", frame, [cv2.IMWRITE_JPEG_QUALITY, quality])
    if not ok:
        raise ValueError("frame could not be encoded as JPEG")
    out_h, out_w = frame.shape[:2]
    return buf.tobytes(), out_w, out_h
