"""What a stranger can send the hub: each answered with a 4xx that names the field, and nothing stored.

Every test runs on SQLite and on PostgreSQL (the `hub` fixture), since the two databases refuse
different things (PostgreSQL refuses NUL in text; SQLite stores it).
"""

from __future__ import annotations

import csv
import io
import json
from typing import Any

import pytest
import zxingcpp
from PIL import Image
from sqlalchemy import Engine, func, select

from hub.db.schema import (
    cod_ledger,
    mqtt_outbox,
    payout_accounts,
    preadvices,
    remittances,
    webhook_outbox,
    webhooks,
)
from hub.merchant import cod
from hub.merchant.csv_cells import safe_cell
from hub.merchant.sender import WebhookSender
from hub.merchant.webhook_targets import TargetPolicy
from tests.hub.factory import DEST, ORIGIN, accepted, arrived, delivered, event
from tests.hub.sinks import WebhookSink
from tests.hub.test_merchant import LOCAL_RECEIVERS, SHIPMENT, Hub, _hub


@pytest.fixture
def hub(any_engine: Engine) -> Hub:
    """The hub app with merchant and admin keys, on SQLite and on PostgreSQL."""
    return _hub(any_engine)


TABLES = (preadvices, webhooks, payout_accounts, mqtt_outbox, remittances, webhook_outbox)


def stored(engine: Engine) -> tuple[int, ...]:
    """How many rows each table a merchant request may write holds."""
    with engine.connect() as conn:
        return tuple(conn.execute(select(func.count()).select_from(t)).scalar_one() for t in TABLES)


def error(resp: Any) -> dict[str, Any]:
    body = resp.get_json()
    assert isinstance(body, dict) and "error" in body, resp.data[:300]
    return body["error"]


# --- money ---------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "amount", ["12,50", "1e3", "12_000", "+5", "-0", "١٢٣", "১২৩", "1,250.00", 12.5, True]
)
def test_an_amount_outside_the_documented_pattern_is_refused_naming_the_field(
    hub: Hub, amount: object
) -> None:
    before = stored(hub.engine)
    resp = hub.client.post(
        "/api/v1/merchant/shipments", headers=hub.merchant, json=SHIPMENT | {"cod_amount": amount}
    )
    assert resp.status_code == 422
    assert error(resp)["items"][0]["message"].startswith("cod_amount:")
    assert stored(hub.engine) == before


@pytest.mark.parametrize(
    ("amount", "expected"), [("1250", "1250.00"), ("1250.5", "1250.50"), (300, "300.00")]
)
def test_amounts_of_the_documented_pattern_are_taken_exactly(hub: Hub, amount: object, expected: str) -> None:
    resp = hub.client.post(
        "/api/v1/merchant/shipments", headers=hub.merchant, json=SHIPMENT | {"cod_amount": amount}
    )
    assert resp.status_code == 201 and resp.get_json()["cod_amount"] == expected


@pytest.mark.parametrize("weight", [True, "5", 0, 100_001, 1.5])
def test_a_weight_must_be_whole_grams_as_a_number(hub: Hub, weight: object) -> None:
    before = stored(hub.engine)
    resp = hub.client.post(
        "/api/v1/merchant/shipments", headers=hub.merchant, json=SHIPMENT | {"weight_g": weight}
    )
    assert resp.status_code == 422 and error(resp)["items"][0]["message"].startswith("weight_g:")
    assert stored(hub.engine) == before


# --- text no database stores -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("method", "path", "body"),
    [
        (
            "post",
            "/api/v1/merchant/shipments",
            SHIPMENT | {"recipient": {"name": "Ra\x00hima", "phone": "01711223344"}},
        ),
        ("post", "/api/v1/merchant/shipments", SHIPMENT | {"reference": "ORD\x00-1"}),
        ("post", "/api/v1/merchant/shipments/bulk", {"shipments": [SHIPMENT | {"reference": "\x00"}]}),
        (
            "put",
            "/api/v1/merchant/payout-account",
            {"account_name": "Shop\x00A", "account_number": "01811000111"},
        ),
        ("post", "/api/v1/merchant/webhooks", {"url": "https://example.com/\x00hook"}),
        (
            "post",
            "/api/v1/merchant/shipments",
            SHIPMENT | {"recipient": {"name": "\ud800", "phone": "01711223344"}},
        ),
        ("post", "/api/v1/merchant/shipments", SHIPMENT | {"ref\x00": "x"}),
    ],
)
def test_nul_in_any_merchant_text_is_refused_and_nothing_is_stored(
    hub: Hub, method: str, path: str, body: dict[str, Any]
) -> None:
    before = stored(hub.engine)
    resp = getattr(hub.client, method)(
        path, headers=hub.merchant | {"Content-Type": "application/json"}, data=json.dumps(body)
    )
    assert resp.status_code in (400, 422), resp.data[:300]
    assert "NUL" in error(resp)["message"] or "nul" in error(resp)["message"].lower()
    assert stored(hub.engine) == before


