"""Where the hub's ingest workers spent their time in a bench run, read from the summaries they log
(`hub.ingest.timing`): seconds in each stage, summed over the workers."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

from hub.ingest.timing import STAGES

_SUMMARY = re.compile(r"ingest: (\d+) events in \d+ batches over ([\d.]+) s: (.*)$")
_SHARE = re.compile(r"(\w+) ([\d.]+) %")


@dataclass
class WorkerStages:
    """Events the workers applied and the seconds they spent in each stage (all workers together)."""

    events: int = 0
    seconds: dict[str, float] = field(default_factory=lambda: dict.fromkeys(STAGES, 0.0))

    def per_event_us(self) -> dict[str, float]:
        """Each stage's wall time an event, in µs (0 when no event was applied)."""
        return {stage: s / self.events * 1e6 if self.events else 0.0 for stage, s in self.seconds.items()}


def read_stages(log: Path) -> WorkerStages:
    """Sum every worker summary in a hub's log."""
    out = WorkerStages()
    for line in log.read_text(encoding="utf-8", errors="replace").splitlines():
        found = _SUMMARY.search(line)
        if found is None:
            continue
        out.events += int(found.group(1))
        period = float(found.group(2))
        for stage, share in _SHARE.findall(found.group(3)):
            if stage in out.seconds:
                out.seconds[stage] += float(share) / 100 * period
    return out
