"""The apply-cost diagnostic applies every event of its workload and reports a cost per event."""

from __future__ import annotations

from pathlib import Path

from bench.apply_cost import apply_cost


def test_every_event_is_applied_and_costed(tmp_path: Path) -> None:
    us, stored = apply_cost(f"sqlite:///{tmp_path / 'hub.sqlite'}", 30)
    assert stored == 120  # 4 events a parcel, each stored once
    assert 1 < us < 100_000
