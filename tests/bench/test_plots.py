"""Benchmark plots render from synthetic samples into valid, non-blank PNGs of the expected size."""

from __future__ import annotations

import random
from collections.abc import Callable
from pathlib import Path

import pytest
from PIL import Image, ImageStat

from bench import plots
from bench.figures import Figure, Samples

W, H = round(plots.WIDTH_IN * plots.DPI), round(plots.HEIGHT_IN * plots.DPI)
rng = random.Random(8)


def latencies(n: int, scale_s: float) -> list[float]:
    """Log-normal latencies in seconds."""
    return [rng.lognormvariate(0, 0.6) * scale_s for _ in range(n)]


def progress(total: int, seconds: float, stall_at: float | None = None) -> list[tuple[float, int]]:
    """A cumulative (seconds, count) series at 0.1 s steps, optionally flat for a second."""
    out, count, t = [(0.0, 0)], 0, 0.0
    step = total / seconds * 0.1
    while count < total:
        t += 0.1
        if stall_at is None or not stall_at <= t < stall_at + 1:
            count = min(total, round(count + step * rng.uniform(0.5, 1.5)))
        out.append((round(t, 1), count))
    return out


FIGURES = [
    Figure("e2e", "e2e latency p99 at 2000/s", 504.0, "ms", "<= 1000 ms", True, 3813.0, "echo"),
    Figure("e2e", "backlog drain (10000 events)", 1709.0, "events/s", ">= 2000 events/s", False),
    Figure("ingest", "ingest rate, SQLite", 2441.0, "events/s", ">= 10000 events/s", False, 3884.0),
    Figure("ingest", "ingest / raw pipe, SQLite", 0.63, "x", ">= 0.7", False),
    Figure("chaos", "events lost", 0, "", "= 0", True),
    Figure("e2e", "kiosk RSS", 90.0, "MiB", "<= 150 MiB", True),
    Figure("e2e", "kiosk cold start", 700.0, "ms"),  # no target: not on the chart
    Figure("devices", "Bengali receipt render", 0.0, "ms", "<= 50 ms", True),  # a zero does not break it
]

PLOTS: dict[str, tuple[Callable[[Path], Path], tuple[int, int]]] = {
    "latency": (
        lambda p: plots.latency_cdf({"hub": latencies(2000, 0.1), "echo": latencies(2000, 1.4)}, p),
        (W, H),
    ),
    "ingest": (
        lambda p: plots.ingest_rate(
            {"raw pipe": progress(10_000, 2.6), "hub, SQLite": progress(10_000, 4.1, stall_at=2.0)}, p
        ),
        (W, round(plots.INGEST_HEIGHT_IN * plots.DPI)),
    ),
    "backlog": (
        lambda p: plots.backlog_drain({"hub": progress(10_000, 5.9), "echo": progress(10_000, 6.2)}, p),
        (W, H),
    ),
    "heartbeat": (lambda p: plots.heartbeat_lag(latencies(10_000, 4.0), p), (W, H)),
    "targets": (
        lambda p: plots.targets(FIGURES, p),
        (W, round(plots.targets_height(len(FIGURES) - 1) * plots.DPI)),
    ),
}


def assert_png(path: Path, size: tuple[int, int]) -> None:
    """A PNG Pillow can decode, of the given size, with more than a background on it."""
    with Image.open(path) as img:
        assert img.format == "PNG"
        assert img.size == size
        img.load()
        grey = img.convert("L")
        assert ImageStat.Stat(grey).stddev[0] > 5, "the plot is blank"
        assert len(grey.getcolors(maxcolors=1 << 16) or []) > 20, "the plot has almost nothing on it"
        rgb = img.convert("RGB")
        assert len({rgb.getpixel((x, y)) for x in range(0, size[0], 7) for y in range(0, size[1], 7)}) > 3


@pytest.mark.parametrize("name", list(PLOTS))
def test_each_plot_renders_a_png(name: str, tmp_path: Path) -> None:
    draw, size = PLOTS[name]
    path = draw(tmp_path / f"{name}.png")
    assert path == tmp_path / f"{name}.png"
    assert_png(path, size)


def test_write_all_plots_what_the_run_has(tmp_path: Path) -> None:
    samples = Samples(
        latency_s={"hub": latencies(500, 0.1), "echo subscriber": []},
        ingest_progress={"raw pipe": progress(5_000, 1.3)},
        backlog_progress={},
        heartbeat_lag_s=[],
    )
    written = plots.write_all(FIGURES, samples, tmp_path / "out")
    assert sorted(p.name for p in written) == ["e2e-latency.png", "ingest-rate.png", "targets.png"]
    for path in written:
        assert path.parent == tmp_path / "out"
        with Image.open(path) as img:
            assert img.format == "PNG"


def test_target_ratio_reads_the_target_text() -> None:
    by_name = {f.name: plots.target_ratio(f) for f in FIGURES}
    assert by_name["e2e latency p99 at 2000/s"] == pytest.approx(1000 / 504)
    assert by_name["backlog drain (10000 events)"] == pytest.approx(1709 / 2000)
    assert by_name["events lost"] == 1.0
    assert by_name["kiosk cold start"] is None
    assert by_name["Bengali receipt render"] == float("inf")
