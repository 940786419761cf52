"""The whole system as real processes: Mosquitto, the hub on SQLite, two kiosks on simulated devices."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from demo.sms_sink import SmsSink
from demo.stack import Stack


@contextmanager
def started(running: Stack, request: pytest.FixtureRequest) -> Iterator[Stack]:
    """running, started until the block ends; its process logs printed if the test failed."""
    try:
        running.start()
        yield running
    finally:
        running.stop()
        report = getattr(request.node, "rep_call", None)
        if report is None or report.failed:
            print(running.logs())


@pytest.fixture
def stack(tmp_path: Path, sms_sink: SmsSink, request: pytest.FixtureRequest) -> Iterator[Stack]:
    """The demo's stack, started; on failure the process logs are printed."""
    with started(Stack(tmp_path / "stack", sms_url=sms_sink.url), request) as running:
        yield running


@pytest.hookimpl(wrapper=True, tryfirst=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]) -> Iterator[None]:
    """Keep each phase's report on the test item so fixtures can see whether the test failed."""
    report = yield
    setattr(item, f"rep_{report.when}", report)
    return report
