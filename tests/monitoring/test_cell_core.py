"""The monitoring cell's services on a real SQLite database: users, registry, fleet rows, commands, alerts."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import Engine, select

from hub import commands
from hub.alerts import rules, store
from hub.clock import utcnow
from hub.config import MonitoringConfig
from hub.db.engine import make_engine, migrate
from hub.db.schema import booth_sites, booths, mqtt_outbox
from hub.ingest.apply import Inbound, apply_batch
from hub.monitoring import history
from hub.monitoring.geo import UNKNOWN, place_of
from hub.monitoring.live import FleetBroadcaster
from hub.monitoring.registry import import_registry
from hub.users import authenticate, create_user


@pytest.fixture
def engine(tmp_path: Path) -> Iterator[Engine]:
    """A migrated hub database in a temporary SQLite file."""
    eng = make_engine(f"sqlite:///{tmp_path / 'hub.sqlite'}")
    migrate(eng)
    yield eng
    eng.dispose()


def _status(booth: str, state: str, at: str) -> Inbound:
    return Inbound(f"dak/v1/booth/{booth}/status", json.dumps({"state": state, "at": at}).encode())


def _health(booth: str, at: str, printer: str = "ok") -> Inbound:
    body = {
        "at": at,
        "version": "1.2.3",
        "devices": {"printer": {"state": printer, "detail": "out of paper" if printer == "error" else ""}},
        "outbox": {"depth": 3, "oldest_age_s": 12.5},
    }
    return Inbound(f"dak/v1/booth/{booth}/health", json.dumps(body).encode())


def test_users_hash_and_roles(engine: Engine) -> None:
    """Passwords are stored hashed; only the right password logs in; roles are ordered."""
    with engine.begin() as conn:
        create_user(conn, "rahim", "operator", "s3cret-pass")
        with pytest.raises(ValueError):
            create_user(conn, "x", "boss", "s3cret-pass")
        with pytest.raises(ValueError):
            create_user(conn, "y", "viewer", "short")
        stored = conn.exec_driver_sql("SELECT password_hash FROM users").scalar()
        assert stored.startswith("scrypt$") and "s3cret" not in stored
        user = authenticate(conn, "rahim", "s3cret-pass")
        assert user is not None and user.may("operator") and not user.may("admin")
        assert authenticate(conn, "rahim", "wrong-pass") is None
        assert authenticate(conn, "nobody", "s3cret-pass") is None


def test_postcode_places() -> None:
    """Postcodes map to district and division; outside every range is unknown."""
    assert (place_of("1000").district, place_of("1000").division) == ("Dhaka", "Dhaka")
    assert place_of("4000").division == "Chattogram"
    assert place_of("3100").district == "Sylhet"
    assert place_of("9999") == UNKNOWN and place_of("abc") == UNKNOWN


def test_import_registry(engine: Engine, tmp_path: Path) -> None:
    """registry.json's active booths land in booth_sites with their place; revoked ones are skipped."""
    path = tmp_path / "registry.json"
    path.write_text(
        json.dumps(
            {
                "hub_host": "hub",
                "booths": {
                    "BD-6000-01": {"booth_id": "BD-6000-01", "name": "Rajshahi GPO", "postcode": "6000"},
                    "BD-3100-02": {"booth_id": "BD-3100-02", "name": "<b>Sylhet</b>", "state": "active"},
                    "BD-1000-09": {"booth_id": "BD-1000-09", "state": "revoked"},
                },
            }
        )
    )
    with engine.begin() as conn:
        assert import_registry(conn, path, utcnow()) == 2
        assert import_registry(conn, path, utcnow()) == 2  # again: updates, no duplicates
        rows = {r.booth_id: r for r in conn.execute(select(booth_sites)).all()}
    assert set(rows) == {"BD-6000-01", "BD-3100-02"}
    assert (rows["BD-6000-01"].division, rows["BD-3100-02"].district) == ("Rajshahi", "Sylhet")


def test_last_will_marks_offline_and_fleet_sees_it(engine: Engine) -> None:
    """A Last Will stamped before the online status still means offline; the fleet row and history follow."""
    now = utcnow()
    fleet = FleetBroadcaster(engine)
    with engine.begin() as conn:
        apply_batch(conn, [_status("BD-1000-01", "online", now.isoformat())], now)
        apply_batch(conn, [_health("BD-1000-01", now.isoformat())], now)
    fleet.tick()
    row = fleet.row("BD-1000-01")
    assert row is not None and row["state"] == "online" and row["ob"] == 3 and row["ver"] == "1.2.3"
    version = fleet.version
    will_at = (now - timedelta(minutes=5)).isoformat()
    with engine.begin() as conn:
        apply_batch(conn, [_status("BD-1000-01", "offline", will_at)], now + timedelta(seconds=30))
    fleet.tick()
    latest, rows = fleet.changes_since(version, 0)
    assert latest == version + 1 and rows is not None and [r["state"] for r in rows] == ["offline"]
    with engine.connect() as conn:
        states = [r[0] for r in conn.exec_driver_sql("SELECT state FROM status_changes ORDER BY id")]
    assert states == ["online", "offline"]
    with engine.connect() as conn:
        up = history.uptime(conn, "BD-1000-01", now + timedelta(seconds=60))
    assert [s["state"] for s in up["spans"]] == ["online", "offline"]
    assert abs(up["online_share"] - 0.5) < 0.01