@pytest.mark.parametrize(
    "query", ["reference=%00", "after=CP%00", "since=2026-11-20T00:00:00%00Z", "limit=1%00"]
)
def test_nul_in_a_query_parameter_is_a_400(hub: Hub, query: str) -> None:
    resp = hub.client.get(f"/api/v1/merchant/shipments?{query}", headers=hub.merchant)
    assert resp.status_code == 400 and error(resp)["code"] in ("invalid_text", "invalid_query")


def test_nul_in_a_care_search_is_a_page_not_a_500(hub: Hub) -> None:
    resp = hub.client.get("/care/?q=%00")
    assert resp.status_code in (302, 400)  # a log-in first, or refused: never the database's error


# --- ids, dates, nesting --------------------------------------------------------------------------


@pytest.mark.parametrize("big", [2**31, 2**63, 2**64, 10**30])
@pytest.mark.parametrize(
    ("method", "path", "who"),
    [
        ("delete", "/api/v1/merchant/webhooks/{}", "merchant"),
        ("get", "/api/v1/admin/remittances/{}", "admin"),
        ("get", "/api/v1/admin/remittances/{}/export.csv", "admin"),
        ("post", "/api/v1/admin/remittances/{}/remitted", "admin"),
    ],
)
def test_an_id_beyond_the_columns_is_not_found(hub: Hub, big: int, method: str, path: str, who: str) -> None:
    headers = getattr(hub, who)
    resp = getattr(hub.client, method)(path.format(big), headers=headers, json={"transfer_ref": "T-1"})
    assert resp.status_code == 404 and error(resp)["code"] == "not_found"


@pytest.mark.parametrize(
    "day",
    ["9999-12-31", "0001-01-01", "1999-12-31", "3000-01-01", "20261120", "2026-W47-5", "2026-02-30", ""],
)
def test_a_day_outside_the_calendar_the_hub_keeps_is_a_400(hub: Hub, day: str) -> None:
    resp = hub.client.get(f"/api/v1/admin/cod/reconciliation?date={day}", headers=hub.admin)
    assert resp.status_code == 400 and "date" in error(resp)["message"]


@pytest.mark.parametrize(
    "since", ["0001-01-01T00:00:00+14:00", "9999-12-31T23:59:59-12:00", "2026-11-20", "2026-11-20T09:00"]
)
def test_a_time_at_the_calendar_ends_or_without_offset_is_a_400(hub: Hub, since: str) -> None:
    resp = hub.client.get("/api/v1/merchant/shipments", headers=hub.merchant, query_string={"since": since})
    assert resp.status_code == 400 and "since" in error(resp)["message"]


JSON_ENDPOINTS = [
    ("post", "/api/v1/merchant/shipments", "merchant"),
    ("post", "/api/v1/merchant/shipments/bulk", "merchant"),
    ("post", "/api/v1/merchant/webhooks", "merchant"),
    ("put", "/api/v1/merchant/payout-account", "merchant"),
    ("post", "/api/v1/admin/remittances/1/remitted", "admin"),
]


@pytest.mark.parametrize(("method", "path", "who"), JSON_ENDPOINTS)
@pytest.mark.parametrize("depth", [2_000, 100_000])
def test_json_nested_thousands_deep_is_a_400(hub: Hub, method: str, path: str, who: str, depth: int) -> None:
    before = stored(hub.engine)
    body = "[" * depth + "]" * depth
    resp = getattr(hub.client, method)(
        path, headers=getattr(hub, who) | {"Content-Type": "application/json"}, data=body
    )
    assert resp.status_code == 400, resp.data[:200]
    assert stored(hub.engine) == before


# --- CSV uploads ----------------------------------------------------------------------------------


def upload(hub: Hub, text: str) -> Any:
    return hub.client.post(
        "/api/v1/merchant/shipments/bulk",
        headers=hub.merchant | {"Content-Type": "text/csv"},
        data=text.encode(),
    )


HEADER = ["destination", "recipient_name", "recipient_phone", "cod_amount", "reference"]
ROWS = [[DEST, "করিম", "01711223341", "100", "M1"], [DEST, "রহিম", "01711223342", "200.50", "M2"]]


