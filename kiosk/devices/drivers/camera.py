"""A counter camera (V4L2 device, or an image/video file that loops) read by a frame thread."""

from __future__ import annotations

import logging
import threading
import time
from pathlib import Path

import cv2
import numpy as np

from kiosk.config import CameraConfig
from kiosk.devices.base import DeviceError
from kiosk.devices.camera.decode import decode_frame
from kiosk.devices.scans import ScanBus
from kiosk.devices.supervised import ReaderDevice, SupervisedReader
from parcel.control import DeviceHealth

log = logging.getLogger(__name__)

IMAGE_SUFFIXES = {".png", ".jpg", ".jpeg", ".bmp", ".tif", ".tiff", ".webp", ".pgm", ".ppm"}
STALE_AFTER_S = 2.0


class _Source:
    """Where frames come from: a capture, or one still image repeated."""

    def __init__(self, capture: cv2.VideoCapture | None, still: np.ndarray | None, loop: bool) -> None:
        self.capture, self.still, self.loop = capture, still, loop

    def read(self) -> np.ndarray:
        if self.still is not None:
            return self.still
        assert self.capture is not None
        ok, frame = self.capture.read()
        if not ok and self.loop:  # end of a video file: start again
            self.capture.set(cv2.CAP_PROP_POS_FRAMES, 0)
            ok, frame = self.capture.read()
        if not ok or frame is None:
            raise OSError("camera gives no frame")
        return np.asarray(frame)

    def close(self) -> None:
        if self.capture is not None:
            self.capture.release()


class OpenCvCamera(ReaderDevice):
    """Keeps the latest frame for photos and, when enabled, decodes barcodes in it as scans."""

    def __init__(self, config: CameraConfig, scans: ScanBus | None = None) -> None:
        if config.driver == "v4l2" and not config.device:
            raise DeviceError("devices.camera: the v4l2 driver needs `device` (/dev/video0 or an index)")
        if config.driver == "file" and config.path is None:
            raise DeviceError("devices.camera: the file driver needs `path` (an image or a video)")
        self.config = config
        self.scans = scans or ScanBus()
        self.photo_max_px = config.photo_max_px
        self._lock = threading.Lock()
        self._frame: np.ndarray | None = None
        self._frame_at = 0.0
        self.frames = 0
        self.decoded = 0
        self.reader = SupervisedReader[_Source](f"camera-{config.driver}", self._open, self._step, _close)

    def bind_scans(self, scans: ScanBus) -> None:
        """Deliver scans to the manager's bus."""
        self.scans = scans

    def _open(self) -> _Source:
        if self.config.driver == "file":
            return _open_file(Path(str(self.config.path)))
        device = str(self.config.device)
        capture = cv2.VideoCapture(int(device) if device.isdigit() else device, cv2.CAP_V4L2)
        if not capture.isOpened():
            capture.release()
            raise OSError(f"cannot open camera {device}")
        return _Source(capture, None, loop=False)

    def _step(self, source: _Source) -> None:
        started = time.monotonic()
        frame = source.read()
        with self._lock:
            self._frame, self._frame_at = frame, time.monotonic()
            self.frames += 1
        if self.config.decode:
            for symbol in decode_frame(frame, self.config.decoder):
                self.decoded += 1
                self.scans.publish(symbol.data, "camera")
        self.reader.wait(max(0.0, 1 / self.config.fps - (time.monotonic() - started)))

    def snapshot(self) -> np.ndarray | None:
        """A copy of the latest frame, or None when there is no recent one."""
        with self._lock:
            if self._frame is None or time.monotonic() - self._frame_at > STALE_AFTER_S:
                return None
            return self._frame.copy()

    def health(self) -> DeviceHealth:
        """ok with frames arriving; warning when frames stopped; error when the camera is gone."""
        if (down := self.down("camera unavailable")) is not None:
            return down
        with self._lock:
            fresh = self._frame is not None and time.monotonic() - self._frame_at <= STALE_AFTER_S
            shape = None if self._frame is None else self._frame.shape
        if not fresh or shape is None:
            return DeviceHealth(state="warning", detail="no recent frame")
        source = (
            self.config.path.name if self.config.driver == "file" and self.config.path else self.config.device
        )
        return DeviceHealth(state="ok", detail=f"{self.config.driver} {source} {shape[1]}x{shape[0]}")


def _open_file(path: Path) -> _Source:
    if not path.exists():
        raise OSError(f"no such camera file: {path}")
    if path.suffix.lower() in IMAGE_SUFFIXES:
        still = cv2.imread(str(path), cv2.IMREAD_COLOR)
        if still is None:
            raise OSError(f"cannot read image {path}")
        return _Source(None, np.asarray(still), loop=True)
    capture = cv2.VideoCapture(str(path))
    if not capture.isOpened():
        capture.release()
        raise OSError(f"cannot open video {path}")
    return _Source(capture, None, loop=True)


def _close(source: _Source) -> None:
    source.close()
