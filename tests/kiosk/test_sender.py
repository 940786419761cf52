"""Sender identity: an optional walk-in sender taken at intake, carried in parcel.accepted, shown at
the return's handback, where a collector who does not match needs a supervisor."""

from __future__ import annotations

import re
import sqlite3
from pathlib import Path
from typing import Any

import pytest
from flask.testing import FlaskClient

from kiosk.devices.printing.layout import Field
from kiosk.devices.printing.serialize import loads
from kiosk.services import auth, inbound, return_leg
from kiosk.services.dispatch import dispatch
from kiosk.services.intake import intake
from kiosk.store.db import SCHEMA_VERSION, Store
from parcel import s10
from parcel.control import BoothConfig
from parcel.messages import Accepted

from .conftest import OTHER, Booth
from .test_counter import refused
from .test_pages import login
from .test_return_leg import RECIPIENT, announcement, audit
from .test_return_leg import row as row_of

TID = s10.make("CP", 61616161)
SENDER = {"name": "  Motiur   Rahman ", "phone": "+880 1812-345678"}
COLLECT = {
    "collected_by": "sender",
    "name": "Motiur Rahman",
    "document_kind": "nid",
    "document_number": "1985 2612 9876",
}


def row(booth: Booth, tid: str = TID) -> dict[str, Any]:
    """The booth's row of a parcel (this file's parcel by default)."""
    return row_of(booth, tid)


def serials(booth: Booth) -> None:
    """Give the booth a serial block, so walk-ins get numbers."""
    inbound.apply_config(
        booth.ctx, BoothConfig.model_validate({"serial_blocks": [{"service": "CP", "start": 10, "end": 40}]})
    )


def walk_in(booth: Booth, sender: Any = SENDER, tid: str | None = TID, **extra: Any) -> str:
    """A walk-in for OTHER with a sender; returns its tracking id."""
    return intake(
        booth.ctx,
        "alice",
        recipient=RECIPIENT,
        destination=OTHER,
        cod_amount="500",
        tracking_id=tid,
        sender=sender,
        **extra,
    ).tracking_id


def accepted(booth: Booth, tid: str) -> dict[str, Any]:
    """The data of the parcel.accepted event in the outbox, after a round trip through the hub's parser."""
    for event in booth.events():
        if event["type"] == "parcel.accepted" and event["data"]["tracking_id"] == tid:
            return event["data"]
    raise AssertionError(f"no parcel.accepted for {tid}")


def back_here(booth: Booth, tid: str = TID) -> None:
    """The walk-in parcel was dispatched, returned by OTHER and is scanned back in here."""
    dispatch(booth.ctx, "alice", tid)
    inbound.apply_manifest(booth.ctx, announcement(tid, merchant=None))
    return_leg.arrive(booth.ctx, "alice", tid, "R-9")


# -- intake ---------------------------------------------------------------------------------------


def test_a_walk_in_sender_is_normalised_stored_and_carried_in_the_acceptance(booth: Booth) -> None:
    walk_in(booth)
    r = row(booth)
    assert (r["sender_name"], r["sender_phone"]) == ("Motiur Rahman", "+8801812345678")
    data = accepted(booth, TID)
    assert data["sender"] == {"kind": "walk_in", "name": "Motiur Rahman", "phone": "+8801812345678"}
    # What the booth sends is what the hub's parser accepts, unchanged.
    assert Accepted.model_validate(data).model_dump(mode="json") == data


def receipt_sender(booth: Booth, tid: str) -> str | None:
    """The sender line of the intake receipt printed for tid (None when it has none)."""
    with booth.ctx.store.read() as tx:
        text = tx.execute(
            "SELECT document FROM print_jobs WHERE kind = 'receipt' AND tracking_id = ?", (tid,)
        ).fetchone()[0]
    receipt = loads(text)[0]
    lines = [b.value for b in receipt.blocks if isinstance(b, Field) and b.key == "প্রেরক"]
    assert len(lines) <= 1
    return lines[0] if lines else None


def test_the_intake_receipt_prints_the_sender_when_one_is_known(booth: Booth) -> None:
    serials(booth)
    both = walk_in(booth, tid=None)
    by_phone = walk_in(booth, {"phone": "০১৯১২৩৪৫৬৭৮"}, tid=None, submission="second-form-key")
    nobody = walk_in(booth, None, tid=None, submission="third-form-key")
    assert receipt_sender(booth, both) == "Motiur Rahman, 01812345678"
    assert receipt_sender(booth, by_phone) == "01912345678"
    assert receipt_sender(booth, nobody) is None
    inbound.apply_manifest(booth.ctx, announcement(TID, purpose="intake"))
    walk_in(booth, None)
    assert receipt_sender(booth, TID) == "dhaka-shoes"  # a pre-advised parcel: its merchant


def test_a_sender_may_give_only_a_name_or_only_a_mobile_in_bengali_digits(booth: Booth) -> None:
    serials(booth)
    by_phone = walk_in(booth, {"phone": "০১৯১২৩৪৫৬৭৮"}, tid=None)
    by_name = walk_in(booth, {"name": "রহিম"}, tid=None, submission="second-form-key")
    assert accepted(booth, by_phone)["sender"] == {"kind": "walk_in", "phone": "+8801912345678"}
    assert accepted(booth, by_name)["sender"] == {"kind": "walk_in", "name": "রহিম"}


