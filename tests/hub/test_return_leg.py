"""Pre-advice with an origin booth and the return leg at the hub, on SQLite and PostgreSQL."""

from __future__ import annotations

import itertools
import json
import uuid
from datetime import datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import Engine, select

from hub.care import parcel_file
from hub.db.schema import (
    anomalies,
    cod_ledger,
    dead_letters,
    mqtt_outbox,
    parcels,
    preadvices,
    webhook_outbox,
)
from hub.ingest.apply import Inbound
from hub.merchant.sender import WebhookSender
from hub.tracking import track
from parcel import topics
from parcel.control import Manifest
from parcel.lifecycle import EventType
from parcel.messages import Accepted, Recipient, ReturnArrived, ReturnCollected, Returned, Strict, make_event
from tests.hub.factory import DEST, ORIGIN, T0, arrived, ready
from tests.hub.factory import tid as tracking_number
from tests.hub.sinks import WebhookSink
from tests.hub.test_merchant import LOCAL_RECEIVERS, SHIPMENT, Hub, _hub

ELSEWHERE = "BD-4000-01"


@pytest.fixture
def hub(engine: Engine) -> Hub:
    """The hub app with a merchant key and two known booths (ORIGIN, DEST)."""
    return _hub(engine)


def ev(booth: str, seq: int, type_: EventType, data: Strict, hours: float) -> Inbound:
    """An event message of any type, at T0 + hours."""
    at = T0 + timedelta(hours=hours)
    payload = make_event(booth, seq, uuid.uuid4(), type_, at, data)
    return Inbound(topics.booth_topic(booth, topics.EVENT), payload, mid=seq, qos=1)


def acceptance(tid: str, merchant: str | None = "shop-a") -> Accepted:
    """The origin's acceptance of a pre-advised parcel (it carries the merchant)."""
    return Accepted(
        tracking_id=tid,
        origin=ORIGIN,
        destination=DEST,
        recipient=Recipient(name="রহিমা বেগম", phone="01711223344"),
        cod_amount="1250.00",
        fee="70.00",
        weight_g=800,
        merchant=merchant,
    )


def journey(tid: str, base: int = 0) -> list[Inbound]:
    """Accepted at ORIGIN, ready at DEST, refused and returned, back at ORIGIN and collected by the sender.

    base shifts every seq, so several parcels' journeys can share one hub.
    """
    collected = ReturnCollected(
        tracking_id=tid, collected_by="merchant", document_kind="nid", document_tail="3456"
    )
    return [
        ev(ORIGIN, base + 1, EventType.ACCEPTED, acceptance(tid), 0),
        ev(DEST, base + 1, EventType.ARRIVED, arrived(tid), 20),
        ev(DEST, base + 2, EventType.READY, ready(tid), 20.1),
        ev(
            DEST,
            base + 3,
            EventType.RETURNED,
            Returned(tracking_id=tid, reason="refused: did not order it"),
            30,
        ),
        ev(ORIGIN, base + 2, EventType.RETURN_ARRIVED, ReturnArrived(tracking_id=tid, shelf="R-2"), 50),
        ev(ORIGIN, base + 3, EventType.RETURN_COLLECTED, collected, 60),
    ]


def preadvise(hub: Hub, **extra: Any) -> Any:
    """POST one shipment (SHIPMENT plus extra); the response."""
    return hub.client.post("/api/v1/merchant/shipments", headers=hub.merchant, json=SHIPMENT | extra)


def outbox(engine: Engine, cause: str) -> tuple[str, Manifest] | None:
    """(topic, manifest) of the MQTT outbox row with this cause, or None."""
    with engine.connect() as conn:
        row = conn.execute(
            select(mqtt_outbox.c.topic, mqtt_outbox.c.payload).where(mqtt_outbox.c.cause == cause)
        ).first()
    return None if row is None else (row.topic, Manifest.model_validate_json(row.payload))


def status(engine: Engine, tid: str) -> str | None:
    with engine.connect() as conn:
        return conn.execute(select(parcels.c.status).where(parcels.c.tracking_id == tid)).scalar()


def anomaly_reasons(engine: Engine, tid: str) -> list[str]:
    with engine.connect() as conn:
        return list(conn.execute(select(anomalies.c.reason).where(anomalies.c.tracking_id == tid)).scalars())


# -- pre-advice with an origin ----------------------------------------------------------------------


