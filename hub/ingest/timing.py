"""Where an ingest worker's time goes, batch by batch, summed and logged now and then.

A worker validates a batch, waits for the database (on SQLite, its writer turn), applies it,
commits, then acknowledges it; meanwhile it reads the next messages. When ingest falls behind, the
summary says which of these held it: waiting for the writer turn means the other workers' writes
fill the database's single writer, applying or committing means this worker's own.
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass, field
from itertools import pairwise

STAGES = ("validating", "waiting", "applying", "committing", "acknowledging")
SUMMARY_EVERY_S = 60.0  # how often a busy worker logs where its time went


@dataclass
class BatchTimes:
    """Seconds spent in each stage of batch processing since the last summary, and the events."""

    started: float = field(default_factory=time.monotonic)
    events: int = 0
    batches: int = 0
    seconds: dict[str, float] = field(default_factory=lambda: dict.fromkeys(STAGES, 0.0))

    def add(self, events: int, marks: list[float]) -> None:
        """Count one batch of events; marks: the clock at its start and at the end of each stage."""
        self.events += events
        self.batches += 1
        for stage, (begun, ended) in zip(STAGES, pairwise(marks), strict=True):
            self.seconds[stage] += ended - begun

    def summary(self) -> str:
        """One line: events and batches over the period, and each stage's share of its wall time."""
        period = max(time.monotonic() - self.started, 1e-9)
        shares = ", ".join(f"{stage} {100 * self.seconds[stage] / period:.1f} %" for stage in STAGES)
        return f"{self.events} events in {self.batches} batches over {period:.1f} s: {shares}"

    def due(self) -> bool:
        """True once the period has lasted SUMMARY_EVERY_S."""
        return time.monotonic() - self.started >= SUMMARY_EVERY_S

    def report(self, log: logging.Logger) -> None:
        """Log the period's summary (when it applied anything) and begin a new period."""
        if self.batches:
            log.info("ingest: %s", self.summary())
        self.restart()

    def restart(self) -> None:
        """Begin a new period."""
        self.started = time.monotonic()
        self.events = self.batches = 0
        self.seconds = dict.fromkeys(STAGES, 0.0)