@pytest.mark.parametrize("blank", [None, {}, {"name": "", "phone": ""}, {"name": "  ", "phone": " "}])
def test_no_sender_leaves_the_acceptance_as_it_was(booth: Booth, blank: Any) -> None:
    walk_in(booth, blank)
    assert "sender" not in accepted(booth, TID)  # an older hub (no sender field) still takes it
    assert (row(booth)["sender_name"], row(booth)["sender_phone"]) == (None, None)


@pytest.mark.parametrize(
    ("sender", "code"),
    [
        ({"name": "A", "phone": "01212345678"}, "invalid_sender_phone"),  # 012 is not a mobile prefix
        ({"phone": "0171234567"}, "invalid_sender_phone"),  # 10 digits
        ({"phone": 1712345678}, "invalid_sender_phone"),
        ({"name": "x" * 201}, "invalid_sender"),
        ({"name": 7}, "invalid_sender"),
        ({"name": "A", "email": "a@b.bd"}, "invalid_sender"),
        ("Motiur", "invalid_sender"),
    ],
)
def test_a_bad_sender_is_refused_and_nothing_is_written(booth: Booth, sender: Any, code: str) -> None:
    refused(booth, code, 400, walk_in, booth, sender)


def test_a_pre_advised_parcel_takes_its_merchant_as_sender(booth: Booth) -> None:
    inbound.apply_manifest(booth.ctx, announcement(TID, purpose="intake"))
    refused(booth, "sender_is_merchant", 409, walk_in, booth, SENDER)
    walk_in(booth, None)
    assert accepted(booth, TID)["sender"] == {"kind": "merchant", "name": "dhaka-shoes"}
    assert row(booth)["merchant"] == "dhaka-shoes" and row(booth)["sender_phone"] is None


def test_a_repeat_with_another_sender_is_not_the_same_parcel(booth: Booth) -> None:
    walk_in(booth)
    assert walk_in(booth) == TID  # the same form again: nothing new
    refused(booth, "already_accepted", 409, walk_in, booth, {"phone": "01712345670"})


def test_an_older_store_gains_the_sender_columns(tmp_path: Path) -> None:
    path = tmp_path / "old.sqlite"
    Store(path).close()
    with sqlite3.connect(path) as db:  # a booth that stopped at the step before
        for column in ("sender_name", "sender_phone", "sender_match"):
            db.execute(f"ALTER TABLE parcels DROP COLUMN {column}")
        db.execute("PRAGMA user_version=5")  # the version before the sender columns
    store = Store(path)
    try:
        assert store.pragma("user_version") == SCHEMA_VERSION
        with store.read() as tx:
            names = {r[1] for r in tx.execute("PRAGMA table_info(parcels)")}
        assert {"sender_name", "sender_phone", "sender_match"} <= names
    finally:
        store.close()


# -- the handback of a return -------------------------------------------------------------------------


def test_the_clerk_sees_the_recorded_sender_and_a_match_is_recorded(booth: Booth) -> None:
    walk_in(booth)
    back_here(booth)
    waiting = return_leg.find(booth.ctx, TID)
    assert waiting is not None
    assert waiting["sender"] == {"kind": "walk_in", "name": "Motiur Rahman", "phone": "+8801812345678"}
    done = return_leg.collect(booth.ctx, "alice", TID, **COLLECT, matches_sender=True)
    assert (done.status, done.sender_match) == ("return_collected", True)
    assert row(booth)["sender_match"] == 1
    event = booth.events()[-1]["data"]
    assert (event["sender_match"], event["collector_name"]) == (True, "Motiur Rahman")
    assert "approved_by" not in event
    assert audit(booth)[-1][1].endswith("matches the recorded sender")


@pytest.mark.parametrize("answer", [False, None])
def test_a_collector_who_does_not_match_needs_a_supervisor(booth: Booth, answer: bool | None) -> None:
    walk_in(booth)
    back_here(booth)
    other = COLLECT | {"name": "Someone Else"}
    refused(
        booth, "supervisor_required", 403, return_leg.collect, booth.ctx, "alice", TID, **other,
        matches_sender=answer,
    )  # fmt: skip
    clerk = auth.add_clerk(booth.ctx, "bob", "4321")
    refused(
        booth, "supervisor_required", 403, return_leg.collect, booth.ctx, "alice", TID, **other,
        matches_sender=answer, approver=clerk,
    )  # fmt: skip
    boss = auth.add_clerk(booth.ctx, "sam", "9999", supervisor=True)
    done = return_leg.collect(booth.ctx, "alice", TID, **other, matches_sender=answer, approver=boss)
    assert (done.status, done.sender_match) == ("return_collected", False)
    assert row(booth)["sender_match"] == 0
    event = booth.events()[-1]["data"]
    assert (event["sender_match"], event["approved_by"], event["collector_name"]) == (
        False,
        "sam",
        "Someone Else",
    )
    assert audit(booth)[-1][1].endswith("NOT the recorded sender, approved by sam")


