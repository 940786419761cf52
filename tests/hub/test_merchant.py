"""The merchant API end to end through Flask's test client, on SQLite and PostgreSQL."""

from __future__ import annotations

import csv
import fcntl
import io
import json
import os
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal
from pathlib import Path

import pytest
import zxingcpp
from flask.testing import FlaskClient
from PIL import Image
from sqlalchemy import Engine, func, select

from hub.apikeys import create_api_key
from hub.db import engine as engine_module
from hub.db.engine import make_engine, migrate
from hub.db.schema import cod_ledger, mqtt_outbox, preadvices, serial_blocks, webhook_outbox
from hub.db.turns import turn_file
from hub.ingest.apply import Inbound, apply_batch
from hub.ingest.booths import BLOCK_SIZE, allocate_block, ensure_booth
from hub.merchant import cod
from hub.merchant.sender import WebhookSender
from hub.merchant.webhook_targets import TargetPolicy
from hub.merchant.webhooks import verify
from hub.monitoring.reader import reader_engine
from hub.web import WebContext, create_app
from parcel import s10
from parcel.control import Manifest
from tests.hub.factory import DEST, NOW, ORIGIN, T0, accepted, arrived, cash_closed, delivered, event, ready
from tests.hub.sinks import WebhookSink


@dataclass
class Hub:
    """A hub app on a database, with a merchant and an admin key."""

    engine: Engine
    client: FlaskClient
    merchant: dict[str, str]
    admin: dict[str, str]

    def apply(self, *messages: Inbound) -> None:
        """Commit messages as one ingest batch."""
        with self.engine.begin() as conn:
            apply_batch(conn, list(messages), NOW)


# The tests' webhook receivers listen on loopback, which a hub refuses unless its config allows it.
LOCAL_RECEIVERS = TargetPolicy.allowing(["127.0.0.0/8"])


def _hub(engine: Engine, policy: TargetPolicy = LOCAL_RECEIVERS) -> Hub:
    with engine.begin() as conn:
        ensure_booth(conn, ORIGIN, NOW)
        ensure_booth(conn, DEST, NOW)
        merchant = create_api_key(conn, "shop-a", "merchant")
        admin = create_api_key(conn, "ops", "admin")
    client = create_app(WebContext(engine=engine, webhook_policy=policy)).test_client()
    return Hub(
        engine,
        client,
        {"Authorization": f"Bearer {merchant}"},
        {"Authorization": f"Bearer {admin}"},
    )


@pytest.fixture
def hub(any_engine: Engine) -> Hub:
    """The hub on SQLite and on PostgreSQL."""
    return _hub(any_engine)


@pytest.fixture
def lite(engine: Engine) -> Hub:
    """The hub on SQLite only (for tests whose database side is covered by `hub`)."""
    return _hub(engine)


@pytest.fixture
def sink() -> Iterator[WebhookSink]:
    """A merchant's webhook receiver."""
    peer = WebhookSink().start()
    try:
        yield peer
    finally:
        peer.stop()


SHIPMENT = {
    "destination": DEST,
    "recipient": {"name": "রহিমা বেগম", "phone": "01711223344"},
    "cod_amount": "1250.00",
    "weight_g": 800,
    "reference": "ORD-1001",
}


