"""The figure a benchmark reports, and the table they are printed in."""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass
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
