"""The cell's pages through Flask's test client on a real SQLite database: login, CSRF, roles, escaping."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from flask.testing import FlaskClient
from sqlalchemy import Engine

from hub.apikeys import create_api_key
from hub.clock import utcnow
from hub.db.engine import make_engine, migrate
from hub.db.schema import booth_sites, booths
from hub.monitoring.live import FleetBroadcaster
from hub.users import create_user
from hub.web import WebContext, create_app

HOSTILE = '<script>alert("x")</script>'


@pytest.fixture
def engine(tmp_path: Path) -> Iterator[Engine]:
    """A migrated database with one booth named by an attacker, a viewer and an operator."""
    eng = make_engine(f"sqlite:///{tmp_path / 'hub.sqlite'}")
    migrate(eng)
    now = utcnow()
    with eng.begin() as conn:
        conn.execute(
            booths.insert().values(booth_id="BD-1000-01", registered_at=now, state="online", last_seen=now)
        )
        conn.execute(
            booth_sites.insert().values(booth_id="BD-1000-01", name=HOSTILE, postcode="1000", updated_at=now)
        )
        create_user(conn, "vera", "viewer", "viewer-pass")
        create_user(conn, "omar", "operator", "operator-pass")
    yield eng
    eng.dispose()


@pytest.fixture
def client(engine: Engine) -> FlaskClient:
    """A test client of the hub app with a fleet broadcaster polled once."""
    fleet = FleetBroadcaster(engine)
    fleet.tick()
    app = create_app(WebContext(engine=engine, fleet=fleet))
    return app.test_client()


def _csrf(html: str) -> str:
    match = re.search(r'name="csrf" value="([^"]+)"', html)
    assert match, "no CSRF field on the page"
    return match.group(1)


def _login(client: FlaskClient, name: str, password: str) -> int:
    token = _csrf(client.get("/dashboard/login").get_data(as_text=True))
    return client.post(
        "/dashboard/login", data={"csrf": token, "name": name, "password": password}
    ).status_code


def test_pages_need_login(client: FlaskClient) -> None:
    """Without a session the fleet redirects to the login form and the JSON answers 401."""
    assert client.get("/dashboard/").status_code == 302
    assert client.get("/dashboard/fleet.json").status_code == 401
    assert client.get("/metrics").status_code == 401
    assert _login(client, "vera", "wrong-pass") == 401
    assert client.get("/dashboard/fleet.json").status_code == 401


def test_login_without_csrf_is_refused(client: FlaskClient) -> None:
    """A login form posted without the session's CSRF token is rejected."""
    client.get("/dashboard/login")
    assert (
        client.post("/dashboard/login", data={"name": "vera", "password": "viewer-pass"}).status_code == 400
    )


def test_viewer_sees_but_cannot_command(client: FlaskClient) -> None:
    """A viewer reads the fleet and the booth page; sending a command is forbidden."""
    assert _login(client, "vera", "viewer-pass") == 302
    body = client.get("/dashboard/fleet.json").get_json()
    assert [b["id"] for b in body["booths"]] == ["BD-1000-01"] and body["booths"][0]["name"] == HOSTILE
    page = client.get("/dashboard/booth/BD-1000-01").get_data(as_text=True)
    assert HOSTILE not in page and "&lt;script&gt;" in page
    token = _csrf(page)
    resp = client.post("/dashboard/booth/BD-1000-01/command", data={"csrf": token, "name": "test_print"})
    assert resp.status_code == 403


def test_operator_commands_need_csrf(client: FlaskClient, engine: Engine) -> None:
    """An operator's command goes through only with the CSRF token, and lands in the command log."""
    assert _login(client, "omar", "operator-pass") == 302
    assert client.post("/dashboard/booth/BD-1000-01/command", data={"name": "test_print"}).status_code == 400
    token = _csrf(client.get("/dashboard/booth/BD-1000-01").get_data(as_text=True))
    resp = client.post("/dashboard/booth/BD-1000-01/command", data={"csrf": token, "name": "test_print"})
    assert resp.status_code == 302
    page = client.get("/dashboard/booth/BD-1000-01").get_data(as_text=True)
    assert "test_print" in page and "pending" in page
    resp = client.post("/dashboard/booth/BD-1000-01/command", data={"csrf": token, "name": "push_config"})
    assert resp.status_code == 403  # push_config is for admins


def test_metrics_with_monitor_key(client: FlaskClient, engine: Engine) -> None:
    """/metrics answers a monitor API key with Prometheus text; a merchant key is refused."""
    with engine.begin() as conn:
        monitor = create_api_key(conn, "prometheus", "monitor")
        merchant = create_api_key(conn, "shop", "merchant")
    assert client.get("/metrics", headers={"Authorization": f"Bearer {merchant}"}).status_code == 401
    resp = client.get("/metrics", headers={"Authorization": f"Bearer {monitor}"})
    text = resp.get_data(as_text=True)
    assert resp.status_code == 200 and 'dakbooth_booths{state="online"} 1.0' in text
    assert "dakbooth_events_ingested_total" in text and "dakbooth_ingest_lag_seconds" in text


def test_fetched_photo_is_shown(client: FlaskClient, engine: Engine) -> None:
    """A fetch_photo result's JPEG is served from the command log; other commands have none."""
    import base64
    import json
    from datetime import timedelta

    from hub import commands

    jpeg = b"\xff\xd8\xff\xe0 not really a jpeg \xff\xd9"
    with engine.begin() as conn:
        photo = commands.send(
            conn, "BD-1000-01", "fetch_photo", {"tracking_id": "CP123456785BD"}, timedelta(hours=1)
        )
        detail = json.dumps(
            {"sha256": "x", "kind": "delivery", "jpeg_base64": base64.b64encode(jpeg).decode()}
        )
        result = json.dumps({"id": photo, "ok": True, "detail": detail}).encode()
        assert commands.record_result(conn, "BD-1000-01", result, utcnow())
        other = commands.send(conn, "BD-1000-01", "test_print", {}, timedelta(hours=1))
    assert _login(client, "vera", "viewer-pass") == 302
    resp = client.get(f"/dashboard/command/{photo}/photo.jpg")
    assert resp.status_code == 200 and resp.data == jpeg and resp.mimetype == "image/jpeg"
    assert client.get(f"/dashboard/command/{other}/photo.jpg").status_code == 404
    assert f"/dashboard/command/{photo}/photo.jpg" in client.get("/dashboard/booth/BD-1000-01").get_data(
        as_text=True
    )


@pytest.mark.parametrize(
    ("target", "lands"),
    [
        ("/care?q=01711", "/care?q=01711"),
        ("/dashboard/booth/BD-1000-01", "/dashboard/booth/BD-1000-01"),
        ("//evil.example/x", "/dashboard/"),
        ("https://evil.example/", "/dashboard/"),
    ],
)
def test_login_returns_to_staff_pages_only(client: FlaskClient, target: str, lands: str) -> None:
    """After login a care or cell page asked for is shown; any other target falls back to the fleet."""
    token = _csrf(client.get("/dashboard/login").get_data(as_text=True))
    resp = client.post(
        f"/dashboard/login?next={target}", data={"csrf": token, "name": "vera", "password": "viewer-pass"}
    )
    assert resp.status_code == 302
    assert resp.headers["Location"].endswith(lands) and "evil" not in resp.headers["Location"]