def test_with_no_sender_recorded_there_is_nothing_to_match(booth: Booth) -> None:
    walk_in(booth, None)
    back_here(booth)
    assert return_leg.find(booth.ctx, TID)["sender"] is None  # type: ignore[index]
    done = return_leg.collect(booth.ctx, "alice", TID, **COLLECT)
    assert done.sender_match is None and row(booth)["sender_match"] is None
    assert "sender_match" not in booth.events()[-1]["data"]


def test_a_bad_match_answer_is_refused(booth: Booth) -> None:
    walk_in(booth)
    back_here(booth)
    refused(
        booth, "invalid_sender_match", 400, return_leg.collect, booth.ctx, "alice", TID, **COLLECT,
        matches_sender="yes",
    )  # fmt: skip


# -- the JSON API and the pages ---------------------------------------------------------------------


def test_the_json_api_takes_a_sender_and_checks_the_collector(clerk: Any, booth: Booth) -> None:
    body = {"tracking_id": TID, "recipient": RECIPIENT, "destination": OTHER, "cod_amount": "500"}
    resp = clerk("/api/v1/intake", body | {"sender": {"phone": "01812"}})
    assert resp.status_code == 400 and resp.get_json()["error"]["code"] == "invalid_sender_phone"
    assert clerk("/api/v1/intake", body | {"sender": SENDER}).status_code == 200
    assert accepted(booth, TID)["sender"]["phone"] == "+8801812345678"
    back_here(booth)
    waiting = clerk.client.get("/api/v1/returns/incoming").get_json()["waiting"]
    assert waiting[0]["sender"]["name"] == "Motiur Rahman"
    collect = {"tracking_id": TID, **COLLECT, "name": "Other Person", "matches_sender": False}
    resp = clerk("/api/v1/returns/collect", collect)
    assert resp.status_code == 403 and resp.get_json()["error"]["code"] == "supervisor_required"
    assert row(booth)["status"] == "return_arrived"
    resp = clerk("/api/v1/returns/collect", collect | {"approval": {"supervisor": "sam", "pin": "0000"}})
    assert resp.status_code == 401 and row(booth)["status"] == "return_arrived"
    resp = clerk("/api/v1/returns/collect", collect | {"approval": {"supervisor": "sam", "pin": "9999"}})
    assert resp.status_code == 200
    assert resp.get_json() == {
        "tracking_id": TID,
        "status": "return_collected",
        "printed": True,
        "sender_match": False,
    }
    assert booth.events()[-1]["data"]["approved_by"] == "sam"


def test_the_pages_ask_for_the_sender_and_show_it_at_the_handback(client: FlaskClient, booth: Booth) -> None:
    serials(booth)
    token = login(client)
    page = client.get("/intake").get_data(as_text=True)
    assert 'id="sender_name"' in page and 'id="sender_phone"' in page
    form = {
        "csrf_token": token,
        "submission": re.search(r'name="submission" value="([^"]+)"', page).group(1),  # type: ignore[union-attr]
        "name": RECIPIENT["name"],
        "phone": RECIPIENT["phone"],
        "destination": OTHER,
        "cod_amount": "500",
        "tracking_id": TID,
        "sender_name": "Motiur Rahman",
        "sender_phone": "01812",
    }
    resp = client.post("/intake", data=form)
    assert resp.status_code == 400 and 'id="error"' in resp.get_data(as_text=True)
    resp = client.post("/intake", data=form | {"sender_phone": "01812345678"})
    assert resp.status_code == 200 and 'id="intake-result"' in resp.get_data(as_text=True)
    back_here(booth)
    page = client.get(f"/returns/back?tracking_id={TID}").get_data(as_text=True)
    assert 'id="recorded-sender"' in page and "Motiur Rahman" in page and 'id="sender-match"' in page
    collect = {
        "action": "collect",
        "tracking_id": TID,
        "csrf_token": token,
        **COLLECT,
        "matches_sender": "no",
    }
    resp = client.post("/returns/back", data=collect)
    assert resp.status_code == 403 and row(booth)["status"] == "return_arrived"
    resp = client.post("/returns/back", data=collect | {"supervisor": "sam", "supervisor_pin": "9999"})
    assert resp.status_code == 200 and row(booth)["sender_match"] == 0


def test_a_pre_advised_label_shows_the_merchant_as_sender_on_the_intake_page(
    client: FlaskClient, booth: Booth
) -> None:
    inbound.apply_manifest(booth.ctx, announcement(TID, purpose="intake"))
    login(client)
    page = client.get(f"/intake?tracking_id={TID}").get_data(as_text=True)
    assert 'id="sender-merchant"' in page and "dhaka-shoes" in page and 'id="sender_phone"' not in page


def test_the_sender_fields_are_in_bengali_by_default(client: FlaskClient, booth: Booth) -> None:
    login(client)
    client.set_cookie("dakbooth_lang", "bn")
    page = client.get("/intake").get_data(as_text=True)
    assert "প্রেরকের নাম" in page and "প্রেরকের মোবাইল" in page