def test_commands_send_result_expire(engine: Engine) -> None:
    """send() records, queues a QoS 1 cmd and audits; a result completes it; an unanswered one expires."""
    now = utcnow()
    with engine.begin() as conn:
        conn.execute(booths.insert().values(booth_id="BD-1000-01", registered_at=now))
        first = commands.send(
            conn, "BD-1000-01", "test_print", {}, timedelta(minutes=5), actor="ana", now=now
        )
        second = commands.send(
            conn, "BD-1000-01", "reprint", {"tracking_id": "X"}, timedelta(seconds=5), now=now
        )
        with pytest.raises(commands.CommandError):
            commands.send(conn, "BD-1000-01", "format_disk", {}, now=now)
        with pytest.raises(commands.CommandError):
            commands.send(conn, "BD-9999-01", "test_print", {}, now=now)
        out = conn.execute(select(mqtt_outbox.c.topic, mqtt_outbox.c.payload, mqtt_outbox.c.qos)).all()
        assert [(r.topic, r.qos) for r in out] == [("dak/v1/booth/BD-1000-01/cmd", 1)] * 2
        assert json.loads(out[0].payload)["name"] == "test_print"
        result = json.dumps({"id": first, "ok": True, "detail": "printed"}).encode()
        assert not commands.record_result(conn, "BD-4000-01", result, now)  # not that booth's command
        assert commands.record_result(conn, "BD-1000-01", result, now)
        assert commands.expire(conn, now + timedelta(seconds=10)) == 1
        assert commands.get(conn, first)["status"] == "done"  # type: ignore[index]
        assert commands.get(conn, second)["status"] == "expired"  # type: ignore[index]
        audit = conn.exec_driver_sql("SELECT actor, action FROM audit_log ORDER BY id").all()
    assert audit[0] == ("ana", "command.test_print")


def test_debounce_no_flapping() -> None:
    """A condition opens only after holding raise_after and resolves only after clear_after without it."""
    cfg = MonitoringConfig(device_after_s=10, clear_after_s=20)
    d = rules.Debounce()
    key = ("BD-1000-01", "printer")
    held = {key: "printer error: out of paper"}
    assert d.step(held, set(), 0, cfg) == ({}, set())
    assert d.step({}, set(), 5, cfg) == ({}, set())  # a blip: the clock restarts
    assert d.step(held, set(), 6, cfg) == ({}, set())
    assert d.step(held, set(), 17, cfg)[0] == held
    assert d.step({}, {key}, 20, cfg)[1] == set()
    assert d.step(held, {key}, 25, cfg)[1] == set()  # back before clear_after: stays open
    assert d.step({}, {key}, 30, cfg)[1] == set()
    assert d.step({}, {key}, 50, cfg)[1] == {key}


def test_alert_lifecycle(engine: Engine) -> None:
    """Alerts open, are acknowledged once, and resolve."""
    now = utcnow()
    with engine.begin() as conn:
        alert_id = store.open_alert(conn, "BD-1000-01", "printer", "out of paper", now)
        assert store.acknowledge(conn, alert_id, "ana")
        assert not store.acknowledge(conn, alert_id, "ana")
        assert store.open_keys(conn) == {("BD-1000-01", "printer"): alert_id}
        store.resolve(conn, alert_id, now)
        assert store.open_keys(conn) == {}
        assert store.for_booth(conn, "BD-1000-01")[0].acked_by == "ana"


def test_rules_conditions() -> None:
    """Rules see printer errors, outbox backlog, cash over the limit, and offline booths."""
    cfg = MonitoringConfig(outbox_depth=10, cash_limit=1000)
    row = {
        "state": "online",
        "devices": {
            "printer": {"state": "error", "detail": "out of paper"},
            "scale": {"state": "ok", "detail": ""},
        },
        "ob": 11,
        "oba": 5.0,
        "cash": 2000.0,
    }
    got = rules.conditions(row, cfg, {"uncollected": 2})
    assert set(got) == {"printer", "outbox_depth", "cash", "uncollected"}
    assert "out of paper" in got["printer"]
    assert set(rules.conditions({**row, "state": "offline"}, cfg, {})) == {"offline", "cash"}
