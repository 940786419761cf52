"""A clerk hopping between pages leaves no server thread behind: the kiosk keeps answering."""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from demo.client import KioskClient
from demo.stack import BoothSpec, Stack


@pytest.mark.slow
def test_many_abandoned_scan_streams_do_not_exhaust_the_kiosk(tmp_path: Path) -> None:
    stack = Stack(tmp_path / "stack", booths=(BoothSpec("BD-1000-01", "Dhaka GPO"),))
    try:
        stack.broker.start()
        stack.add_clerks()
        kiosk = stack.kiosks["BD-1000-01"]
        kiosk.start()
        client = kiosk.client()
        started = time.monotonic()
        for _ in range(40):  # every page a clerk opens starts a stream; leaving the page drops it
            with client.http.get(f"{kiosk.url}/api/v1/scans/stream", stream=True, timeout=5) as response:
                assert response.status_code == 200
                next(response.iter_content(16))
        assert time.monotonic() - started < 30
        t0 = time.monotonic()
        assert KioskClient(kiosk.url, timeout=5).uplink()["last_seq"] == 0
        assert time.monotonic() - t0 < 3
        client.close()
    finally:
        stack.stop()
