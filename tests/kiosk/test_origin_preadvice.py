"""Pre-advised intake at the origin booth: the label scan fills the intake from the merchant's pre-advice."""

from __future__ import annotations

import json
from typing import Any

import pytest
from flask.testing import FlaskClient
from pydantic import ValidationError

from kiosk.services import inbound
from kiosk.services.intake import intake, preadvice
from kiosk.services.receive import receive
from kiosk.store import manifests, parcels
from parcel import s10
from parcel.control import Manifest

from .conftest import BOOTH, OTHER, Booth
from .test_counter import refused
from .test_pages import login, token_of

TID = s10.make("CP", 61616161)
RECIPIENT = {"name": "Shirin Akter", "phone": "01911223344"}


def intake_manifest(purpose: str | None = "intake", **extra: Any) -> Manifest:
    """The pre-advice as the hub sends it to the origin booth (this one)."""
    data: dict[str, Any] = {
        "tracking_id": TID,
        "origin": BOOTH,
        "destination": OTHER,
        "recipient": RECIPIENT,
        "cod_amount": "1450.50",
        "weight_g": 800,
        "merchant": "rangpur-crafts",
        "purpose": purpose,
    }
    return Manifest.model_validate(data | extra)


def take_in(booth: Booth, **overrides: Any) -> Any:
    """Intake with what the scan filled in from the pre-advice (the clerk weighs on the scale)."""
    filled = preadvice(booth.ctx, TID)
    assert filled is not None
    args: dict[str, Any] = {
        "tracking_id": TID,
        "recipient": {"name": filled["name"], "phone": filled["phone"]},
        "destination": filled["destination"],
        "cod_amount": filled["cod_amount"],
        "submission": "form-key-0001",
    }
    return intake(booth.ctx, "alice", **(args | overrides))


def test_the_label_scan_fills_recipient_destination_cod_and_merchant(booth: Booth) -> None:
    assert preadvice(booth.ctx, TID) is None  # nothing announced yet
    inbound.apply_manifest(booth.ctx, intake_manifest())
    assert preadvice(booth.ctx, TID) == {
        "tracking_id": TID,
        "name": "Shirin Akter",
        "phone": "+8801911223344",
        "destination": OTHER,
        "cod_amount": "1450.50",
        "merchant": "rangpur-crafts",
    }


def test_pre_advised_intake_is_weighed_charged_and_carries_the_merchant(booth: Booth) -> None:
    inbound.apply_manifest(booth.ctx, intake_manifest())
    result = take_in(booth)
    assert (result.tracking_id, result.weight_g) == (TID, 750)  # weighed on the scale, not the pre-advice
    assert result.fee > 0
    [event] = booth.events()
    assert event["type"] == "parcel.accepted"
    assert event["data"]["merchant"] == "rangpur-crafts"
    assert event["data"]["origin"] == BOOTH and event["data"]["destination"] == OTHER
    assert event["data"]["cod_amount"] == "1450.50"
    with booth.ctx.store.read() as tx:
        row = parcels.get(tx, TID)
    assert row is not None and row["merchant"] == "rangpur-crafts" and row["status"] == "accepted"


def test_intake_must_match_the_pre_advice_at_the_origin(booth: Booth) -> None:
    inbound.apply_manifest(booth.ctx, intake_manifest())
    refused(booth, "preadvice_mismatch", 409, take_in, booth, cod_amount="1450")
    refused(booth, "preadvice_mismatch", 409, take_in, booth, destination="BD-3000-01")


def test_a_label_already_taken_in_is_refused_and_a_double_submit_is_not(booth: Booth) -> None:
    inbound.apply_manifest(booth.ctx, intake_manifest())
    args = {
        "tracking_id": TID,
        "recipient": RECIPIENT,
        "destination": OTHER,
        "cod_amount": "1450.50",
        "submission": "form-key-0001",
    }
    first = intake(booth.ctx, "alice", **args)
    again = intake(booth.ctx, "alice", **args)  # the same form sent twice
    assert again == first
    assert len(booth.events()) == 1
    err = refused(booth, "already_accepted", 409, preadvice, booth.ctx, TID)  # the scan says so at once
    assert TID in err.message
    args["submission"] = "form-key-0002"  # a new form: the label was scanned in a second time
    refused(booth, "already_accepted", 409, intake, booth.ctx, "alice", **args)
    refused(booth, "already_accepted", 409, intake, booth.ctx, "alice", **(args | {"cod_amount": "1"}))


def test_receiving_a_parcel_pre_advised_for_intake_here_says_take_it_in(booth: Booth) -> None:
    inbound.apply_manifest(booth.ctx, intake_manifest())
    refused(booth, "not_taken_in", 409, receive, booth.ctx, "alice", TID)


def test_manifests_keep_their_old_form_and_reject_an_unknown_purpose() -> None:
    old = intake_manifest(purpose=None)
    wire = json.loads(old.wire())
    assert "purpose" not in wire and "return_reason" not in wire  # an older booth still accepts it
    assert Manifest.model_validate_json(old.wire()) == old
    assert json.loads(intake_manifest().wire())["purpose"] == "intake"
    with pytest.raises(ValidationError):
        intake_manifest(purpose="collect")


def test_a_late_pre_advice_never_hides_a_return_coming_back(booth: Booth) -> None:
    inbound.apply_manifest(booth.ctx, intake_manifest(purpose="return", return_reason="refused"))
    inbound.apply_manifest(booth.ctx, intake_manifest())  # redelivered after the return manifest
    with booth.ctx.store.read() as tx:
        stored = manifests.get(tx, TID)
    assert stored is not None and stored.purpose == "return"
    assert preadvice(booth.ctx, TID) is None


def test_intake_page_and_api_fill_from_the_pre_advice_and_refuse_a_second_scan(
    client: FlaskClient, booth: Booth
) -> None:
    inbound.apply_manifest(booth.ctx, intake_manifest())
    login(client)
    page = client.get(f"/intake?tracking_id={TID}").get_data(as_text=True)
    assert 'id="preadvice"' in page and "rangpur-crafts" in page
    assert 'value="Shirin Akter"' in page and 'value="1450.50"' in page and f'value="{OTHER}"' in page
    assert client.get(f"/api/v1/preadvice/{TID}").get_json()["merchant"] == "rangpur-crafts"
    form = {
        "csrf_token": token_of(page),
        "submission": "page-form-0001",
        "tracking_id": TID,
        "name": "Shirin Akter",
        "phone": "+8801911223344",
        "destination": OTHER,
        "cod_amount": "1450.50",
    }
    assert client.post("/intake", data=form).status_code == 200
    assert client.post("/intake", data=form).status_code == 200  # double tap: the same parcel
    assert len(booth.events()) == 1
    page = client.get(f"/intake?tracking_id={TID}").get_data(as_text=True)
    assert 'id="error"' in page and "already taken in" in page
    resp = client.get(f"/api/v1/preadvice/{TID}")
    assert resp.status_code == 409 and resp.get_json()["error"]["code"] == "already_accepted"
    resp = client.post("/intake", data=form | {"submission": "page-form-0002", "csrf_token": token_of(page)})
    assert resp.status_code == 409
    assert len(booth.events()) == 1
