"""The apply-cost diagnostic applies every event of its workload and reports a cost per event."""

from __future__ import annotations

from pathlib import Path

from bench.apply_cost import apply_cost


def test_every_event_is_applied_and_costed(tmp_path: Path) -> None:
    cost = apply_cost(f"sqlite:///{tmp_path / 'hub.sqlite'}", 30)
    assert cost.stored == 120  # 4 events a parcel, each stored once
    assert 1 < cost.total_us < 100_000
    assert 0 < cost.in_transaction_us < cost.total_us  # validation comes before the transaction