def test_merchant_preadvises_follows_and_gets_paid(hub: Hub, sink: WebhookSink) -> None:
    c = hub.client
    assert (
        c.put(
            "/api/v1/merchant/payout-account",
            headers=hub.merchant,
            json={"account_name": "Shop A", "account_number": "01811000111"},
        ).status_code
        == 200
    )
    hook = c.post("/api/v1/merchant/webhooks", headers=hub.merchant, json={"url": sink.url})
    assert hook.status_code == 201
    secret = hook.get_json()["secret"]

    resp = c.post("/api/v1/merchant/shipments", headers=hub.merchant, json=SHIPMENT)
    assert resp.status_code == 201, resp.get_json()
    t = resp.get_json()["tracking_id"]
    assert s10.validate(t) == t
    with hub.engine.connect() as conn:
        booth_ends = conn.execute(select(func.max(serial_blocks.c.end))).scalar_one()
        manifest = conn.execute(
            select(mqtt_outbox.c.topic, mqtt_outbox.c.payload).where(mqtt_outbox.c.cause == f"preadvice:{t}")
        ).one()
    assert int(t[2:10]) >= booth_ends  # from the merchant's own block, above every booth block
    assert manifest.topic == f"dak/v1/booth/{DEST}/manifest"
    sent = Manifest.model_validate_json(manifest.payload)
    assert sent.merchant == "shop-a" and sent.cod_amount == Decimal("1250.00")
    assert (
        c.get(f"/api/v1/merchant/shipments/{t}", headers=hub.merchant).get_json()["status"] == "pre_advised"
    )

    done = event(DEST, 3, delivered(t), at=T0 + timedelta(hours=30))
    hub.apply(event(ORIGIN, 1, accepted(t), at=T0), event(DEST, 1, arrived(t)), event(DEST, 2, ready(t)))
    hub.apply(done, done)  # a redelivery in the same batch
    hub.apply(done)  # and in a later one
    view = c.get(f"/api/v1/merchant/shipments/{t}", headers=hub.merchant).get_json()
    assert view["status"] == "delivered" and len(view["events"]) == 4

    sender = WebhookSender(hub.engine, policy=LOCAL_RECEIVERS)
    try:
        assert sender.run_once() == 4
    finally:
        sender.close()
    assert len(sink.deliveries) == 4
    for d in sink.deliveries:
        stamp = int(d.headers["X-Dak-Timestamp"])
        assert verify(secret, stamp, d.body, d.headers["X-Dak-Signature"], time.time())
        assert not verify(secret, stamp, d.body + b" ", d.headers["X-Dak-Signature"], time.time())
        assert b"482913" not in d.body and b"code" not in d.body
    types = sorted(json.loads(d.body)["type"] for d in sink.deliveries)
    assert types == ["parcel.accepted", "parcel.arrived", "parcel.delivered", "parcel.ready"]

    statement = c.get("/api/v1/merchant/cod", headers=hub.merchant).get_json()
    assert (statement["collected"], statement["outstanding"]) == ("1250.00", "1250.00")

    day = cod.business_date(T0 + timedelta(hours=30))
    hub.apply(event(DEST, 4, cash_closed(day, "1250.00", "1200.00", reason="short 50")))
    rec = c.get(f"/api/v1/admin/cod/reconciliation?date={day}", headers=hub.admin).get_json()["booths"]
    row = next(r for r in rec if r["booth"] == DEST)
    assert (row["booth_expected"], row["booth_counted"], row["cash_difference"]) == (
        "1250.00",
        "1200.00",
        "-50.00",
    )
    assert row["merchant_cod"] == "1250.00" and row["short_of_merchant_cod"] is True
    assert c.get(f"/api/v1/admin/cod/reconciliation?date={day}", headers=hub.merchant).status_code == 403

    made = c.post("/api/v1/admin/remittances", headers=hub.admin)
    assert made.status_code == 201 and made.get_json()["total"] == "1250.00"
    batch_id = made.get_json()["id"]
    assert c.post("/api/v1/admin/remittances", headers=hub.admin).status_code == 409  # nothing left
    exported = c.get(f"/api/v1/admin/remittances/{batch_id}/export.csv", headers=hub.admin)
    rows = list(csv.DictReader(io.StringIO(exported.get_data(as_text=True))))
    assert [(r["payee_account"], r["amount_bdt"], r["merchant"]) for r in rows] == [
        ("01811000111", "1250.00", "shop-a")
    ]
    paid = c.post(
        f"/api/v1/admin/remittances/{batch_id}/remitted", headers=hub.admin, json={"transfer_ref": "EMTS-77"}
    )
    assert paid.status_code == 200 and paid.get_json()["status"] == "remitted"
    again = c.post(
        f"/api/v1/admin/remittances/{batch_id}/remitted", headers=hub.admin, json={"transfer_ref": "EMTS-78"}
    )
    assert again.status_code == 409
    statement = c.get("/api/v1/merchant/cod", headers=hub.merchant).get_json()
    assert (statement["remitted"], statement["outstanding"]) == ("1250.00", "0.00")


