"""Fixtures for the browser tests: the whole stack as real processes, and pages in Debian's Chromium."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from demo.sms_sink import SmsSink
from demo.stack import Stack


@pytest.fixture
def stack(tmp_path: Path, sms_sink: SmsSink) -> Iterator[Stack]:
    """Mosquitto, the hub and two kiosks (Dhaka, Chattogram) on simulated devices, started."""
    running = Stack(tmp_path / "stack", sms_url=sms_sink.url)
    try:
        running.start()
        yield running
    except Exception:
        print(running.logs())
        raise
    finally:
        running.stop()
