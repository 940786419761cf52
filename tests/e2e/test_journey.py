"""A parcel's whole journey through real processes, driven only through the contract APIs."""

from __future__ import annotations

import re
import sqlite3
from decimal import Decimal

import pytest

from demo.client import ApiError, wait_until
from demo.sms_sink import SmsSink
from demo.stack import Stack
from demo.traffic import cod_known
from parcel import s10

A, B = "BD-1000-01", "BD-4000-01"
PHONE = "+8801712345678"


def hub_rows(stack: Stack, sql: str, *args: object) -> list[tuple[object, ...]]:
    """Read the hub's SQLite database directly (read-only) to check what was committed."""
    path = stack.hub_config.parent / "hub.sqlite"
    with sqlite3.connect(f"file:{path}?mode=ro", uri=True) as db:
        return db.execute(sql, args).fetchall()


@pytest.mark.slow
def test_intake_receive_handover_ends_delivered_at_the_hub(stack: Stack, sms_sink: SmsSink) -> None:
    at_a = stack.kiosks[A].client()
    at_b = stack.kiosks[B].client()

    parcel = at_a.intake(
        recipient={"name": "রহিমা খাতুন", "phone": "01712345678"},
        destination=B,
        cod_amount="1250.50",
    )
    tracking_id = parcel["tracking_id"]
    assert s10.is_valid(tracking_id)
    assert parcel["weight_g"] == stack.kiosks[A].spec.weight_g  # read from the simulated scale
    assert Decimal(parcel["fee"]) > 0
    assert parcel["printed"] is True

    hub = stack.hub_client()
    wait_until(lambda: hub.track(tracking_id)["status"] == "accepted", what="acceptance at the hub")

    # B receives it once the hub has sent B the manifest (COD due, recipient).
    assert at_b.receive(tracking_id) == {"tracking_id": tracking_id, "status": "ready"}

    # The customer's code comes from the SMS the hub sent, not from any backdoor.
    code = wait_until(lambda: sms_sink.code_for(PHONE, tracking_id), timeout=30, what="the SMS")
    # Received before the manifest came, the COD due is unknown until it does (a clerk waits too).
    wait_until(lambda: cod_known(at_b, tracking_id), what="the manifest at B")
    wrong = f"{(int(code) + 1) % 1_000_000:06d}"
    with pytest.raises(ApiError) as err:
        at_b.handover(tracking_id, wrong, "1250.50")
    assert err.value.code == "wrong_code"
    with pytest.raises(ApiError) as err:
        at_b.handover(tracking_id, code, "1250.00")
    assert err.value.code == "cod_mismatch"

    assert at_b.handover(tracking_id, code, "1250.50") == {"status": "delivered"}

    tracked = wait_until(
        lambda: (t := hub.track(tracking_id))["status"] == "delivered" and t, what="delivery at the hub"
    )
    types = [e["type"] for e in tracked["events"]]
    assert types[0] == "parcel.accepted"
    assert types[-1] == "parcel.delivered"
    # One wrong code is audited at the booth but is not a failed handover; no dispatch scan was made.
    assert types == ["parcel.accepted", "parcel.arrived", "parcel.ready", "parcel.delivered"]
    assert {e["booth"] for e in tracked["events"]} == {A, B}
    text = str(tracked)
    assert PHONE not in text and "রহিমা" not in text and code not in text  # no personal data, no code

    # The code was never stored in plaintext at the hub, and every outbox emptied.
    assert not hub_rows(stack, "select id from events where data like ?", f"%{code}%")
    for kiosk in (stack.kiosks[A], stack.kiosks[B]):
        client = kiosk.client()
        state = wait_until(
            lambda c=client: (u := c.uplink())["outbox_depth"] == 0 and u, what="outbox drained"
        )
        assert state["acked_upto"] == state["last_seq"] > 0

    # Nothing secret in any process log of the whole journey.
    key = stack.create_api_key("journey-check", "monitor")
    logs = stack.logs(tail=None)
    assert tracking_id in logs  # the logs do record the journey, just not its secrets
    for secret in (code, wrong, stack.kiosks[A].spec.pin, stack.kiosks[B].spec.supervisor_pin, key):
        assert not re.search(rf"(?<![0-9A-Za-z]){re.escape(secret)}(?![0-9A-Za-z])", logs), secret


@pytest.mark.slow
def test_bad_input_changes_nothing_and_nothing_stops(stack: Stack) -> None:
    at_a = stack.kiosks[A].client()
    before = at_a.uplink()["last_seq"]
    with pytest.raises(ApiError) as err:
        at_a.login("clerk", "0000")
    assert err.value.status == 401
    at_a = stack.kiosks[A].client()
    for body, code in [
        ({"tracking_id": "CP123456784BD"}, "invalid_tracking_id"),
        ({"recipient": {"name": "x", "phone": "12345"}}, None),
        ({"cod_amount": "12.345"}, None),
    ]:
        request = {
            "recipient": {"name": "Rahim", "phone": "01712345678"},
            "destination": B,
            "cod_amount": "10",
        }
        request.update(body)
        with pytest.raises(ApiError) as err:
            at_a.intake(**request)
        assert 400 <= err.value.status < 500
        if code:
            assert err.value.code == code
    with pytest.raises(ApiError) as err:
        at_a.handover(s10.make("CP", 99_999_999), "123456", "0")
    assert err.value.status in (404, 409)
    assert at_a.uplink()["last_seq"] == before  # no event was written for any of it

    # A malformed message on the wire goes to dead letters; ingest carries on.
    import paho.mqtt.publish as publish

    publish.single(
        f"dak/v1/booth/{A}/event", b"{garbled", qos=1, hostname="127.0.0.1", port=stack.broker.port
    )
    wait_until(lambda: hub_rows(stack, "select reason from dead_letters"), what="the dead letter")
    parcel = at_a.intake(recipient={"name": "Rahim", "phone": "01712345678"}, destination=B, cod_amount="0")
    hub = stack.hub_client()
    wait_until(lambda: hub.track(parcel["tracking_id"])["status"] == "accepted", what="ingest still running")