def test_concurrent_remittance_batches_never_take_a_line_twice(hub: Hub) -> None:
    with hub.engine.begin() as conn:
        cod.set_payout_account(conn, "shop-a", "Shop A", "01811000111", NOW)
        for i in range(40):
            cod.record_delivery(conn, "shop-a", s10.make("CP", 20_000_000 + i), f"e{i}", DEST, NOW, "10.50")
    made: list[dict[str, object]] = []
    lock = threading.Lock()

    def batcher() -> None:
        for _ in range(5):
            with hub.engine.begin() as conn:
                got = cod.create_batch(conn, NOW)
            if got is not None:
                with lock:
                    made.append(got)

    threads = [threading.Thread(target=batcher) for _ in range(4)]
    for th in threads:
        th.start()
    for th in threads:
        th.join(60)
    assert sum(int(str(b["items"])) for b in made) == 40
    assert sum(Decimal(str(b["total"])) for b in made) == Decimal("420.00")
    with hub.engine.connect() as conn:
        assert conn.execute(select(func.count()).where(cod_ledger.c.remittance_id.is_(None))).scalar() == 0
        # A second delivery of a parcel already in the ledger adds nothing.
        assert not cod.record_delivery(
            conn, "shop-a", s10.make("CP", 20_000_000), "other", DEST, NOW, "10.50"
        )


def test_bulk_preadvice_json_and_csv_all_or_nothing(lite: Hub) -> None:
    c = lite.client
    bad = [
        SHIPMENT | {"reference": "A"},
        SHIPMENT | {"reference": "B", "cod_amount": "12.345"},
        SHIPMENT | {"reference": "C", "destination": "BD-9999-01"},
    ]
    resp = c.post("/api/v1/merchant/shipments/bulk", headers=lite.merchant, json={"shipments": bad})
    assert resp.status_code == 422
    items = resp.get_json()["error"]["items"]
    assert [i["index"] for i in items] == [1]  # the field error first; booths are checked after
    bad[1] = SHIPMENT | {"reference": "B"}
    resp = c.post("/api/v1/merchant/shipments/bulk", headers=lite.merchant, json={"shipments": bad})
    assert resp.status_code == 422 and resp.get_json()["error"]["items"][0]["index"] == 2
    with lite.engine.connect() as conn:
        assert conn.execute(select(func.count()).select_from(preadvices)).scalar() == 0

    good = [SHIPMENT | {"reference": f"J{i}"} for i in range(3)]
    resp = c.post("/api/v1/merchant/shipments/bulk", headers=lite.merchant, json={"shipments": good})
    assert resp.status_code == 201
    json_ids = [s["tracking_id"] for s in resp.get_json()["shipments"]]
    text = "destination,recipient_name,recipient_phone,cod_amount,weight_g,reference\r\n" + "".join(
        f"{DEST},করিম {i},0171122334{i},{i}00,,C{i}\r\n" for i in range(4)
    )
    resp = c.post(
        "/api/v1/merchant/shipments/bulk",
        headers=lite.merchant | {"Content-Type": "text/csv"},
        data=text.encode(),
    )
    assert resp.status_code == 201, resp.get_json()
    csv_ids = [s["tracking_id"] for s in resp.get_json()["shipments"]]
    assert len(set(json_ids + csv_ids)) == 7 and all(s10.validate(t) == t for t in csv_ids)
    # A retried request with the same references is refused, not duplicated.
    resp = c.post("/api/v1/merchant/shipments/bulk", headers=lite.merchant, json={"shipments": good[:1]})
    assert resp.status_code == 422 and json_ids[0] in resp.get_json()["error"]["message"]
    listing = c.get("/api/v1/merchant/shipments?limit=5", headers=lite.merchant).get_json()
    assert len(listing["shipments"]) == 5 and listing["next_after"] == listing["shipments"][-1]["tracking_id"]
    rest = c.get(
        f"/api/v1/merchant/shipments?after={listing['next_after']}", headers=lite.merchant
    ).get_json()
    assert len(rest["shipments"]) == 2 and rest["next_after"] is None
    assert (
        c.get("/api/v1/merchant/shipments?reference=C2", headers=lite.merchant).get_json()["shipments"][0][
            "recipient"
        ]["name"]
        == "করিম 2"
    )


