"""The kiosk JSON API and pages through Flask's test client: sessions, CSRF, errors, contract shapes."""

from __future__ import annotations

import re
from typing import Any

from flask.testing import FlaskClient

from kiosk.services import inbound
from parcel import s10
from parcel.control import Manifest

from .conftest import BOOTH, OTHER, Booth, ready_code

TID = "CP123456785BD"
INTAKE = {
    "tracking_id": TID,
    "recipient": {"name": "Karim", "phone": "01812345678"},
    "destination": OTHER,
    "cod_amount": 300,
    "weight_g": 450,
    "approval": {"supervisor": "sam", "pin": "9999"},  # a typed weight needs a supervisor
}


def error_of(resp: Any) -> str:
    body = resp.get_json()
    assert set(body) == {"error"} and set(body["error"]) == {"code", "message"}
    return str(body["error"]["code"])


def test_login_returns_contract_shape_and_cookie(client: FlaskClient) -> None:
    resp = client.post("/api/v1/session", json={"clerk": "sam", "pin": "9999"})
    assert resp.status_code == 200
    body = resp.get_json()
    assert set(body) == {"clerk", "role", "csrf_token"}
    assert body["role"] == "supervisor" and len(body["csrf_token"]) > 20
    assert "dakbooth_kiosk=" in resp.headers["Set-Cookie"]


def test_wrong_pin_401_and_lockout_423(client: FlaskClient) -> None:
    for _ in range(4):
        resp = client.post("/api/v1/session", json={"clerk": "alice", "pin": "0000"})
        assert resp.status_code == 401 and error_of(resp) == "invalid_credentials"
    resp = client.post("/api/v1/session", json={"clerk": "alice", "pin": "0000"})
    assert resp.status_code == 423 and error_of(resp) == "clerk_locked"


def test_no_session_is_401(client: FlaskClient, booth: Booth) -> None:
    before = booth.snapshot()
    resp = client.post("/api/v1/intake", json=INTAKE)
    assert resp.status_code == 401 and error_of(resp) == "not_logged_in"
    assert client.get("/api/v1/devices").status_code == 401
    assert booth.snapshot() == before


def test_missing_or_wrong_csrf_is_403(clerk: Any, booth: Booth) -> None:
    client = clerk.client
    before = booth.snapshot()
    resp = client.post("/api/v1/intake", json=INTAKE)
    assert resp.status_code == 403 and error_of(resp) == "csrf"
    resp = client.post("/api/v1/intake", json=INTAKE, headers={"X-CSRF-Token": "forged"})
    assert resp.status_code == 403 and error_of(resp) == "csrf"
    assert booth.snapshot() == before


def test_malformed_json_is_a_4xx_error_object(clerk: Any) -> None:
    resp = clerk.client.post(
        "/api/v1/intake",
        data="{not json",
        content_type="application/json",
        headers={"X-CSRF-Token": clerk.token},
    )
    assert resp.status_code == 400 and error_of(resp) == "malformed_json"
    resp = clerk.client.post("/api/v1/session", data="[1]", content_type="application/json")
    assert resp.status_code == 400 and error_of(resp) == "malformed_json"
    resp = clerk.client.get("/api/v1/nothing-here")
    assert resp.status_code == 404 and error_of(resp) == "not_found"


def test_intake_contract_and_service_errors(clerk: Any, booth: Booth) -> None:
    resp = clerk("/api/v1/intake", INTAKE)
    assert resp.status_code == 200, resp.get_json()
    assert resp.get_json() == {"tracking_id": TID, "weight_g": 450, "fee": "75.00", "printed": True}
    resp = clerk("/api/v1/intake", {**INTAKE, "cod_amount": "1"})
    assert resp.status_code == 409 and error_of(resp) == "already_accepted"
    resp = clerk("/api/v1/intake", {**INTAKE, "tracking_id": "CP123456784BD"})
    assert resp.status_code == 400 and error_of(resp) == "invalid_tracking_id"
    resp = clerk("/api/v1/dispatch", {"tracking_id": TID})
    assert resp.get_json() == {"tracking_id": TID, "status": "dispatched"}


def test_intake_without_weight_uses_the_scale(clerk: Any, booth: Booth) -> None:
    booth.scale.put(2100)
    body = {k: v for k, v in INTAKE.items() if k != "weight_g"}
    resp = clerk("/api/v1/intake", body)
    assert resp.status_code == 200 and resp.get_json()["weight_g"] == 2100


def test_receive_and_handover_contract(clerk: Any, booth: Booth) -> None:
    tid = s10.make("CP", 1)
    manifest = {
        "tracking_id": tid,
        "destination": BOOTH,
        "recipient": INTAKE["recipient"],
        "cod_amount": "120",
    }
    inbound.apply_manifest(booth.ctx, Manifest.model_validate(manifest))
    resp = clerk("/api/v1/receive", {"tracking_id": tid})
    assert resp.status_code == 200 and resp.get_json() == {"tracking_id": tid, "status": "ready"}
    code = ready_code(booth, tid)
    assert code not in resp.get_data(as_text=True)
    resp = clerk("/api/v1/handover", {"tracking_id": tid, "code": code, "cod_collected": "100"})
    assert resp.status_code == 422 and error_of(resp) == "cod_mismatch"
    resp = clerk("/api/v1/handover", {"tracking_id": tid, "code": code, "cod_collected": "120"})
    assert resp.status_code == 200 and resp.get_json() == {"status": "delivered"}


