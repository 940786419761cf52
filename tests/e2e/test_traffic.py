"""The demo's traffic: a whole journey through the contract APIs, waiting as a clerk would."""

from __future__ import annotations

import random

import pytest

from demo.client import wait_until
from demo.sms_sink import SmsSink
from demo.stack import Stack
from demo.traffic import cod_known, one_journey
from parcel import s10
from tests.e2e.test_journey import B


@pytest.mark.slow
def test_a_journey_waits_for_the_manifest_and_ends_delivered(stack: Stack, sms_sink: SmsSink) -> None:
    at_b = stack.kiosks[B].client()
    # A parcel the hub never heard of, received at B: no manifest will come, so its COD due stays
    # unknown and the journey's wait would not end (the handover would be refused as cod_unknown).
    stray = s10.make("CP", 99_999_990)
    assert at_b.receive(stray)["status"] == "ready"
    assert [p["cod_amount"] for p in at_b.find(stray)] == [None]
    assert not cod_known(at_b, stray)

    tracking_id = one_journey(stack, sms_sink, random.Random(7))

    # At its destination it was handed over with the COD due its manifest brought.
    [row] = [row for kiosk in stack.kiosks.values() for row in kiosk.client().find(tracking_id)]
    assert row["status"] == "delivered" and row["cod_amount"] is not None
    hub = stack.hub_client()
    tracked = wait_until(
        lambda: (t := hub.track(tracking_id))["status"] == "delivered" and t, what="delivery at the hub"
    )
    assert [e["type"] for e in tracked["events"]][-1] == "parcel.delivered"
