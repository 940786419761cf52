"""Symbol decode from generated camera frames with zxing-cpp and pyzbar side by side."""

from __future__ import annotations

import pytest

from kiosk.devices.camera import Symbol, decode_frame, synthetic_frame

from .conftest import TRACK_URL, TRACKING

SIZES = [(640, 480), (1280, 720)]
CASES = [("code128", TRACKING), ("qr", TRACK_URL), ("datamatrix", TRACKING)]


@pytest.mark.parametrize("size", SIZES)
@pytest.mark.parametrize("kind,data", CASES)
def test_zxing_reads_every_kind(size, kind, data):
    frame = synthetic_frame(size, kind, data)
    assert frame.shape == (size[1], size[0], 3)
    assert decode_frame(frame) == [Symbol(kind, data)]


@pytest.mark.parametrize("size", SIZES)
@pytest.mark.parametrize("kind,data", CASES[:2])
def test_pyzbar_reads_code128_and_qr(size, kind, data):
    assert decode_frame(synthetic_frame(size, kind, data), "pyzbar") == [Symbol(kind, data)]


def test_pyzbar_cannot_read_datamatrix_so_zxing_is_default():
    frame = synthetic_frame((640, 480), "datamatrix", TRACKING)
    assert decode_frame(frame, "pyzbar") == []
    assert decode_frame(frame) == [Symbol("datamatrix", TRACKING)]


@pytest.mark.parametrize("engine", ["zxing", "pyzbar"])
@pytest.mark.parametrize("size", SIZES)
def test_empty_frame_decodes_nothing(engine, size):
    assert decode_frame(synthetic_frame(size, None, seed=7), engine) == []


def test_grey_frame_accepted_and_unknown_engine_fails():
    frame = synthetic_frame((640, 480), "qr", TRACK_URL)[:, :, 0].copy()
    assert decode_frame(frame) == [Symbol("qr", TRACK_URL)]
    with pytest.raises(ValueError, match="zxing"):
        decode_frame(frame, "opencv")


def test_symbol_too_big_for_frame():
    with pytest.raises(ValueError, match="does not fit"):
        synthetic_frame((320, 240), "code128", TRACKING)
