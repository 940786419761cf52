"""Shared fixtures: a real Mosquitto on a free loopback port, an HTTP SMS peer, the PostgreSQL URL."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from demo.processes import Mosquitto
from demo.sms_sink import SmsSink


@pytest.fixture
def broker(tmp_path: Path) -> Iterator[Mosquitto]:
    """A Mosquitto started with provisioning's generated config on a free loopback port."""
    mosquitto = Mosquitto(tmp_path / "broker")
    mosquitto.start()
    try:
        yield mosquitto
    finally:
        mosquitto.stop()


@pytest.fixture
def sms_sink() -> Iterator[SmsSink]:
    """An HTTP SMS gateway peer that records every message."""
    sink = SmsSink().start()
    try:
        yield sink
    finally:
        sink.stop()


@pytest.fixture
def pg_url() -> str:
    """The PostgreSQL URL for database tests, from DAKBOOTH_TEST_PG_URL (set by the test command)."""
    url = os.environ.get("DAKBOOTH_TEST_PG_URL")
    if not url:
        pytest.fail("DAKBOOTH_TEST_PG_URL is not set: run the tests through scripts/test")
    return url


CHROMIUM = "/usr/bin/chromium"
CHROMIUM_FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"]


@pytest.fixture(scope="session")
def browser() -> Iterator[object]:
    """Debian's Chromium driven by Playwright (headless), one per test session."""
    from playwright.sync_api import sync_playwright

    if not os.path.exists(CHROMIUM):
        pytest.fail("chromium is not installed: run the tests through scripts/test")
    with sync_playwright() as p:
        chromium = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_FLAGS)
        try:
            yield chromium
        finally:
            chromium.close()


@pytest.fixture
def artifacts(request: pytest.FixtureRequest) -> Path:
    """A directory for screenshots and other test artifacts: artifacts/<test name>/."""
    root = Path(__file__).resolve().parents[1] / "artifacts" / request.node.name
    root.mkdir(parents=True, exist_ok=True)
    return root
