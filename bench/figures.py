"""The figure a benchmark reports, and the table they are printed in."""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field
from pathlib import Path


@dataclass(frozen=True)
class Figure:
    """One measured figure with its baseline (measured in the same run) and its target."""

    suite: str
    name: str
    value: float
    unit: str
    target: str = ""  # e.g. "<= 33 ms", ">= 10000 events/s"
    ok: bool | None = None  # None when there is no target
    baseline: float | None = None
    baseline_name: str = ""
    note: str = ""

    def row(self) -> list[str]:
        """The figure as table cells."""
        verdict = "" if self.ok is None else ("met" if self.ok else "MISSED")
        base = "" if self.baseline is None else f"{self.baseline:,.2f} ({self.baseline_name})"
        return [self.suite, self.name, f"{self.value:,.2f} {self.unit}", base, self.target, verdict]


def table(figures: list[Figure]) -> str:
    """A plain-text table of figures."""
    head = ["suite", "figure", "value", "baseline (same run)", "target", ""]
    rows = [head, *(f.row() for f in figures)]
    widths = [max(len(r[i]) for r in rows) for i in range(len(head))]
    lines = ["  ".join(c.ljust(w) for c, w in zip(r, widths, strict=True)).rstrip() for r in rows]
    lines.insert(1, "  ".join("-" * w for w in widths))
    return "\n".join(lines)


def write_json(figures: list[Figure], path: Path) -> None:
    """Write the figures as JSON."""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps([asdict(f) for f in figures], indent=2, ensure_ascii=False) + "\n")


@dataclass
class Samples:
    """Raw samples behind the figures of a run, kept for the plots (the figures are computed from them).

    latency_s: per-event end-to-end latency in seconds, by series ("hub", "echo").
    ingest_progress / backlog_progress: (seconds since start, events acknowledged so far), by series.
    heartbeat_lag_s: per booth, seconds from a health report's timestamp to the hub recording it.
    """

    latency_s: dict[str, list[float]] = field(default_factory=dict)
    ingest_progress: dict[str, list[tuple[float, int]]] = field(default_factory=dict)
    backlog_progress: dict[str, list[tuple[float, int]]] = field(default_factory=dict)
    heartbeat_lag_s: list[float] = field(default_factory=list)


# What the suites of this run keep; `python -m bench` writes it and plots it after the table.
SAMPLES = Samples()


def write_samples(samples: Samples, path: Path) -> None:
    """Write the raw samples as JSON."""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(asdict(samples)) + "\n")
