"""Fixtures for device tests: real pty scale peers and a loopback TCP printer peer."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator

import pytest

from kiosk.devices.peers import PrinterPeer
from kiosk.devices.printing import Document, intake_receipt

TRACKING = "RR123456785BD"
TRACK_URL = f"https://dakbooth.example/t/{TRACKING}"


@pytest.fixture(autouse=True)
def no_threads_left() -> Iterator[None]:
    """Fail a test that leaves a thread running."""
    before = set(threading.enumerate())
    yield
    deadline = time.monotonic() + 2
    while (left := set(threading.enumerate()) - before) and time.monotonic() < deadline:
        time.sleep(0.01)
    assert not left, f"threads left running: {sorted(t.name for t in left)}"


@pytest.fixture
def printer_peer() -> Iterator[PrinterPeer]:
    """A TCP 9100-style printer on a free loopback port."""
    peer = PrinterPeer().start()
    try:
        yield peer
    finally:
        peer.stop()


@pytest.fixture
def receipt() -> Document:
    """An intake receipt with Bengali text, a tracking barcode and a QR."""
    return intake_receipt(
        tracking_id=TRACKING,
        booth_id="BD-1000-01",
        recipient="রহিমা খাতুন",
        phone="01711-000000",
        destination="BD-1205-02 ধানমন্ডি",
        weight_g=1234,
        fee="60.00",
        cod_amount="1500.00",
        when="2026-11-23 10:15",
        track_url=TRACK_URL,
    )
