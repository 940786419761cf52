"""A pre-advised parcel taken in at its origin booth, refused at its destination and handed back to its
merchant at the origin: real processes, driven only through the HTTP APIs."""

from __future__ import annotations

import pytest

from demo.client import ApiError, MerchantClient, wait_until
from demo.stack import Stack
from tests.e2e.test_journey import A, B, hub_rows

RECIPIENT = {"name": "নাসরিন আক্তার", "phone": "01712345678"}


@pytest.mark.slow
def test_pre_advised_at_the_origin_refused_and_handed_back_to_the_merchant(stack: Stack) -> None:
    merchant = MerchantClient(stack.hub_url, stack.create_api_key("chattogram-crafts", "merchant"))
    # The booths register with the hub when they first report; until then the pre-advice is refused.
    shipment = wait_until(
        lambda: merchant.preadvise(origin=A, destination=B, recipient=RECIPIENT, cod_amount="980.00"),
        what="the pre-advice",
    )
    tracking_id = shipment["tracking_id"]
    assert (shipment["origin"], shipment["destination"]) == (A, B)
    with pytest.raises(ApiError) as err:
        merchant.preadvise(origin="BD-9999-09", destination=B, recipient=RECIPIENT, cod_amount="1")
    assert err.value.status == 422

    # A's clerk scans the label: the intake fills from the pre-advice; the scale weighs it.
    at_a, at_b = stack.kiosks[A].client(), stack.kiosks[B].client()
    advice = wait_until(lambda: at_a.preadvice(tracking_id), what="the pre-advice at A")
    assert advice["merchant"] == "chattogram-crafts" and advice["destination"] == B
    taken = at_a.intake(
        tracking_id=tracking_id,
        recipient={"name": advice["name"], "phone": advice["phone"]},
        destination=advice["destination"],
        cod_amount=advice["cod_amount"],
        submission="e2e-intake-form-1",
    )
    assert taken["tracking_id"] == tracking_id and taken["weight_g"] == stack.kiosks[A].spec.weight_g
    with pytest.raises(ApiError) as err:
        at_a.preadvice(tracking_id)  # scanned again: already taken in
    assert err.value.code == "already_accepted"
    with pytest.raises(ApiError) as err:
        at_a.intake(
            tracking_id=tracking_id,
            recipient=RECIPIENT,
            destination=B,
            cod_amount="980.00",
            submission="e2e-intake-form-2",
        )
    assert err.value.code == "already_accepted"

    hub = stack.hub_client()
    wait_until(lambda: hub.track(tracking_id)["status"] == "accepted", what="acceptance at the hub")
    assert hub_rows(stack, "select merchant from preadvices where tracking_id = ?", tracking_id) == [
        ("chattogram-crafts",)
    ]

    # B receives it; the customer refuses it at the counter; B returns it.
    assert at_b.receive(tracking_id)["status"] == "ready"
    sent_back = at_b.return_parcel(tracking_id, "refused", "the customer refused the parcel")
    assert sent_back["origin"] == A

    # The hub tells A a return is coming; A scans it in, matched, and hands it back to the merchant.
    wait_until(lambda: hub.track(tracking_id)["status"] == "returned", what="the return at the hub")
    wait_until(
        lambda: [p for p in at_a.returns_incoming()["incoming"] if p["tracking_id"] == tracking_id],
        what="the return manifest at A",
    )
    arrival = at_a.return_arrive(tracking_id, "R-1")
    assert arrival["status"] == "return_arrived" and arrival["unannounced"] is False
    assert arrival["printed"] is True
    waiting = at_a.returns_incoming()["waiting"]
    assert [(p["tracking_id"], p["merchant"]) for p in waiting] == [(tracking_id, "chattogram-crafts")]
    done = at_a.return_collect(
        tracking_id,
        collected_by="merchant",
        name="Abdul Karim",
        document_kind="nid",
        document_number="19902612345678",
        matches_sender=True,  # the clerk checked the collector against the merchant recorded as sender
    )
    assert done == {
        "tracking_id": tracking_id,
        "status": "return_collected",
        "printed": True,
        "sender_match": True,
    }

    tracked = wait_until(
        lambda: (t := hub.track(tracking_id))["status"] == "return_collected" and t, what="the collection"
    )
    assert [e["type"] for e in tracked["events"]] == [
        "parcel.accepted",
        "parcel.arrived",
        "parcel.ready",
        "parcel.returned",
        "parcel.return_arrived",
        "parcel.return_collected",
    ]
    assert [e["booth"] for e in tracked["events"]] == [A, B, B, B, A, A]
    assert merchant.shipment(tracking_id)["status"] == "return_collected"
    assert not hub_rows(stack, "select id from events where data like ?", "%19902612345678%")
    assert not hub_rows(stack, "select anomalies.reason from anomalies where tracking_id = ?", tracking_id)

    for kiosk in (stack.kiosks[A], stack.kiosks[B]):
        client = kiosk.client()
        state = wait_until(
            lambda c=client: (u := c.uplink())["outbox_depth"] == 0 and u, what="outbox drained"
        )
        assert state["acked_upto"] == state["last_seq"] > 0
    at_a.close()
    at_b.close()
