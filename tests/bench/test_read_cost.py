"""bench.read_cost: a worker loop reading and acknowledging the workload through a real Mosquitto."""

from __future__ import annotations

from pathlib import Path

import pytest

from bench.ingest_load import workload
from bench.read_cost import read_cost


@pytest.mark.slow
def test_every_message_is_read_and_settled_and_its_cost_measured(tmp_path: Path) -> None:
    messages, _, _ = workload(100)  # 4 events a parcel
    cost = read_cost(tmp_path, messages)  # raises unless every message is settled
    assert cost.messages == 400
    assert 0 < cost.per_message_us < 100_000
    assert cost.rate > 0
