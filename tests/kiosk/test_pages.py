"""The counter pages and the added JSON operations through Flask's test client: each form posts
with its CSRF token to the same services; supervisor steps need a supervisor."""

from __future__ import annotations

import re
from typing import Any

from flask.testing import FlaskClient

from kiosk.services import inbound
from parcel import s10
from parcel.control import Manifest

from .conftest import BOOTH, OTHER, Booth, ready_code

TID = s10.make("CP", 55555555)
RECIPIENT = {"name": "Karim", "phone": "01812345678"}


def token_of(html: str) -> str:
    match = re.search(r'name="csrf_token" value="([^"]+)"', html)
    assert match
    return match.group(1)


def login(client: FlaskClient, who: str = "alice", pin: str = "1234") -> str:
    client.set_cookie("dakbooth_lang", "en")
    assert client.post("/login", data={"clerk": who, "pin": pin}).status_code == 302
    return token_of(client.get("/").get_data(as_text=True))


def announce(booth: Booth, destination: str = BOOTH, cod: str = "300") -> None:
    data = {"tracking_id": TID, "origin": OTHER, "destination": destination, "recipient": RECIPIENT}
    inbound.apply_manifest(booth.ctx, Manifest.model_validate(data | {"cod_amount": cod}))


def test_receive_find_and_hand_over_through_the_pages(client: FlaskClient, booth: Booth) -> None:
    token = login(client)
    announce(booth)
    resp = client.post("/receive", data={"tracking_id": TID, "shelf": "c-1", "csrf_token": token})
    assert resp.status_code == 200 and "Shelf: C-1" in resp.get_data(as_text=True)
    code = ready_code(booth, TID)
    page = client.get("/handover?q=01812345678").get_data(as_text=True)
    assert TID in page and 'name="code"' in page and "৳ 300.00" in page
    form = {"tracking_id": TID, "action": "code", "code": code, "cod_collected": "299", "csrf_token": token}
    resp = client.post("/handover", data=form)
    assert resp.status_code == 422 and "equal the COD due exactly" in resp.get_data(as_text=True)
    resp = client.post("/handover", data=form | {"csrf_token": "forged", "cod_collected": "300"})
    assert resp.status_code == 403 and booth.events()[-1]["type"] == "parcel.ready"
    resp = client.post("/handover", data=form | {"cod_collected": "300"})
    assert resp.status_code == 200 and f"{TID} handed over" in resp.get_data(as_text=True)


def test_misrouted_parcel_is_offered_for_forwarding(client: FlaskClient, booth: Booth) -> None:
    token = login(client)
    announce(booth, destination="BD-3000-01")
    resp = client.post("/receive", data={"tracking_id": TID, "csrf_token": token})
    page = resp.get_data(as_text=True)
    assert resp.status_code == 200 and "BD-3000-01" in page and 'id="forward-form"' in page
    assert booth.events() == []
    resp = client.post("/forward", data={"tracking_id": TID, "csrf_token": token})
    assert "forwarded to BD-3000-01" in resp.get_data(as_text=True)
    assert [e["type"] for e in booth.events()] == ["parcel.dispatched"]


def test_document_handover_and_cash_close_need_a_supervisor(client: FlaskClient, booth: Booth) -> None:
    token = login(client)
    announce(booth)
    client.post("/receive", data={"tracking_id": TID, "csrf_token": token})
    doc = {"tracking_id": TID, "action": "document", "document_kind": "nid", "document_number": "19901234567"}
    doc |= {"cod_collected": "300", "csrf_token": token}
    resp = client.post("/handover", data=doc)
    assert resp.status_code == 403 and booth.events()[-1]["type"] == "parcel.ready"
    resp = client.post("/handover", data=doc | {"supervisor": "sam", "supervisor_pin": "9999"})
    assert resp.status_code == 200 and booth.events()[-1]["data"]["verified_by"] == "id_document"
    resp = client.post("/cash", data={"counted": "250", "csrf_token": token})
    assert resp.status_code == 422
    resp = client.post("/cash", data={"counted": "250", "reason": "short", "csrf_token": token})
    assert resp.status_code == 403
    resp = client.post(
        "/cash",
        data={
            "counted": "250",
            "reason": "short",
            "supervisor": "sam",
            "supervisor_pin": "9999",
            "csrf_token": token,
        },
    )
    assert resp.status_code == 200 and 'id="closed"' in resp.get_data(as_text=True)
    assert booth.events()[-1]["type"] == "cash.closed"
    resp = client.post("/cash", data={"counted": "300", "csrf_token": token})
    assert resp.status_code == 409