def test_a_pre_advice_with_an_origin_reaches_the_origin_for_intake_and_the_destination(hub: Hub) -> None:
    resp = preadvise(hub, origin=ORIGIN)
    assert resp.status_code == 201, resp.get_json()
    body = resp.get_json()
    t = body["tracking_id"]
    assert (body["origin"], body["destination"]) == (ORIGIN, DEST)
    sent = outbox(hub.engine, f"preadvice-origin:{t}")
    assert sent is not None
    topic, intake = sent
    assert topic == f"dak/v1/booth/{ORIGIN}/manifest"
    assert (intake.purpose, intake.origin, intake.destination, intake.merchant) == (
        "intake",
        ORIGIN,
        DEST,
        "shop-a",
    )
    assert intake.recipient.phone == "+8801711223344" and str(intake.cod_amount) == "1250.00"
    dest = outbox(hub.engine, f"preadvice:{t}")
    assert dest is not None
    assert dest[0] == f"dak/v1/booth/{DEST}/manifest"
    assert dest[1].purpose is None and dest[1].origin == ORIGIN
    with hub.engine.connect() as conn:
        raw = conn.execute(
            select(mqtt_outbox.c.payload).where(mqtt_outbox.c.cause == f"preadvice:{t}")
        ).scalar()
        assert (
            conn.execute(select(preadvices.c.origin).where(preadvices.c.tracking_id == t)).scalar() == ORIGIN
        )
    assert b"purpose" not in raw  # a destination manifest keeps the form older booths accept


def test_without_an_origin_only_the_destination_hears_of_it(hub: Hub) -> None:
    t = preadvise(hub, reference="ORD-2").get_json()["tracking_id"]
    assert outbox(hub.engine, f"preadvice-origin:{t}") is None
    assert outbox(hub.engine, f"preadvice:{t}") is not None
    same = preadvise(hub, reference="ORD-3", origin=DEST).get_json()
    assert same["origin"] == DEST
    assert outbox(hub.engine, f"preadvice-origin:{same['tracking_id']}") is None  # one booth, one manifest


@pytest.mark.parametrize(
    ("origin", "message"),
    [
        (ELSEWHERE, f"unknown origin booth {ELSEWHERE}"),
        ("Dhaka GPO", "origin"),
        (12, "origin"),
    ],
)
def test_an_unknown_or_malformed_origin_is_refused_and_nothing_is_stored(
    hub: Hub, origin: Any, message: str
) -> None:
    resp = preadvise(hub, origin=origin)
    assert resp.status_code == 422
    error = resp.get_json()["error"]
    assert error["code"] == "invalid_shipments" and message in error["message"]
    with hub.engine.connect() as conn:
        assert conn.execute(select(preadvices.c.tracking_id)).all() == []
        sent = select(mqtt_outbox.c.cause).where(mqtt_outbox.c.cause.like("preadvice%"))
        assert conn.execute(sent).all() == []


def test_bulk_json_and_csv_take_an_origin_per_shipment(hub: Hub) -> None:
    c = hub.client
    items = [SHIPMENT | {"reference": "B-1", "origin": ORIGIN}, SHIPMENT | {"reference": "B-2"}]
    resp = c.post("/api/v1/merchant/shipments/bulk", headers=hub.merchant, json={"shipments": items})
    assert resp.status_code == 201, resp.get_json()
    assert [s["origin"] for s in resp.get_json()["shipments"]] == [ORIGIN, None]
    bad = [SHIPMENT | {"reference": "B-3"}, SHIPMENT | {"reference": "B-4", "origin": ELSEWHERE}]
    resp = c.post("/api/v1/merchant/shipments/bulk", headers=hub.merchant, json={"shipments": bad})
    assert resp.status_code == 422
    assert resp.get_json()["error"]["items"] == [
        {"index": 1, "message": f"unknown origin booth {ELSEWHERE}", "reason": "unknown_booth"}
    ]
    text = (
        "destination,recipient_name,recipient_phone,cod_amount,weight_g,reference,origin\n"
        f"{DEST},Karim,01811223344,100,,C-1,{ORIGIN}\n"
        f"{DEST},Rahim,01811223345,0,500,C-2,\n"
    )
    headers = hub.merchant | {"Content-Type": "text/csv"}
    resp = c.post("/api/v1/merchant/shipments/bulk", headers=headers, data=text.encode())
    assert resp.status_code == 201, resp.get_json()
    made = resp.get_json()["shipments"]
    assert [s["origin"] for s in made] == [ORIGIN, None]
    assert outbox(hub.engine, f"preadvice-origin:{made[0]['tracking_id']}") is not None
    assert outbox(hub.engine, f"preadvice-origin:{made[1]['tracking_id']}") is None
    wrong = text.replace(f",C-1,{ORIGIN}", f",C-9,{ELSEWHERE}")
    resp = c.post("/api/v1/merchant/shipments/bulk", headers=headers, data=wrong.encode())
    assert resp.status_code == 422


