"""The chaos run at length: journeys under faults, then a reconciliation that must find nothing lost."""

from __future__ import annotations

import sys
import tempfile
import time
from pathlib import Path

from bench import chaos
from bench.figures import Figure
from demo.sms_sink import SmsSink
from demo.stack import Stack

SUITE = "chaos"


def run(quick: bool) -> list[Figure]:
    """Run the chaos journeys and report what was injected and what was lost."""
    # Journeys through the counter API, and synthetic journeys written into the outboxes: 100,000
    # events in the full run.
    journeys, concurrency, bulk = (60, 4, 5_000) if quick else (300, 16, 98_500)
    sms = SmsSink().start()
    with tempfile.TemporaryDirectory(prefix="dakbooth-chaos-") as tmp:
        stack = Stack(Path(tmp) / "stack", sms_url=sms.url, via_link_proxy=True)
        try:
            stack.start()
            print(
                f"  {journeys} journeys, {concurrency} at a time, and {bulk:,} bulk events, under faults",
                file=sys.stderr,
                flush=True,
            )
            started = time.perf_counter()
            report = chaos.run(
                stack, sms, journeys, seed=21, every_s=3.0, concurrency=concurrency, bulk_events=bulk
            )
            elapsed = time.perf_counter() - started
        finally:
            stack.stop()
            sms.stop()
    injected = sum(report.injected.values())
    detail = ", ".join(f"{k} {v}" for k, v in sorted(report.injected.items()))
    lost = len(report.lost)
    duplicated = len(report.duplicated)
    return [
        Figure(
            SUITE, "journeys completed", report.journeys, "", f"= {journeys}", report.journeys == journeys
        ),
        Figure(SUITE, "bulk journeys written to outboxes", report.bulk_journeys, ""),
        Figure(SUITE, "events written at booths", report.events_at_booths, "", note=f"in {elapsed:.0f} s"),
        Figure(SUITE, "faults injected", injected, "", note=detail),
        Figure(SUITE, "events lost", lost, "", "= 0", lost == 0),
        Figure(SUITE, "events duplicated", duplicated, "", "= 0", duplicated == 0),
        Figure(
            SUITE,
            "parcel states differing hub vs booth",
            len(report.state_mismatches),
            "",
            "= 0",
            not report.state_mismatches,
        ),
        Figure(
            SUITE,
            "SMS not exactly once",
            len(report.sms_problems),
            "",
            "= 0",
            not report.sms_problems,
            note="; ".join(report.sms_problems[:3]),
        ),
        Figure(
            SUITE,
            "SMS re-sent after a hub crash, deduplicated by the gateway",
            report.sms_replayed,
            "",
            note="same Idempotency-Key: delivered once",
        ),
        Figure(SUITE, "dead letters", report.dead_letters, "", "= 0", report.dead_letters == 0),
    ]