def test_return_through_the_page(client: FlaskClient, booth: Booth) -> None:
    token = login(client)
    announce(booth)
    client.post("/receive", data={"tracking_id": TID, "csrf_token": token})
    resp = client.post(
        "/returns", data={"tracking_id": TID, "reason": "refused", "note": "", "csrf_token": token}
    )
    assert resp.status_code == 400 and booth.events()[-1]["type"] == "parcel.ready"
    data = {"tracking_id": TID, "reason": "wrong_goods", "note": "ordered blue, got red", "csrf_token": token}
    resp = client.post("/returns", data=data)
    assert resp.status_code == 200 and f"returned to {OTHER}" in resp.get_data(as_text=True)


def test_supervisor_unlocks_on_the_handover_page(client: FlaskClient, booth: Booth) -> None:
    token = login(client)
    announce(booth)
    client.post("/receive", data={"tracking_id": TID, "csrf_token": token})
    code = ready_code(booth, TID)
    bad = {
        "tracking_id": TID,
        "action": "code",
        "code": f"{(int(code) + 1) % 10**6:06d}",
        "cod_collected": "300",
    }
    for _ in range(5):
        client.post("/handover", data=bad | {"csrf_token": token})
    page = client.get(f"/handover?tracking_id={TID}").get_data(as_text=True)
    assert 'id="unlock-form"' in page
    unlock = {"tracking_id": TID, "action": "unlock", "csrf_token": token}
    assert client.post("/handover", data=unlock).status_code == 403
    resp = client.post("/handover", data=unlock | {"supervisor": "sam", "supervisor_pin": "9999"})
    assert resp.status_code == 200 and 'id="code-form"' in resp.get_data(as_text=True)


def test_json_operations_for_the_counter(client: FlaskClient, booth: Booth, clerk: Any) -> None:
    announce(booth)
    assert clerk("/api/v1/receive", {"tracking_id": TID, "shelf": "A-1"}).get_json()["status"] == "ready"
    found = client.get("/api/v1/parcels?q=%2B8801812345678").get_json()["parcels"]
    assert [(p["tracking_id"], p["shelf"], p["cod_amount"]) for p in found] == [(TID, "A-1", "300.00")]
    resp = clerk("/api/v1/returns", {"tracking_id": TID, "reason": "refused", "note": "no"})
    assert resp.get_json() == {"tracking_id": TID, "status": "returned", "origin": OTHER}
    assert client.get("/api/v1/cash").get_json()["closed"] is False
    resp = clerk("/api/v1/cash/close", {"counted": "0"})
    assert resp.status_code == 200 and resp.get_json()["status"] == "closed"
    resp = clerk("/api/v1/cash/close", {"counted": "0"})
    assert resp.status_code == 409 and resp.get_json()["error"]["code"] == "day_closed"
    resp = clerk(
        "/api/v1/intake", {"recipient": RECIPIENT, "destination": OTHER, "cod_amount": "1", "weight_g": 5}
    )
    assert resp.status_code == 403 and resp.get_json()["error"]["code"] == "supervisor_required"


def test_every_form_refuses_a_post_without_its_csrf_token(client: FlaskClient, booth: Booth) -> None:
    login(client)
    announce(booth)
    for path in ("/intake", "/dispatch", "/receive", "/forward", "/handover", "/returns", "/cash", "/logout"):
        resp = client.post(path, data={"tracking_id": TID, "counted": "0", "reason": "refused", "note": "x"})
        assert resp.status_code == 403, path
    assert booth.events() == []
    assert client.get("/").status_code == 200  # still logged in: the forged logout did nothing
