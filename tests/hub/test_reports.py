"""Status and health applied set-based: same result as one by one, whole fleets registered at once."""

from __future__ import annotations

import itertools
import json
import random
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine, select

import hub.ingest.apply as apply_module
from hub import commands
from hub.db.engine import make_engine, migrate
from hub.db.schema import booths, dead_letters, mqtt_outbox, serial_blocks, status_changes
from hub.ingest.apply import Inbound, apply_batch
from hub.ingest.booths import BLOCK_SIZE
from parcel.control import BoothConfig
from tests.hub.conftest import ApplyFn, throwaway_pg
from tests.hub.factory import NOW, leaf

pytestmark = pytest.mark.usefixtures("no_fallback")


def status(booth: str, state: str, minutes: float) -> Inbound:
    """A status message stamped `minutes` after NOW."""
    return leaf(booth, "status", {"state": state, "at": (NOW + timedelta(minutes=minutes)).isoformat()})


def health(booth: str, minutes: float, depth: int = 0) -> Inbound:
    """A health report stamped `minutes` after NOW."""
    body = {
        "at": (NOW + timedelta(minutes=minutes)).isoformat(),
        "version": "1",
        "devices": {"printer": {"state": "ok"}},
        "outbox": {"depth": depth},
        "serial_remaining": 1900,
    }
    return leaf(booth, "health", body)


def snapshot(engine: Engine) -> dict[str, Any]:
    """What reports change: booth rows and the status history (ids left out)."""
    with engine.connect() as conn:
        rows = conn.execute(
            select(
                booths.c.booth_id, booths.c.state, booths.c.status_at, booths.c.last_seen, booths.c.health
            ).order_by(booths.c.booth_id)
        ).all()
        history = conn.execute(
            select(status_changes.c.booth_id, status_changes.c.state, status_changes.c.at).order_by(
                status_changes.c.booth_id, status_changes.c.id
            )
        ).all()
        dead = conn.execute(select(dead_letters.c.reason).order_by(dead_letters.c.id)).scalars().all()
    return {"booths": [tuple(r) for r in rows], "history": [tuple(h) for h in history], "dead": dead}


@pytest.fixture
def reference(engine: Engine, tmp_path: Path, request: pytest.FixtureRequest) -> Iterator[Engine]:
    """A second, empty database of the same kind as engine."""
    if engine.dialect.name == "postgresql":
        with throwaway_pg(request.getfixturevalue("pg_url")) as eng:
            yield eng
        return
    eng = make_engine(f"sqlite:///{tmp_path / 'reference.sqlite'}")
    migrate(eng)
    yield eng
    eng.dispose()


def random_reports(seed: int) -> list[Inbound]:
    """A shuffled mix of status and health from four booths, with late Last Wills and garbage."""
    rng = random.Random(seed)
    out: list[Inbound] = []
    for _ in range(60):
        booth = f"BD-100{rng.randint(0, 3)}-01"
        minute = rng.uniform(-30, 30)
        kind = rng.random()
        if kind < 0.4:
            out.append(status(booth, rng.choice(["online", "offline"]), minute))
        elif kind < 0.9:
            out.append(health(booth, minute, depth=rng.randint(0, 9)))
        else:
            out.append(leaf(booth, rng.choice(["status", "health"]), b'{"at": "yesterday"}'))
    return out


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_set_based_reports_match_the_one_by_one_path(
    engine: Engine, reference: Engine, monkeypatch: pytest.MonkeyPatch, seed: int
) -> None:
    messages = random_reports(seed)
    with engine.begin() as conn:
        apply_batch(conn, messages, NOW)
    set_based = snapshot(engine)

    monkeypatch.setattr(apply_module, "is_report", lambda _topic: False)  # force the per-message path
    with reference.begin() as conn:
        apply_batch(conn, messages, NOW)
    assert snapshot(reference) == set_based
    assert len(set_based["dead"]) == sum(1 for m in messages if b"yesterday" in m.payload)