def test_devices_contract(clerk: Any, booth: Booth) -> None:
    booth.printer.paper_out = True
    body = clerk.client.get("/api/v1/devices").get_json()
    assert set(body) == {"scanner", "scale", "printer", "camera"}
    assert body["scale"] == {"state": "ok", "detail": "simulated", "weight_g": 750, "stable": True}
    assert body["printer"]["state"] == "error" and "paper" in body["printer"]["detail"]
    assert body["camera"]["state"] == "absent"


def test_uplink_needs_no_login(client: FlaskClient) -> None:
    body = client.get("/api/v1/uplink").get_json()
    assert body == {
        "connected": False,
        "outbox_depth": 0,
        "acked_upto": 0,
        "last_seq": 0,
        "serial_remaining": 0,
        "config_received": False,
    }
    assert client.get("/healthz").get_json() == {"status": "ok"}


def test_session_times_out(clerk: Any, booth: Booth) -> None:
    with clerk.client.session_transaction() as s:
        s["seen"] = s["seen"] - booth.ctx.counter.session_timeout_min * 60 - 1
    resp = clerk("/api/v1/intake", INTAKE)
    assert resp.status_code == 401


# -- pages ---------------------------------------------------------------------------------------


def page_token(html: str) -> str:
    match = re.search(r'name="csrf_token" value="([^"]+)"', html)
    assert match, "no CSRF token in the form"
    return match.group(1)


def test_pages_login_intake_with_csrf_and_escaping(client: FlaskClient, booth: Booth) -> None:
    assert client.get("/").status_code == 302
    page = client.get("/login").get_data(as_text=True)
    assert '<meta charset="utf-8">' in page
    resp = client.post("/login", data={"clerk": "alice", "pin": "1234"})
    assert resp.status_code == 302
    html = client.get("/intake").get_data(as_text=True)
    token = page_token(html)
    form = {"tracking_id": "", "name": "<script>x</script>", "phone": "01812345678", "destination": OTHER}
    form |= {"cod_amount": "10", "weight_g": "400", "supervisor": "sam", "supervisor_pin": "9999"}
    client.set_cookie("dakbooth_lang", "en")
    resp = client.post("/intake", data=form)  # no token
    assert resp.status_code == 403 and booth.events() == []
    resp = client.post("/intake", data={**form, "tracking_id": TID, "csrf_token": token})
    body = resp.get_data(as_text=True)
    assert resp.status_code == 200 and f"Accepted {TID}" in body
    resp = client.post("/intake", data={**form, "phone": "123", "csrf_token": token})
    body = resp.get_data(as_text=True)
    assert resp.status_code == 400 and "<script>x</script>" not in body and "&lt;script&gt;" in body
    devices = client.get("/devices").get_data(as_text=True)
    assert "simulated" in devices and "750 g" in devices


def test_supervisor_unlocks_a_locked_parcel(client: FlaskClient, clerk: Any, booth: Booth) -> None:
    tid = s10.make("CP", 2)
    manifest = {"tracking_id": tid, "destination": BOOTH, "recipient": INTAKE["recipient"], "cod_amount": "0"}
    inbound.apply_manifest(booth.ctx, Manifest.model_validate(manifest))
    clerk("/api/v1/receive", {"tracking_id": tid})
    code = ready_code(booth, tid)
    bad = f"{(int(code) + 1) % 1_000_000:06d}"
    for _ in range(5):
        assert (
            clerk("/api/v1/handover", {"tracking_id": tid, "code": bad, "cod_collected": "0"}).status_code
            == 422
        )
    resp = clerk("/api/v1/handover", {"tracking_id": tid, "code": code, "cod_collected": "0"})
    assert resp.status_code == 423 and error_of(resp) == "parcel_locked"
    resp = clerk("/api/v1/unlock", {"tracking_id": tid})
    assert resp.status_code == 403 and error_of(resp) == "forbidden"  # alice is a clerk
    token = client.post("/api/v1/session", json={"clerk": "sam", "pin": "9999"}).get_json()["csrf_token"]
    resp = client.post("/api/v1/unlock", json={"tracking_id": tid}, headers={"X-CSRF-Token": token})
    assert resp.status_code == 200 and resp.get_json() == {"tracking_id": tid, "status": "unlocked"}
    resp = client.post(
        "/api/v1/handover",
        json={"tracking_id": tid, "code": code, "cod_collected": "0"},
        headers={"X-CSRF-Token": token},
    )
    assert resp.get_json() == {"status": "delivered"}


def test_every_page_renders_with_a_csrf_token(client: FlaskClient) -> None:
    client.post("/login", data={"clerk": "alice", "pin": "1234"})
    for path in ("/", "/intake", "/dispatch", "/receive", "/handover", "/returns", "/cash", "/devices"):
        resp = client.get(path)
        assert resp.status_code == 200, path
        page_token(resp.get_data(as_text=True))  # the logout form at least
    assert 'name="q"' in client.get("/handover").get_data(as_text=True)  # find first (a GET form)
    forms = {
        "/intake": "cod_amount",
        "/dispatch": "tracking_id",
        "/receive": "tracking_id",
        "/returns": "reason",
        "/cash": "counted",
    }
    for path, field in forms.items():
        html = client.get(path).get_data(as_text=True)
        assert f'name="{field}"' in html and html.count('name="csrf_token"') == 2, path
    resp = client.post("/receive", data={"tracking_id": "bad"})
    assert resp.status_code == 403
