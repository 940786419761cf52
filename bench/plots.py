"""PNG plots of a benchmark run, written beside its JSON: one function per plot.

matplotlib's object API with the Agg canvas: no pyplot, no display, no global state.
"""

from __future__ import annotations

import itertools
import math
import re
from collections.abc import Sequence
from pathlib import Path

from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure as Chart

from bench.figures import Figure, Samples

WIDTH_IN, HEIGHT_IN, DPI = 8.0, 4.5, 100  # 800 x 450 pixels
COLOURS = ("#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#8c564b")
TARGET = re.compile(r"^\s*(<=|>=|=|<|>)\s*([0-9][0-9,]*(?:\.[0-9]+)?)")


def _chart(height_in: float = HEIGHT_IN) -> Chart:
    chart = Chart(figsize=(WIDTH_IN, height_in), dpi=DPI, layout="constrained")
    FigureCanvasAgg(chart)
    return chart


def _save(chart: Chart, path: Path) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    chart.savefig(path, dpi=DPI, format="png")
    return path


def _quantile(ordered: Sequence[float], q: float) -> float:
    """The same nearest-rank quantile the printed figures use."""
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


def latency_cdf(series: dict[str, list[float]], path: Path, title: str = "End-to-end latency") -> Path:
    """CDF of per-event latencies (seconds) of each series, p50 and p99 marked, on one log-scaled axis."""
    chart = _chart()
    ax = chart.add_subplot()
    for i, (name, values) in enumerate(series.items()):
        if not values:
            continue
        ordered = sorted(v * 1000 for v in values)
        n = len(ordered)
        colour = COLOURS[i % len(COLOURS)]
        ax.step(ordered, [(k + 1) / n for k in range(n)], where="post", color=colour, label=f"{name} ({n:,})")
        for q, style in ((0.5, "--"), (0.99, ":")):
            x = _quantile(ordered, q)
            ax.axvline(x, color=colour, linestyle=style, linewidth=1)
            ax.annotate(
                f"p{round(q * 100)} {x:,.0f} ms",
                (x, q),
                xytext=(4, -12 if q > 0.9 else 4),
                textcoords="offset points",
                color=colour,
                fontsize=8,
            )
    if all(v > 0 for values in series.values() for v in values):
        ax.set_xscale("log")
    ax.set_xlabel("latency from creation at the booth to the ack (ms)")
    ax.set_ylabel("fraction of events")
    ax.set_ylim(0, 1.02)
    ax.set_title(title)
    ax.grid(True, alpha=0.3)
    ax.legend(loc="lower right")
    return _save(chart, path)


def _rate(progress: list[tuple[float, int]], window_s: float) -> tuple[list[float], list[float]]:
    """Events/s in consecutive windows of a (seconds, cumulative count) series, each at its window's middle.

    A last window shorter than half of window_s joins the one before it, so the tail does not spike.
    """
    if len(progress) < 2:
        return [], []
    points = sorted(progress)
    end = points[-1][0]
    edges = [0.0]
    while edges[-1] + window_s < end:
        edges.append(edges[-1] + window_s)
    if len(edges) > 1 and end - edges[-1] < window_s / 2:
        edges.pop()
    edges.append(end)

    def count_at(t: float) -> int:
        return max((c for s, c in points if s <= t), default=0)

    times, rates = [], []
    for lo, hi in itertools.pairwise(edges):
        if hi > lo:
            times.append((lo + hi) / 2)
            rates.append((count_at(hi) - count_at(lo)) / (hi - lo))
    return times, rates


INGEST_HEIGHT_IN = 6.0


def ingest_rate(
    progress: dict[str, list[tuple[float, int]]], path: Path, window_s: float | None = None
) -> Path:
    """Events acknowledged over time of each series (the hub beside the raw pipe): the running count,
    and the rate in windows (by default a twentieth of the longest run, at least 0.2 s)."""
    chart = _chart(INGEST_HEIGHT_IN)
    count_ax, rate_ax = chart.subplots(2, 1, sharex=True)
    longest = max((t for points in progress.values() for t, _ in points), default=0.0)
    window = window_s or max(0.2, longest / 20)
    for i, (name, points) in enumerate(progress.items()):
        if len(points) < 2:
            continue
        points = sorted(points)
        end, total = points[-1]
        mean = total / end if end > 0 else 0.0
        colour = COLOURS[i % len(COLOURS)]
        count_ax.plot(
            [t for t, _ in points], [c for _, c in points], color=colour, label=f"{name}: {mean:,.0f}/s"
        )
        times, rates = _rate(points, window)
        rate_ax.step(times, rates, where="mid", color=colour)
        rate_ax.axhline(mean, color=colour, linestyle="--", linewidth=1)
    count_ax.set_ylabel("events acknowledged")
    count_ax.set_ylim(bottom=0)
    count_ax.set_title("Ingest over time (dashed: overall rate)")
    count_ax.grid(True, alpha=0.3)
    count_ax.legend(loc="upper left")
    rate_ax.set_xlabel("seconds since the publisher started")
    rate_ax.set_ylabel(f"per second ({window:.2g} s windows)")
    rate_ax.set_ylim(bottom=0)
    rate_ax.set_xlim(left=0)
    rate_ax.grid(True, alpha=0.3)
    return _save(chart, path)


