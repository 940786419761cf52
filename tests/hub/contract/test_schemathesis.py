"""The API document is the truth: schemathesis, a tool nobody on this project wrote, runs every check it
has against a real hub process (HTTP through waitress, on SQLite and on PostgreSQL) and fails the
suite on a server error, an undocumented status, an answer off its schema, a valid request refused
for a reason the document states, or an invalid one accepted.

Bounded: a fixed seed, a few dozen examples per operation and a time budget per run.
"""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from sqlalchemy import Engine

from demo.processes import Managed, Mosquitto, free_port, python_module, wait_for_port
from hub.apikeys import create_api_key
from hub.db.engine import make_engine, migrate
from hub.ingest.apply import apply_batch
from hub.ingest.booths import ensure_booth
from hub.merchant import cod, preadvice
from tests.hub.conftest import throwaway_pg
from tests.hub.factory import DEST, NOW, ORIGIN, accepted, arrived, delivered, event, tid

SCHEMATHESIS = Path(sys.executable).with_name("schemathesis")
CALLBACK_TOKEN = "gateway-token-0123456789"
MAX_EXAMPLES = 25
TIME_BUDGET_S = 75
SEED = 20261206

pytestmark = pytest.mark.slow


def seed(engine: Engine) -> dict[str, str]:
    """Booths, a delivered pre-advised parcel with its COD, a payout account, a remittance batch, and
    one API key per role; returns the keys."""
    with engine.begin() as conn:
        for booth in (ORIGIN, DEST):
            ensure_booth(conn, booth, NOW)
        keys = {role: create_api_key(conn, f"st-{role}", role) for role in ("merchant", "monitor", "admin")}
        item = preadvice.PreAdvice.model_validate(
            {
                "destination": DEST,
                "recipient": {"name": "Rahima", "phone": "01711223344"},
                "cod_amount": "1250.00",
            }
        )
        created = preadvice.create(conn, "st-merchant", [item], NOW)
        cod.set_payout_account(conn, "st-merchant", "=Shop A", "01811000111", NOW)
    shipped = str(created[0]["tracking_id"])
    with engine.begin() as conn:
        apply_batch(
            conn,
            [
                event(ORIGIN, 1, accepted(shipped)),
                event(DEST, 1, arrived(shipped)),
                event(DEST, 2, delivered(shipped)),
            ],
            NOW,
        )
    with engine.begin() as conn:
        apply_batch(conn, [event(ORIGIN, 2, accepted(tid(40_000_001)))], NOW)
        assert cod.create_batch(conn, NOW) is not None
    return keys


@contextmanager
def hub_process(workdir: Path, database_url: str, broker: Mosquitto) -> Iterator[str]:
    """`python -m hub` on database_url; yields its base URL."""
    port = free_port()
    config = workdir / "hub.toml"
    config.write_text(
        f'[http]\nhost = "127.0.0.1"\nport = {port}\ntrack_burst = 100000\ntrack_per_second = 100000\n'
        f'[broker]\nurl = "{broker.url}"\nclient_id = "contract-hub"\n'
        f'[database]\nurl = "{database_url}"\n'
        f'[sms]\ndriver = "log"\ncallback_token = "{CALLBACK_TOKEN}"\n',
        encoding="utf-8",
    )
    hub = Managed("hub", python_module("hub", "--config", str(config)), workdir / "hub.log")
    hub.start()
    try:
        wait_for_port(port, timeout=30, proc=hub.proc)
        yield f"http://127.0.0.1:{port}"
    finally:
        hub.stop()


def schemathesis_config(path: Path, keys: dict[str, str]) -> None:
    """Which key each part of the API takes, and where the document admits a refusal of valid data
    for a reason it cannot state (checked by tests/hub/contract/hooks.py)."""
    sections = [
        ("^/api/v1/merchant/", keys["merchant"]),
        ("^/api/v1/admin/", keys["admin"]),
        ("^/api/v1/booths", keys["monitor"]),
        ("^/api/v1/sms/", CALLBACK_TOKEN),
    ]
    text = "[cache]\nenabled = false\n\n"  # nothing kept between runs, nothing written outside tmp_path
    text += "".join(
        f'[[operations]]\ninclude-path-regex = "{regex}"\nheaders = {{ Authorization = "Bearer {key}" }}\n\n'
        for regex, key in sections
    )
    business = [
        ("GET", "^/api/v1/track/", 400),
        ("GET", "^/api/v1/merchant/shipments/\\\\{tracking_id\\\\}", 400),
        ("POST", "^/api/v1/merchant/shipments", 422),
        ("POST", "^/api/v1/merchant/webhooks$", 422),
    ]
    defaults = '"2xx", "3xx", "401", "403", "404", "409", "429", "5xx"'
    text += "".join(
        f'[[operations]]\ninclude-method = "{method}"\ninclude-path-regex = "{regex}"\n'
        f'[operations.checks.positive_data_acceptance]\nexpected-statuses = [{defaults}, "{status}"]\n\n'
        for method, regex, status in business
    )
    path.write_text(text, encoding="utf-8")


def run_schemathesis(workdir: Path, base_url: str, keys: dict[str, str]) -> subprocess.CompletedProcess[str]:
    """The schemathesis command line over the hub's own document, every check on."""
    config = workdir / "schemathesis.toml"
    schemathesis_config(config, keys)
    root = Path(__file__).resolve().parents[3]
    env = os.environ | {"SCHEMATHESIS_HOOKS": "tests.hub.contract.hooks", "PYTHONPATH": str(root)}
    argv = [
        str(SCHEMATHESIS),
        "--config-file",
        str(config),
        "run",
        f"{base_url}/api/v1/openapi.json",
        "--checks",
        "all",
        "--phases",
        "examples,coverage,fuzzing",
        "--max-examples",
        str(MAX_EXAMPLES),
        "--seed",
        str(SEED),
        "--max-time",
        str(TIME_BUDGET_S),
        "--request-timeout",
        "20",
        "--workers",
        "1",
        "--warnings",
        "off",
        "--no-color",
    ]
    return subprocess.run(
        argv, capture_output=True, text=True, env=env, timeout=TIME_BUDGET_S + 120, check=False
    )


@pytest.mark.parametrize("database", ["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def test_the_api_document_holds_against_a_real_hub(
    database: str, tmp_path: Path, broker: Mosquitto, request: pytest.FixtureRequest
) -> None:
    with database_for(database, tmp_path, request) as (engine, url):
        keys = seed(engine)
        with hub_process(tmp_path, url, broker) as base_url:
            result = run_schemathesis(tmp_path, base_url, keys)
    report = result.stdout[-12000:] + result.stderr[-3000:]
    assert result.returncode == 0, report
    assert "No issues found" in result.stdout or " passed" in result.stdout, report


@contextmanager
def database_for(kind: str, tmp_path: Path, request: pytest.FixtureRequest) -> Iterator[tuple[Engine, str]]:
    """A migrated database of kind and the URL the hub process uses for it."""
    if kind == "sqlite":
        url = f"sqlite:///{tmp_path / 'hub.sqlite'}"
        engine = make_engine(url)
        migrate(engine)
        try:
            yield engine, url
        finally:
            engine.dispose()
    else:
        with throwaway_pg(request.getfixturevalue("pg_url")) as engine:
            yield engine, engine.url.render_as_string(hide_password=False)
