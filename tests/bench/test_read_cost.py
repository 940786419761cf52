"""bench.read_cost: a worker loop reading and acknowledging the workload through a real Mosquitto."""

from __future__ import annotations

from pathlib import Path

import pytest

from bench.read_cost import read_cost


@pytest.mark.slow
def test_every_message_is_read_and_settled_and_its_cost_measured(tmp_path: Path) -> None:
    cost = read_cost(tmp_path, 100)  # 400 messages; raises unless every one is settled
    assert cost.messages == 400
    assert 0 < cost.per_message_us < 100_000
    assert cost.rate > 0