def test_last_will_older_than_online_still_marks_offline_in_one_batch(engine: Engine, apply: ApplyFn) -> None:
    booth = "BD-1000-01"
    apply(status(booth, "online", 5), status(booth, "offline", 1))
    snap = snapshot(engine)
    assert snap["booths"][0][1] == "offline"
    assert [h[1] for h in snap["history"]] == ["online", "offline"]


def test_last_seen_never_moves_back_and_last_health_wins(engine: Engine, apply: ApplyFn) -> None:
    booth = "BD-1000-01"
    apply(health(booth, -1, depth=1))
    apply(health(booth, -9, depth=7), health(booth, -8, depth=5))
    (row,) = snapshot(engine)["booths"]
    assert row[3] == NOW - timedelta(minutes=1)
    assert row[4]["outbox"]["depth"] == 5


def test_a_fleet_met_at_once_gets_disjoint_blocks_and_one_config_each(engine: Engine, apply: ApplyFn) -> None:
    ids = [f"BD-{i:04d}-01" for i in range(1200)]  # more than one statement chunk
    apply(*(status(b, "online", 0) for b in ids))
    with engine.connect() as conn:
        blocks = conn.execute(select(serial_blocks).order_by(serial_blocks.c.start)).all()
        configs = conn.execute(select(mqtt_outbox.c.topic, mqtt_outbox.c.payload)).all()
        online = conn.execute(select(booths.c.booth_id).where(booths.c.state == "online")).scalars().all()
    assert sorted(online) == ids
    assert sorted(b.booth_id for b in blocks) == ids
    assert all(b.end - b.start == BLOCK_SIZE for b in blocks)
    assert all(a.end <= b.start for a, b in itertools.pairwise(blocks))
    by_topic = {topic: BoothConfig.model_validate_json(payload) for topic, payload in configs}
    assert len(configs) == len(ids) == len(by_topic)
    first = {b.booth_id: b.start for b in blocks}
    for booth_id in ids:
        (block,) = by_topic[f"dak/v1/booth/{booth_id}/config"].serial_blocks
        assert block.start == first[booth_id]


def test_an_oversized_health_report_is_a_dead_letter_and_changes_nothing(
    engine: Engine, apply: ApplyFn
) -> None:
    apply(leaf("BD-1000-01", "health", b"{" + b" " * 70_000 + b"}"))
    snap = snapshot(engine)
    assert snap["booths"] == [] and "too large" in snap["dead"][0]


@pytest.mark.parametrize(
    "body",
    [
        {"id": "a\u0000b", "ok": True, "detail": "printed"},
        {"id": "x" * 65, "ok": True},
        {"id": "{command}", "ok": True, "detail": "paper\u0000out"},
        {"id": "{command}", "ok": True, "detail": "\ud800"},
    ],
    ids=["nul-id", "long-id", "nul-detail", "lone-surrogate"],
)
def test_a_command_result_the_database_cannot_store_is_a_dead_letter_and_settled(
    engine: Engine, apply: ApplyFn, body: dict[str, Any]
) -> None:
    booth = "BD-1000-01"
    with engine.begin() as conn:
        conn.execute(booths.insert().values(booth_id=booth, registered_at=NOW))
        command = commands.send(conn, booth, "test_print", {}, now=NOW)
    payload = json.dumps({k: v.format(command=command) if k == "id" else v for k, v in body.items()})
    msg = leaf(booth, "cmd/result", payload.encode("utf-8", "surrogatepass"))
    out = apply(msg)
    assert msg in out.settled  # acknowledged: never redelivered for ever
    snap = snapshot(engine)
    assert snap["dead"] and snap["dead"][0].startswith("cmd/result:")
    with engine.connect() as conn:
        assert commands.get(conn, command)["status"] == "pending"  # type: ignore[index]
