"""An ingest worker's account of its time: each stage's seconds summed over batches, shown as shares."""

from __future__ import annotations

import logging
import re
import time

import pytest

from hub.ingest.timing import STAGES, SUMMARY_EVERY_S, BatchTimes


def test_each_stage_gets_the_time_between_its_marks_summed_over_batches() -> None:
    times = BatchTimes()
    times.add(500, [10.0, 10.5, 11.5, 13.5, 14.0, 14.25])
    times.add(120, [20.0, 20.25, 20.25, 21.25, 21.5, 21.75])
    assert times.events == 620 and times.batches == 2
    assert times.seconds == {
        "validating": 0.75,
        "waiting": 1.0,
        "applying": 3.0,
        "committing": 0.75,
        "acknowledging": 0.5,
    }


def test_the_summary_gives_each_stage_s_share_of_the_period_and_a_restart_clears_it() -> None:
    times = BatchTimes()
    times.started = time.monotonic() - 10.0  # a period of ten seconds (and the few µs of the test)
    times.add(1_000, [0.0, 1.0, 3.0, 7.0, 7.5, 8.0])
    line = times.summary()
    assert line.startswith("1000 events in 1 batches over 10.0 s: ")
    assert line.endswith(
        "validating 10.0 %, waiting 20.0 %, applying 40.0 %, committing 5.0 %, acknowledging 5.0 %"
    )
    times.restart()
    assert times.events == times.batches == 0
    assert times.seconds == dict.fromkeys(STAGES, 0.0)
    assert time.monotonic() - times.started < 1.0


def test_a_report_is_due_each_minute_and_logs_only_a_period_that_applied_something(
    caplog: pytest.LogCaptureFixture,
) -> None:
    log = logging.getLogger("tests.timing")
    times = BatchTimes()
    assert not times.due()
    times.started = time.monotonic() - SUMMARY_EVERY_S
    assert times.due()
    with caplog.at_level("INFO", logger="tests.timing"):
        times.report(log)  # an idle period: nothing to say
        assert not caplog.records and not times.due()
        times.add(3, [0.0, 0.1, 0.2, 0.3, 0.4, 0.5])
        times.report(log)
    assert [r.getMessage().split(" over ")[0] for r in caplog.records] == ["ingest: 3 events in 1 batches"]
    assert times.batches == 0 and not times.due()


def assert_one_summary(caplog: pytest.LogCaptureFixture, events: int) -> None:
    """caplog holds exactly one summary line, of events events, in the documented format."""
    summaries = [r.getMessage() for r in caplog.records if r.getMessage().startswith("ingest: ")]
    assert len(summaries) == 1, summaries
    assert re.fullmatch(
        rf"ingest: {events} events in \d+ batches over [\d.]+ s: validating [\d.]+ %, waiting [\d.]+ %, "
        r"applying [\d.]+ %, committing [\d.]+ %, acknowledging [\d.]+ %",
        summaries[0],
    ), summaries[0]
