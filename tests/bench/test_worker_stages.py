"""The bench reads the ingest workers' own summaries back: the parser follows the format they log."""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from bench.worker_stages import read_stages
from hub.ingest.timing import BatchTimes


def test_summaries_of_several_workers_are_summed_stage_by_stage(tmp_path: Path) -> None:
    first, second = BatchTimes(), BatchTimes()
    first.started = second.started = time.monotonic() - 8.0
    first.add(500, [0.0, 0.5, 1.5, 3.5, 4.0, 4.25])
    second.add(300, [0.0, 0.25, 0.25, 1.25, 1.5, 1.75])
    log = tmp_path / "hub.log"
    log.write_text(
        "2026-11-25 10:00:00,000 INFO hub.service: hub ready http://127.0.0.1:8080\n"
        f"2026-11-25 10:00:08,000 INFO hub.ingest.loop: ingest: {first.summary()}\n"
        "2026-11-25 10:00:08,001 WARNING hub.ingest.apply: dead letter on dak/v1/booth/x/event: bad\n"
        f"2026-11-25 10:00:08,002 INFO hub.ingest.loop: ingest: {second.summary()}\n",
        encoding="utf-8",
    )
    stages = read_stages(log)
    assert stages.events == 800
    # The shares are logged to 0.1 % of the 8 s period: within 4 ms of the stages' own seconds.
    wanted = {"validating": 0.75, "waiting": 1.0, "applying": 3.0, "committing": 0.75, "acknowledging": 0.5}
    assert stages.seconds == pytest.approx(wanted, abs=0.01)
    assert stages.per_event_us()["applying"] == pytest.approx(3.0 / 800 * 1e6, rel=0.01)


def test_a_log_without_summaries_gives_nothing(tmp_path: Path) -> None:
    log = tmp_path / "hub.log"
    log.write_text("2026-11-25 10:00:00,000 INFO hub.service: hub ready\n", encoding="utf-8")
    stages = read_stages(log)
    assert stages.events == 0 and set(stages.per_event_us().values()) == {0.0}
