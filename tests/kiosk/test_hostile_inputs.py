"""Amounts and requests a stranger (or a tired clerk) sends the kiosk: exact or refused, nothing changed.

The counter's forms take what a clerk types (Bengali digits, digit grouping in the international or the
lakh style); the JSON API takes the wire's grammar only. Error answers are the kiosk's own.
"""

from __future__ import annotations

from typing import Any

import pytest
from flask.testing import FlaskClient

from parcel import s10

from .conftest import Booth
from .test_pages import RECIPIENT, TID, announce, login, ready_code


@pytest.mark.parametrize(
    ("typed", "status"),
    [
        ("৩০০", 200),  # Bengali digits: the 300 due
        ("৩০০.০০", 200),
        ("3,00", 400),  # a decimal comma is not an amount
        ("30,0", 400),
        ("1,25,000", 422),  # an amount, but not the COD due
    ],
)
def test_the_handover_form_reads_bengali_digits_and_refuses_a_decimal_comma(
    client: FlaskClient, booth: Booth, typed: str, status: int
) -> None:
    token = login(client)
    announce(booth, cod="300")
    client.post("/receive", data={"tracking_id": TID, "csrf_token": token})
    before = booth.snapshot()
    form = {"tracking_id": TID, "action": "code", "code": ready_code(booth, TID), "cod_collected": typed}
    resp = client.post("/handover", data=form | {"csrf_token": token})
    assert resp.status_code == status, resp.get_data(as_text=True)
    if status == 200:
        assert booth.events()[-1]["data"]["cod_collected"] == "300.00"
    else:
        assert booth.snapshot() == before


@pytest.mark.parametrize(
    ("typed", "expected"), [("১,২৫,০০০.৫০", "125000.50"), ("1,250", "1250.00"), ("0", "0.00")]
)
def test_the_intake_form_takes_grouped_amounts(
    client: FlaskClient, booth: Booth, typed: str, expected: str
) -> None:
    token = login(client)
    form = {"name": "Karim", "phone": "01812345678", "destination": "BD-2000-01", "cod_amount": typed}
    form |= {"tracking_id": s10.make("CP", 70_000_000 + len(typed))}  # a pre-printed label
    resp = client.post("/intake", data=form | {"csrf_token": token, "submission": f"sub-{len(typed)}-key"})
    assert resp.status_code == 200, resp.get_data(as_text=True)
    assert booth.events()[-1]["data"]["cod_amount"] == expected


@pytest.mark.parametrize("typed", ["12,50", "1e3", "+5", "-0", "12_000", "١٢٣", "৳ 50", ""])
def test_the_intake_form_refuses_what_is_not_an_amount(client: FlaskClient, booth: Booth, typed: str) -> None:
    token = login(client)
    before = booth.snapshot()
    form = {"name": "Karim", "phone": "01812345678", "destination": "BD-2000-01", "cod_amount": typed}
    resp = client.post("/intake", data=form | {"csrf_token": token})
    assert resp.status_code == 400
    assert "Enter an exact amount in taka" in resp.get_data(as_text=True)
    assert booth.snapshot() == before


@pytest.mark.parametrize(
    "amount", ["12,50", "1,250.00", "১২৫০", "1e3", "+5", "-0", "12_000", True, None, 0.005]
)
def test_the_json_api_takes_the_wire_grammar_only(booth: Booth, clerk: Any, amount: object) -> None:
    before = booth.snapshot()
    body = {"recipient": RECIPIENT, "destination": "BD-2000-01", "cod_amount": amount, "weight_g": 500}
    body["approval"] = {"supervisor": "sam", "pin": "9999"}
    resp = clerk("/api/v1/intake", body)
    assert resp.status_code == 400
    assert resp.get_json()["error"]["code"] == "invalid_amount"
    assert resp.get_json()["error"]["message"].startswith("cod_amount:")
    assert booth.snapshot() == before


@pytest.mark.parametrize(("method", "path"), [("delete", "/api/v1/intake"), ("put", "/api/v1/devices")])
def test_a_405_from_the_api_says_which_methods_there_are(client: FlaskClient, method: str, path: str) -> None:
    resp = getattr(client, method)(path)
    assert resp.status_code == 405 and resp.get_json()["error"]["code"] == "method_not_allowed"
    assert resp.headers["Allow"]


@pytest.mark.parametrize(("lang", "words"), [("bn", "এই পাতাটি নেই।"), ("en", "This page does not exist.")])
def test_the_kiosks_404_and_405_pages_are_its_own(client: FlaskClient, lang: str, words: str) -> None:
    client.set_cookie("dakbooth_lang", lang)
    page = client.get("/no-such-page")
    assert page.status_code == 404 and words in page.get_data(as_text=True)
    assert "Not Found" not in page.get_data(as_text=True)
    wrong = client.put("/login")
    assert wrong.status_code == 405 and "GET" in wrong.headers["Allow"]
    assert "Method Not Allowed" not in wrong.get_data(as_text=True)
    assert client.get("/api/v1/nothing").get_json()["error"]["code"] == "not_found"