def test_label_carries_the_number_in_code128_and_qr(lite: Hub) -> None:
    t = lite.client.post("/api/v1/merchant/shipments", headers=lite.merchant, json=SHIPMENT).get_json()[
        "tracking_id"
    ]
    resp = lite.client.get(f"/api/v1/merchant/shipments/{t}/label.png", headers=lite.merchant)
    assert resp.status_code == 200 and resp.mimetype == "image/png"
    image = Image.open(io.BytesIO(resp.data))
    found = {(r.format.name, r.text) for r in zxingcpp.read_barcodes(image)}
    assert ("Code128", t) in found and ("QRCode", t) in found


def test_merchants_see_only_their_own_shipments(lite: Hub) -> None:
    with lite.engine.begin() as conn:
        other = {"Authorization": "Bearer " + create_api_key(conn, "shop-b", "merchant")}
    t = lite.client.post("/api/v1/merchant/shipments", headers=lite.merchant, json=SHIPMENT).get_json()[
        "tracking_id"
    ]
    assert lite.client.get(f"/api/v1/merchant/shipments/{t}", headers=other).status_code == 404
    assert lite.client.get(f"/api/v1/merchant/shipments/{t}/label.png", headers=other).status_code == 404
    assert lite.client.get("/api/v1/merchant/shipments", headers=other).get_json()["shipments"] == []
    assert lite.client.get("/api/v1/merchant/shipments", headers=lite.admin).status_code == 403
    assert lite.client.get("/api/v1/merchant/shipments").status_code == 401


def test_webhook_retries_with_exponential_backoff(lite: Hub) -> None:
    peer = WebhookSink(fail_first=2).start()
    try:
        lite.client.post("/api/v1/merchant/webhooks", headers=lite.merchant, json={"url": peer.url})
        t = lite.client.post("/api/v1/merchant/shipments", headers=lite.merchant, json=SHIPMENT).get_json()[
            "tracking_id"
        ]
        lite.apply(event(ORIGIN, 1, accepted(t), at=T0))
        now = [NOW]
        sender = WebhookSender(lite.engine, clock=lambda: now[0], policy=LOCAL_RECEIVERS)
        assert sender.run_once() == 0  # 503: next try in 5 s
        assert sender.run_once() == 0  # not due yet: nothing sent
        assert peer.refused == 1
        now[0] += timedelta(seconds=5)
        assert sender.run_once() == 0 and peer.refused == 2
        now[0] += timedelta(seconds=9)
        assert sender.run_once() == 0 and peer.refused == 2  # the second wait is 10 s
        now[0] += timedelta(seconds=1)
        assert sender.run_once() == 1
        with lite.engine.connect() as conn:
            row = conn.execute(select(webhook_outbox.c.status, webhook_outbox.c.attempts)).one()
        assert (row.status, row.attempts) == ("sent", 3)
        assert len(peer.deliveries) == 1 and json.loads(peer.deliveries[0].body)["tracking_id"] == t
        sender.close()
    finally:
        peer.stop()