def backlog_drain(progress: dict[str, list[tuple[float, int]]], path: Path) -> Path:
    """Events acknowledged against time while a reconnected booth drains its outbox, per series."""
    chart = _chart()
    ax = chart.add_subplot()
    for i, (name, points) in enumerate(progress.items()):
        if not points:
            continue
        points = sorted(points)
        end, total = points[-1]
        rate = total / end if end > 0 else float("nan")
        ax.plot(
            [t for t, _ in points],
            [c for _, c in points],
            color=COLOURS[i % len(COLOURS)],
            label=f"{name}: {total:,} in {end:.1f} s ({rate:,.0f}/s)",
        )
    ax.set_xlabel("seconds since reconnecting")
    ax.set_ylabel("events acknowledged")
    ax.set_ylim(bottom=0)
    ax.set_xlim(left=0)
    ax.set_title("Backlog drain")
    ax.grid(True, alpha=0.3)
    ax.legend(loc="lower right")
    return _save(chart, path)


def heartbeat_lag(lags_s: list[float], path: Path, bins: int = 40) -> Path:
    """Histogram of heartbeat processing lag across the fleet (seconds), p50 and p99 marked."""
    chart = _chart()
    ax = chart.add_subplot()
    ordered = sorted(lags_s)
    ax.hist(ordered, bins=bins, color=COLOURS[0])
    for q, style in ((0.5, "--"), (0.99, ":")):
        x = _quantile(ordered, q)
        ax.axvline(x, color=COLOURS[3], linestyle=style, label=f"p{round(q * 100)} {x:,.2f} s")
    ax.set_xlabel("seconds from a health report's timestamp to the hub recording it")
    ax.set_ylabel("booths")
    ax.set_title(f"Heartbeat processing lag, {len(ordered):,} booths")
    ax.grid(True, alpha=0.3)
    ax.legend(loc="upper right")
    return _save(chart, path)


def target_ratio(figure: Figure) -> float | None:
    """How far a figure is from its target, as a ratio where >= 1 meets it; None without a numeric target."""
    m = TARGET.match(figure.target)
    if m is None or figure.ok is None:
        return None
    op, bound = m.group(1), float(m.group(2).replace(",", ""))
    if op in (">=", ">"):
        return figure.value / bound if bound else math.inf
    if op in ("<=", "<"):
        return bound / figure.value if figure.value else math.inf
    return 1.0 if figure.ok else 0.0  # "= 0": met or not


def targets_height(count: int) -> float:
    """Height in inches of the target chart for count figures."""
    return max(2.5, 0.4 * count + 1.2)


def targets(figures: list[Figure], path: Path) -> Path:
    """Every figure of the run that has a target, as a bar of its ratio to the target (log scale)."""
    rows = [(f, r) for f in figures if (r := target_ratio(f)) is not None]
    chart = _chart(targets_height(len(rows)))
    ax = chart.add_subplot()
    low, high = 0.01, 100.0
    for y, (fig, ratio) in enumerate(reversed(rows)):
        shown = min(max(ratio, low), high)
        ax.barh(y, shown, color="#2ca02c" if fig.ok else "#d62728")
        ax.annotate(
            f"{fig.value:,.4g} {fig.unit} (target {fig.target})",
            (shown, y),
            xytext=(3, 0),
            textcoords="offset points",
            va="center",
            fontsize=8,
        )
    ax.set_yticks(range(len(rows)), [f"{f.suite}: {f.name}" for f, _ in reversed(rows)], fontsize=8)
    ax.axvline(1.0, color="black", linewidth=1)
    ax.set_xscale("log")
    ax.set_xlim(low, high * 10)
    ax.set_xlabel("ratio to target (right of 1 meets it; green met, red missed)")
    ax.set_title("Figures against their targets")
    return _save(chart, path)


def write_all(figures: list[Figure], samples: Samples, directory: Path) -> list[Path]:
    """Every plot the run has data for, as PNG files in directory; returns their paths."""
    written = []
    latency = {k: v for k, v in samples.latency_s.items() if v}
    if latency:
        written.append(latency_cdf(latency, directory / "e2e-latency.png"))
    if any(len(v) > 1 for v in samples.ingest_progress.values()):
        written.append(ingest_rate(samples.ingest_progress, directory / "ingest-rate.png"))
    if any(samples.backlog_progress.values()):
        written.append(backlog_drain(samples.backlog_progress, directory / "backlog-drain.png"))
    if samples.heartbeat_lag_s:
        written.append(heartbeat_lag(samples.heartbeat_lag_s, directory / "heartbeat-lag.png"))
    if any(target_ratio(f) is not None for f in figures):
        written.append(targets(figures, directory / "targets.png"))
    return written
