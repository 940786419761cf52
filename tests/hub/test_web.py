"""Tracking API, tracking page, booths API authentication and health, through Flask's test client."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from flask.testing import FlaskClient
from sqlalchemy import Engine

from hub.apikeys import create_api_key
from hub.merchant.preadvice import create, parse_items
from hub.web import WebContext, create_app
from hub.web.ratelimit import TokenBuckets
from tests.hub.conftest import ApplyFn
from tests.hub.factory import DEST, NOW, ORIGIN, T0, accepted, arrived, event, leaf, ready, tid


@pytest.fixture
def client(engine: Engine) -> Iterator[FlaskClient]:
    """A test client of the hub app on the test database."""
    app = create_app(WebContext(engine=engine, mqtt_connected=lambda: True))
    yield app.test_client()


def test_track_shows_status_and_timeline_without_personal_data(client: FlaskClient, apply: ApplyFn) -> None:
    t = tid()
    apply(event(DEST, 1, arrived(t)), event(DEST, 2, ready(t, code="482913")))
    apply(event(ORIGIN, 1, accepted(t), at=T0))  # late, but first in time
    resp = client.get(f"/api/v1/track/{t}")
    assert resp.status_code == 200
    body = resp.get_json()
    assert body["tracking_id"] == t and body["status"] == "ready"
    assert [e["type"] for e in body["events"]] == ["parcel.accepted", "parcel.arrived", "parcel.ready"]
    assert body["events"][0]["booth"] == ORIGIN
    text = resp.get_data(as_text=True)
    for private in ("Rahima", "01711223344", "482913", "1250", "code_hash"):
        assert private not in text


def test_track_errors(client: FlaskClient) -> None:
    resp = client.get(f"/api/v1/track/{tid()}")
    assert resp.status_code == 404 and resp.get_json()["error"]["code"] == "not_found"
    resp = client.get("/api/v1/track/CP123456789BD")
    assert resp.status_code == 400 and "check digit" in resp.get_json()["error"]["message"]


def test_a_pre_advised_parcel_is_known_before_it_is_handed_in(
    engine: Engine, client: FlaskClient, apply: ApplyFn
) -> None:
    apply(event(DEST, 1, arrived(tid())))  # the destination booth is known to the hub
    item = {
        "destination": DEST,
        "recipient": {"name": "Rahima", "phone": "01711223344"},
        "cod_amount": "1250.00",
    }
    with engine.begin() as conn:
        (made,) = create(conn, "shop-a", parse_items([item]), NOW)
    t = made["tracking_id"]
    resp = client.get(f"/api/v1/track/{t}")
    assert resp.status_code == 200
    assert resp.get_json() == {"tracking_id": t, "status": "pre_advised", "events": []}
    page = client.get(f"/track/{t}").get_data(as_text=True)
    assert "আগাম জানানো" in page and 'id="not-handed-in"' in page
    for private in ("Rahima", "01711223344", "1250", "shop-a"):
        assert private not in resp.get_data(as_text=True) and private not in page
    apply(event(ORIGIN, 1, accepted(t)))
    body = client.get(f"/api/v1/track/{t}").get_json()
    assert body["status"] == "accepted" and [e["type"] for e in body["events"]] == ["parcel.accepted"]
    assert 'id="not-handed-in"' not in client.get(f"/track/{t}").get_data(as_text=True)


def test_track_is_rate_limited(engine: Engine) -> None:
    app = create_app(WebContext(engine=engine, track_limit=TokenBuckets(capacity=3, per_second=0.001)))
    client = app.test_client()
    codes = [client.get(f"/api/v1/track/{tid()}").status_code for _ in range(5)]
    assert codes == [404, 404, 404, 429, 429]


def test_tracking_page_is_bengali_and_escaped(client: FlaskClient, apply: ApplyFn) -> None:
    t = tid()
    apply(event(ORIGIN, 1, accepted(t)))
    page = client.get(f"/track/{t}").get_data(as_text=True)
    assert 'lang="bn"' in page and '<meta charset="utf-8">' in page
    assert "গৃহীত" in page and "Accepted" not in page and ORIGIN in page  # English is on the switch
    assert client.get("/track/<script>").status_code == 400
    assert "<script>" not in client.get("/track/<script>").get_data(as_text=True)
    assert client.get("/track").status_code == 200
    assert client.get(f"/track?tracking_id={t.lower()}").headers["Location"].endswith(f"/track/{t}")


def test_booths_api_needs_a_monitor_or_admin_key(client: FlaskClient, engine: Engine, apply: ApplyFn) -> None:
    apply(
        leaf(ORIGIN, "status", {"state": "online", "at": NOW.isoformat()}),
        leaf(
            ORIGIN,
            "health",
            {
                "at": NOW.isoformat(),
                "version": "1",
                "devices": {"scale": {"state": "ok"}},
                "outbox": {"depth": 2},
            },
        ),
        leaf(DEST, "status", {"state": "offline", "at": NOW.isoformat()}),
    )
    with engine.begin() as conn:
        monitor = create_api_key(conn, "noc", "monitor")
        merchant = create_api_key(conn, "shop", "merchant")
    assert client.get("/api/v1/booths").status_code == 401
    assert client.get("/api/v1/booths", headers={"Authorization": "Bearer nope"}).status_code == 401
    resp = client.get("/api/v1/booths", headers={"Authorization": f"Bearer {merchant}"})
    assert resp.status_code == 403 and resp.get_json()["error"]["code"] == "forbidden"
    resp = client.get("/api/v1/booths", headers={"Authorization": f"Bearer {monitor}"})
    assert resp.status_code == 200
    by_id = {b["booth_id"]: b for b in resp.get_json()}
    assert by_id[ORIGIN]["state"] == "online" and by_id[DEST]["state"] == "offline"
    assert by_id[ORIGIN]["devices"]["scale"]["state"] == "ok" and by_id[ORIGIN]["outbox"]["depth"] == 2
    assert by_id[ORIGIN]["last_seen"].startswith("2026-11-23T12:00")


def test_healthz(client: FlaskClient) -> None:
    assert client.get("/healthz").get_json() == {"ok": True, "mqtt": True}