@pytest.mark.parametrize("line_end", ["\r", "\n", "\r\n"])
def test_csv_lines_may_end_in_cr_lf_or_crlf(hub: Hub, line_end: str) -> None:
    text = line_end.join(",".join(r) for r in [HEADER, *ROWS]) + line_end
    resp = upload(hub, text)
    assert resp.status_code == 201, resp.get_json()
    assert [s["cod_amount"] for s in resp.get_json()["shipments"]] == ["100.00", "200.50"]


def test_a_csv_cell_over_the_readers_limit_is_refused_naming_its_line(hub: Hub) -> None:
    before = stored(hub.engine)
    text = (
        ",".join(HEADER)
        + "\r\n"
        + ",".join(ROWS[0])
        + "\r\n"
        + f"{DEST},{'x' * 200_000},01711223342,1,M3\r\n"
    )
    resp = upload(hub, text)
    assert resp.status_code == 422
    assert error(resp)["items"][0]["line"] == 3, error(resp)
    assert stored(hub.engine) == before


def test_a_csv_with_an_open_quote_is_refused_naming_a_line(hub: Hub) -> None:
    resp = upload(hub, ",".join(HEADER) + "\r\n" + f'{DEST},"Karim,01711223341,100,M1\r\n')
    assert resp.status_code == 422 and "line" in error(resp)["items"][0]


# --- labels ---------------------------------------------------------------------------------------


@pytest.mark.parametrize("name", ["Rahima\nBegum", "রহিমা\r\nবেগম", "Tab\there", "Vertical\x0bTab"])
def test_a_name_with_a_line_break_prints_on_one_label_line(hub: Hub, name: str) -> None:
    body = SHIPMENT | {"recipient": {"name": name, "phone": "01711223344"}, "reference": None}
    made = hub.client.post("/api/v1/merchant/shipments", headers=hub.merchant, json=body)
    assert made.status_code == 201
    tracking_id = made.get_json()["tracking_id"]
    label = hub.client.get(f"/api/v1/merchant/shipments/{tracking_id}/label.png", headers=hub.merchant)
    assert label.status_code == 200 and label.mimetype == "image/png"
    decoded = {r.text for r in zxingcpp.read_barcodes(Image.open(io.BytesIO(label.data)))}
    assert tracking_id in decoded


# --- spreadsheets ---------------------------------------------------------------------------------


@pytest.mark.parametrize("value", ['=HYPERLINK("http://x")', "+1+1", "-2+3", "@SUM(A1)", "\tcmd", "\rx"])
def test_a_cell_a_spreadsheet_would_run_is_neutralised(value: str) -> None:
    assert safe_cell(value) == "'" + value
    assert safe_cell("Shop A") == "Shop A" and safe_cell(12) == 12


def test_the_remittance_export_neutralises_merchant_text(hub: Hub) -> None:
    made = hub.client.post("/api/v1/merchant/shipments", headers=hub.merchant, json=SHIPMENT)
    tracking_id = made.get_json()["tracking_id"]
    hub.apply(
        event(ORIGIN, 1, accepted(tracking_id)),
        event(DEST, 1, arrived(tracking_id)),
        event(DEST, 2, delivered(tracking_id)),
    )
    account = {"account_name": '=HYPERLINK("http://evil")', "account_number": "01811000111"}
    assert (
        hub.client.put("/api/v1/merchant/payout-account", headers=hub.merchant, json=account).status_code
        == 200
    )
    batch = hub.client.post("/api/v1/admin/remittances", headers=hub.admin).get_json()
    text = hub.client.get(f"/api/v1/admin/remittances/{batch['id']}/export.csv", headers=hub.admin).get_data(
        as_text=True
    )
    rows = list(csv.reader(io.StringIO(text)))
    assert rows[1][2] == "'" + account["account_name"]
    assert all(not cell.startswith(("=", "+", "-", "@", "\t", "\r")) for row in rows for cell in row)
    with hub.engine.connect() as conn:
        assert conn.execute(select(func.count()).select_from(cod_ledger)).scalar_one() == 1
    assert cod  # the ledger module wrote the line the export reads


@pytest.mark.parametrize("number", ["+8801811000111", "-123456", "=1+1abc"])
def test_an_account_number_cannot_start_like_a_formula(hub: Hub, number: str) -> None:
    resp = hub.client.put(
        "/api/v1/merchant/payout-account",
        headers=hub.merchant,
        json={"account_name": "Shop", "account_number": number},
    )
    assert resp.status_code == 422 and error(resp)["message"].startswith("account_number:")