def test_booth_and_merchant_serial_blocks_never_overlap(lite: Hub) -> None:
    lite.client.post("/api/v1/merchant/shipments", headers=lite.merchant, json=SHIPMENT)
    with lite.engine.begin() as conn:
        allocate_block(conn, DEST, NOW)
        blocks = conn.execute(select(serial_blocks.c.start, serial_blocks.c.end)).all()
    merchant = int(
        lite.client.get("/api/v1/merchant/shipments", headers=lite.merchant).get_json()["shipments"][0][
            "tracking_id"
        ][2:10]
    )
    assert len(blocks) == 3 and all(b.end - b.start == BLOCK_SIZE for b in blocks)
    assert not any(b.start <= merchant < b.end for b in blocks)


def _route_path(rule: str) -> str:
    return "".join(
        "{" + part.split(":")[-1] + "}" if i % 2 else part
        for i, part in enumerate(rule.replace("<", ">").split(">"))
    )


def test_openapi_document_matches_the_routes(lite: Hub) -> None:
    doc = lite.client.get("/api/v1/openapi.json").get_json()
    assert doc["openapi"].startswith("3.")
    documented = {(path, m.upper()) for path, ops in doc["paths"].items() for m in ops}
    app = lite.client.application
    # blueprints this document covers
    described = {"api", "merchant_api", "cod_api", "openapi", "sms_delivery"}
    routed = {
        (_route_path(rule.rule), m)
        for rule in app.url_map.iter_rules()
        if rule.rule.startswith("/api/") and rule.endpoint.split(".")[0] in described
        for m in rule.methods or ()
        if m not in {"HEAD", "OPTIONS"}
    }
    assert documented == routed
    for ops in doc["paths"].values():
        for op in ops.values():
            for ref in json.dumps(op).split('"$ref": "#/components/schemas/')[1:]:
                assert ref.split('"')[0] in doc["components"]["schemas"]


def test_business_date_is_dhaka_time() -> None:
    assert cod.business_date(datetime.fromisoformat("2026-11-20T18:30:00+00:00")) == "2026-11-21"


def test_cod_reads_answer_while_ingest_holds_the_writer_turn(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The admin's COD reads go through the query-only engine: with a writer in the middle of a batch
    (holding the SQLite writer turn, which PostgreSQL has no need of), they answer at once instead of
    waiting behind it."""
    engine = make_engine(f"sqlite:///{tmp_path / 'hub.sqlite'}")
    migrate(engine)
    hub = _hub(engine)
    t = s10.make("CP", 20_000_001)
    hub.apply(event(ORIGIN, 1, accepted(t)), event(DEST, 1, arrived(t)), event(DEST, 2, delivered(t)))
    reader = reader_engine(engine)
    client = create_app(WebContext(engine=engine, reader=reader)).test_client()
    monkeypatch.setattr(engine_module, "BUSY_TIMEOUT_MS", 300)  # a writer would give up fast
    path = turn_file(str(engine.url))
    assert path is not None
    holder = os.open(path, os.O_RDWR | os.O_CREAT)
    try:
        fcntl.flock(holder, fcntl.LOCK_EX | fcntl.LOCK_NB)  # ingest's turn, taken
        day = NOW.date().isoformat()
        rec = client.get(f"/api/v1/admin/cod/reconciliation?date={day}", headers=hub.admin)
        assert rec.status_code == 200 and rec.get_json()["business_date"] == day
        assert client.get("/api/v1/admin/remittances/999", headers=hub.admin).status_code == 404
        assert client.get("/api/v1/admin/remittances/999/export.csv", headers=hub.admin).status_code == 404
        # A write does wait for the turn, and gives up after the busy timeout.
        assert client.post("/api/v1/admin/remittances", headers=hub.admin).status_code >= 500
    finally:
        os.close(holder)
        reader.dispose()
        engine.dispose()
