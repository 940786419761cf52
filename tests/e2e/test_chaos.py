"""The chaos run in its short form: faults injected while parcels travel; nothing lost or doubled."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from bench import chaos
from demo.sms_sink import SmsSink
from demo.stack import Stack


@pytest.fixture
def chaos_stack(tmp_path: Path, sms_sink: SmsSink) -> Iterator[Stack]:
    """The stack with kiosks behind a link proxy that can cut and delay their connection."""
    stack = Stack(tmp_path / "stack", sms_url=sms_sink.url, via_link_proxy=True)
    try:
        stack.start()
        yield stack
    finally:
        stack.stop()


@pytest.mark.slow
def test_faults_lose_and_duplicate_nothing(chaos_stack: Stack, sms_sink: SmsSink) -> None:
    report = chaos.run(chaos_stack, sms_sink, journeys=16, seed=3, every_s=1.5, bulk_events=1_000)
    print(report)
    assert report.journeys == 16
    assert report.bulk_journeys == 200  # 1,000 more events written straight into the two outboxes
    kinds = {"cut_link", "delay_link", "restart_broker", "kill_kiosk", "kill_hub"}
    assert set(report.injected) == kinds, report.injected  # the run suffered every kind of fault
    assert report.events_at_booths >= 64 + 1_000
    assert report.events_at_hub == report.events_at_booths
    assert report.clean, report