def test_the_openapi_description_names_the_origin(hub: Hub) -> None:
    spec = hub.client.get("/api/v1/openapi.json").get_json()
    assert "origin" in spec["components"]["schemas"]["PreAdvice"]["properties"]
    assert "return_collected" in spec["components"]["schemas"]["Shipment"]["properties"]["status"]["enum"]


# -- the return leg at ingest -----------------------------------------------------------------------


def test_the_return_leg_is_derived_tracked_announced_and_sent_to_the_merchant(hub: Hub) -> None:
    sink = WebhookSink().start()
    try:
        hook = hub.client.post("/api/v1/merchant/webhooks", headers=hub.merchant, json={"url": sink.url})
        assert hook.status_code == 201
        t = preadvise(hub, origin=ORIGIN).get_json()["tracking_id"]
        steps = journey(t)
        hub.apply(*steps[:3])
        assert outbox(hub.engine, f"return:{t}") is None  # nothing to announce before a return
        hub.apply(steps[3])
        assert status(hub.engine, t) == "returned"
        sent = outbox(hub.engine, f"return:{t}")
        assert sent is not None
        topic, back = sent
        assert topic == f"dak/v1/booth/{ORIGIN}/manifest"
        assert (back.purpose, back.origin, back.destination, back.merchant) == (
            "return",
            ORIGIN,
            DEST,
            "shop-a",
        )
        assert back.return_reason == "refused: did not order it" and back.recipient.name == "রহিমা বেগম"
        hub.apply(steps[4])
        assert status(hub.engine, t) == "return_arrived"
        hub.apply(steps[5], steps[5])  # with a redelivery
        assert status(hub.engine, t) == "return_collected"
        assert anomaly_reasons(hub.engine, t) == []
        with hub.engine.connect() as conn:
            view = track(conn, t)
            causes = list(
                conn.execute(select(mqtt_outbox.c.cause).where(mqtt_outbox.c.cause.like("return:%")))
            )
            assert conn.execute(select(cod_ledger.c.id)).all() == []  # no COD on a return
            care = parcel_file(conn, t)
        assert len(causes) == 1
        assert view is not None and set(view) == {"tracking_id", "status", "events"}
        assert view["status"] == "return_collected"
        assert [e["type"] for e in view["events"]] == [
            "parcel.accepted",
            "parcel.arrived",
            "parcel.ready",
            "parcel.returned",
            "parcel.return_arrived",
            "parcel.return_collected",
        ]
        assert all(set(e) == {"type", "at", "booth"} for e in view["events"])
        assert [e["booth"] for e in view["events"]][-2:] == [ORIGIN, ORIGIN]
        public = hub.client.get(f"/api/v1/track/{t}").get_json()
        assert public == view
        assert "3456" not in json.dumps(public)
        assert care is not None and [e["type"] for e in care["events"]][-2:] == [
            "parcel.return_arrived",
            "parcel.return_collected",
        ]
        page = hub.client.get(f"/track/{t}").get_data(as_text=True)
        assert "Returned to the sender" in page or "প্রেরককে ফেরত দেওয়া হয়েছে" in page
        sender = WebhookSender(hub.engine, policy=LOCAL_RECEIVERS)
        try:
            assert sender.run_once() == 6
        finally:
            sender.close()
        delivered = sorted(json.loads(d.body)["type"] for d in sink.deliveries)
        assert "parcel.return_arrived" in delivered and "parcel.return_collected" in delivered
        with hub.engine.connect() as conn:
            assert len(conn.execute(select(webhook_outbox.c.id)).all()) == 6
    finally:
        sink.stop()