# --- webhooks aimed inside --------------------------------------------------------------------------


@pytest.mark.parametrize(
    "url",
    [
        "http://127.0.0.1:8080/hook",
        "http://localhost/hook",
        "http://169.254.169.254/latest/meta-data/",
        "http://10.0.0.7/hook",
        "http://192.168.1.1/hook",
        "http://172.16.0.1/hook",
        "http://100.64.0.1/hook",
        "http://[::1]/hook",
        "http://[::ffff:127.0.0.1]/hook",
        "http://0.0.0.0/hook",
        "http://0/hook",
        "https://user:pass@example.com/hook",
        "ftp://example.com/hook",
        "http://no-such-host.invalid/hook",
    ],
)
def test_a_webhook_aimed_inside_is_refused_at_registration(any_engine: Engine, url: str) -> None:
    hub = _hub(any_engine, policy=TargetPolicy())  # the default: public addresses only
    before = stored(hub.engine)
    resp = hub.client.post("/api/v1/merchant/webhooks", headers=hub.merchant, json={"url": url})
    assert resp.status_code == 422, resp.get_json()
    assert error(resp)["message"].startswith("url")
    assert stored(hub.engine) == before


def test_a_webhook_that_resolves_inside_at_delivery_is_refused_and_nothing_is_sent(hub: Hub) -> None:
    sink = WebhookSink().start()
    strict = WebhookSender(hub.engine, first_retry_s=0.01)  # this deployment allows nothing inside
    allowed = WebhookSender(hub.engine, first_retry_s=0.01, policy=LOCAL_RECEIVERS)
    try:
        url = sink.url.replace("127.0.0.1", "localhost")  # a name, resolved at each delivery
        assert (
            hub.client.post("/api/v1/merchant/webhooks", headers=hub.merchant, json={"url": url}).status_code
            == 201
        )
        made = hub.client.post("/api/v1/merchant/shipments", headers=hub.merchant, json=SHIPMENT)
        hub.apply(event(ORIGIN, 1, accepted(made.get_json()["tracking_id"])))
        assert strict.run_once() == 0
        assert sink.deliveries == []
        with hub.engine.connect() as conn:
            row = conn.execute(select(webhook_outbox.c.status, webhook_outbox.c.last_error)).one()
        assert row.status == "pending" and row.last_error.startswith("refused:")
        with hub.engine.begin() as conn:
            conn.execute(webhook_outbox.update().values(next_attempt_at=func.now()))
        assert allowed.run_once() == 1 and len(sink.deliveries) == 1
        assert sink.deliveries[0].headers["Host"] == url.split("/")[2]
    finally:
        strict.close()
        allowed.close()
        sink.stop()


# --- methods ------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("method", "path", "allowed"),
    [
        ("patch", "/api/v1/merchant/shipments", {"GET", "POST"}),
        ("get", "/api/v1/merchant/shipments/bulk", {"POST"}),
        ("post", "/api/v1/track/CP123456785BD", {"GET"}),
        ("delete", "/api/v1/openapi.json", {"GET"}),
        ("put", "/track", {"GET"}),
    ],
)
def test_a_405_says_which_methods_there_are(hub: Hub, method: str, path: str, allowed: set[str]) -> None:
    resp = getattr(hub.client, method)(path, headers=hub.merchant)
    assert resp.status_code == 405
    assert {m.strip() for m in resp.headers["Allow"].split(",")} - {"HEAD", "OPTIONS"} == allowed
    if path.startswith("/api/"):
        assert error(resp)["code"] == "method_not_allowed"
    else:
        assert resp.mimetype == "text/html" and "Method Not Allowed" not in resp.get_data(as_text=True)


def test_options_on_bulk_does_not_advertise_get(hub: Hub) -> None:
    resp = hub.client.options("/api/v1/merchant/shipments/bulk")
    assert {m.strip() for m in resp.headers["Allow"].split(",")} == {"POST", "OPTIONS"}


@pytest.mark.parametrize(("lang", "words"), [("bn", "এই পাতাটি নেই।"), ("en", "This page does not exist.")])
def test_the_hubs_404_page_is_its_own_in_the_pages_language(hub: Hub, lang: str, words: str) -> None:
    resp = hub.client.get(f"/no/such/page?lang={lang}")
    assert resp.status_code == 404 and words in resp.get_data(as_text=True)
    assert "Not Found" not in resp.get_data(as_text=True)
    api = hub.client.get("/api/v1/no-such")
    assert api.status_code == 404 and error(api)["code"] == "not_found"
