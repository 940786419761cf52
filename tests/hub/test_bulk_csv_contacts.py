"""Bulk CSV pre-advice with the optional recipient_email and language columns, on SQLite and PostgreSQL;
and the origin booth in the merchant's shipment view."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import Engine, func, select

from hub.db.schema import mqtt_outbox, notify_contacts, preadvices
from hub.web.openapi import DOCUMENT as SPEC
from parcel.lifecycle import EventType
from tests.hub.factory import DEST, ORIGIN
from tests.hub.test_merchant import Hub, _hub
from tests.hub.test_return_leg import acceptance, ev

HEADER = "destination,recipient_name,recipient_phone,cod_amount,reference,recipient_email,language\r\n"


@pytest.fixture
def hub(engine: Engine) -> Hub:
    """The hub app with a merchant key and two known booths (ORIGIN, DEST)."""
    return _hub(engine)


def upload(hub: Hub, text: str) -> Any:
    """POST a CSV to the bulk endpoint."""
    return hub.client.post(
        "/api/v1/merchant/shipments/bulk",
        headers=hub.merchant | {"Content-Type": "text/csv"},
        data=text.encode(),
    )


def counts(engine: Engine) -> tuple[int, int, int]:
    """(pre-advices, contacts, MQTT outbox rows): what an upload may have stored."""
    with engine.connect() as conn:
        return (
            conn.execute(select(func.count()).select_from(preadvices)).scalar_one(),
            conn.execute(select(func.count()).select_from(notify_contacts)).scalar_one(),
            conn.execute(select(func.count()).select_from(mqtt_outbox)).scalar_one(),
        )


def test_csv_contacts_are_stored_like_the_json_bulk(hub: Hub) -> None:
    text = HEADER + (
        f"{DEST},করিম,01711223341,100,C1,Karim@Example.COM.BD,en\r\n"
        f"{DEST},রহিম,01711223342,200,C2,,bn\r\n"
        f"{DEST},সালমা,01711223343,300,C3, ,\r\n"  # blank cells: Bengali, no e-mail
        f"{DEST},Nusrat,01711223344,400,C4,nusrat@example.org,\r\n"
    )
    resp = upload(hub, text)
    assert resp.status_code == 201, resp.get_json()
    ids = {s["reference"]: s["tracking_id"] for s in resp.get_json()["shipments"]}
    with hub.engine.connect() as conn:
        stored = {
            r.tracking_id: (r.language, r.email)
            for r in conn.execute(
                select(notify_contacts.c.tracking_id, notify_contacts.c.language, notify_contacts.c.email)
            )
        }
    # The domain is lower-cased as the JSON bulk does; a Bengali parcel without e-mail needs no row.
    assert stored == {
        ids["C1"]: ("en", "Karim@example.com.bd"),
        ids["C4"]: ("bn", "nusrat@example.org"),
    }
    json_resp = hub.client.post(
        "/api/v1/merchant/shipments/bulk",
        headers=hub.merchant,
        json={
            "shipments": [
                {
                    "destination": DEST,
                    "recipient": {"name": "করিম", "phone": "01711223345"},
                    "cod_amount": "100",
                    "reference": "J1",
                    "recipient_email": "Karim@Example.COM.BD",
                    "language": "en",
                }
            ]
        },
    )
    jid = json_resp.get_json()["shipments"][0]["tracking_id"]
    with hub.engine.connect() as conn:
        same = conn.execute(
            select(notify_contacts.c.language, notify_contacts.c.email).where(
                notify_contacts.c.tracking_id == jid
            )
        ).one()
    assert tuple(same) == stored[ids["C1"]]


@pytest.mark.parametrize(
    ("bad_row", "column"),
    [
        (f"{DEST},রহিম,01711223342,200,C2,not-an-address,bn", "recipient_email"),
        (f"{DEST},রহিম,01711223342,200,C2,a@b,bn", "recipient_email"),
        (f"{DEST},রহিম,01711223342,200,C2,a@example.org,fr", "language"),
        (f"{DEST},রহিম,01711223342,200,C2,a@example.org,EN", "language"),
        (f"{DEST},রহিম,01211223342,200,C2,,bn", "recipient_phone"),
        (f"{DEST},রহিম,01711223342,12.345,C2,,bn", "cod_amount"),
    ],
)
def test_a_bad_value_is_refused_naming_its_line_and_nothing_is_stored(
    hub: Hub, bad_row: str, column: str
) -> None:
    text = HEADER + f"{DEST},করিম,01711223341,100,C1,karim@example.com,en\r\n" + bad_row + "\r\n"
    before = counts(hub.engine)  # the booths' config messages only
    resp = upload(hub, text)
    assert resp.status_code == 422
    error = resp.get_json()["error"]
    assert error["code"] == "invalid_shipments"
    assert error["message"].startswith(f"line 3: {column}:"), error["message"]
    message = error["message"][len("line 3: ") :]
    assert error["items"] == [{"index": 1, "line": 3, "message": message, "reason": "invalid"}]
    assert "pattern" not in message  # a reason a merchant reads, not a regular expression
    assert counts(hub.engine) == before and before[:2] == (0, 0)


def test_every_bad_line_is_named_at_once(hub: Hub) -> None:
    text = (
        HEADER
        + f"{DEST},করিম,01711223341,100,C1,bad,en\r\n"
        + f"{DEST},রহিম,01711223342,200,C2,,bn\r\n"
        + f"{DEST},সালমা,01711223343,300,C3,,xx\r\n"
    )
    before = counts(hub.engine)
    resp = upload(hub, text)
    assert resp.status_code == 422
    assert [i["line"] for i in resp.get_json()["error"]["items"]] == [2, 4]
    assert counts(hub.engine) == before


def test_a_row_with_more_cells_than_the_header_is_refused(hub: Hub) -> None:
    before = counts(hub.engine)
    resp = upload(hub, HEADER + f"{DEST},করিম,01711223341,100,C1,,en,surplus\r\n")
    assert resp.status_code == 422 and resp.get_json()["error"]["items"][0]["line"] == 2
    assert counts(hub.engine) == before


def test_unknown_columns_are_still_refused_on_the_header_line(hub: Hub) -> None:
    resp = upload(hub, "destination,recipient_name,recipient_phone,cod_amount,whatsapp\r\n")
    assert resp.status_code == 422
    assert resp.get_json()["error"]["message"] == "line 1: unknown CSV column(s) whatsapp"


def test_the_openapi_document_lists_the_csv_columns_and_the_origin() -> None:
    bulk = SPEC["paths"]["/api/v1/merchant/shipments/bulk"]["post"]["requestBody"]["content"]["text/csv"]
    assert "recipient_email" in bulk["schema"]["description"] and "language" in bulk["schema"]["description"]
    assert "null" in SPEC["components"]["schemas"]["Shipment"]["properties"]["origin"]["type"]


# -- the origin in the merchant's shipment view --------------------------------------------------------


def test_the_shipment_shows_the_planned_origin_then_where_it_was_taken_in(hub: Hub) -> None:
    c = hub.client
    planned = c.post(
        "/api/v1/merchant/shipments",
        headers=hub.merchant,
        json={
            "destination": DEST,
            "origin": ORIGIN,
            "recipient": {"name": "রহিমা বেগম", "phone": "01711223344"},
            "cod_amount": "1250.00",
        },
    ).get_json()["tracking_id"]
    unplanned = c.post(
        "/api/v1/merchant/shipments",
        headers=hub.merchant,
        json={
            "destination": DEST,
            "recipient": {"name": "রহিমা বেগম", "phone": "01711223344"},
            "cod_amount": "1",
        },
    ).get_json()["tracking_id"]
    view = c.get(f"/api/v1/merchant/shipments/{planned}", headers=hub.merchant).get_json()
    assert view["origin"] == ORIGIN and view["status"] == "pre_advised"
    assert c.get(f"/api/v1/merchant/shipments/{unplanned}", headers=hub.merchant).get_json()["origin"] is None
    # Handed in at another booth than planned: the view says where it really was taken in.
    elsewhere = acceptance(planned).model_copy(update={"origin": DEST, "destination": ORIGIN})
    hub.apply(ev(DEST, 1, EventType.ACCEPTED, elsewhere, 0))
    view = c.get(f"/api/v1/merchant/shipments/{planned}", headers=hub.merchant).get_json()
    assert (view["origin"], view["status"]) == (DEST, "accepted")
    listing = c.get("/api/v1/merchant/shipments", headers=hub.merchant).get_json()["shipments"]
    assert {s["tracking_id"]: s["origin"] for s in listing} == {planned: DEST, unplanned: None}