def test_the_return_leg_in_any_arrival_order_ends_collected(hub: Hub) -> None:
    # Batches in every order of three groups: the destination's events, the origin's, and its acceptance.
    for n, order in enumerate(itertools.permutations(range(3))):
        t = preadvise(hub, origin=ORIGIN, reference=f"P-{n}").get_json()["tracking_id"]
        steps = journey(t, base=10 * n)
        groups = [steps[1:4], steps[4:], steps[:1]]
        for g in order:
            hub.apply(*groups[g])
        assert status(hub.engine, t) == "return_collected", order
        assert anomaly_reasons(hub.engine, t) == []
        assert outbox(hub.engine, f"return:{t}") is not None
    t = preadvise(hub, origin=ORIGIN, reference="ONE-BY-ONE").get_json()["tracking_id"]
    for step in reversed(journey(t, base=100)):
        hub.apply(step)
    assert status(hub.engine, t) == "return_collected"


def test_the_return_manifest_comes_from_the_pre_advice_before_the_acceptance_lands(hub: Hub) -> None:
    t = preadvise(hub, origin=ORIGIN).get_json()["tracking_id"]
    steps = journey(t)
    hub.apply(*steps[1:4])  # the origin is offline: its acceptance has not come in
    sent = outbox(hub.engine, f"return:{t}")
    assert sent is not None
    assert sent[0] == f"dak/v1/booth/{ORIGIN}/manifest" and sent[1].merchant == "shop-a"
    hub.apply(steps[0])
    with hub.engine.connect() as conn:
        assert (
            len(conn.execute(select(mqtt_outbox.c.id).where(mqtt_outbox.c.cause == f"return:{t}")).all()) == 1
        )


def test_a_walk_in_return_waits_for_the_acceptance_to_know_where_to_go(hub: Hub) -> None:
    t = tracking_number(98765432)
    steps = journey(t)
    hub.apply(*steps[1:4])
    assert status(hub.engine, t) == "returned"
    assert outbox(hub.engine, f"return:{t}") is None  # no pre-advice, no acceptance: nowhere to send yet
    hub.apply(ev(ORIGIN, 1, EventType.ACCEPTED, acceptance(t, merchant=None), 0))
    sent = outbox(hub.engine, f"return:{t}")
    assert sent is not None and sent[0] == f"dak/v1/booth/{ORIGIN}/manifest" and sent[1].merchant is None


def test_a_return_leg_at_the_wrong_booth_or_after_a_delivery_is_an_anomaly(hub: Hub) -> None:
    t = preadvise(hub, origin=ORIGIN).get_json()["tracking_id"]
    steps = journey(t)
    wrong = ev(ELSEWHERE, 1, EventType.RETURN_ARRIVED, ReturnArrived(tracking_id=t), 50)
    hub.apply(*steps[:4], wrong)
    assert status(hub.engine, t) == "returned"
    assert anomaly_reasons(hub.engine, t) == [
        f"return arrived at {ELSEWHERE}, not at the sender's booth {ORIGIN}"
    ]
    hub.apply(steps[4])
    assert status(hub.engine, t) == "return_arrived"
    assert len(anomaly_reasons(hub.engine, t)) == 1


def test_the_new_events_are_valid_on_the_wire_and_bad_ones_are_dead_letters(hub: Hub) -> None:
    t = tracking_number(98765432)
    bad = {
        "v": 1,
        "booth": ORIGIN,
        "seq": 1,
        "id": str(uuid.uuid4()),
        "type": "parcel.return_collected",
        "at": (T0 + timedelta(hours=1)).isoformat(),
        "data": {
            "tracking_id": t,
            "collected_by": "merchant",
            "document_kind": "nid",
            "document_tail": "1990261234",
        },
    }
    hub.apply(Inbound(topics.booth_topic(ORIGIN, topics.EVENT), json.dumps(bad).encode(), mid=1, qos=1))
    assert status(hub.engine, t) is None
    with hub.engine.connect() as conn:
        [reason] = conn.execute(select(dead_letters.c.reason)).scalars()
    assert "document_tail" in reason


def test_times_are_kept_exactly(hub: Hub) -> None:
    t = preadvise(hub, origin=ORIGIN).get_json()["tracking_id"]
    hub.apply(*journey(t))
    with hub.engine.connect() as conn:
        view = track(conn, t)
    assert view is not None
    last = datetime.fromisoformat(view["events"][-1]["at"])
    assert last == T0 + timedelta(hours=60)
