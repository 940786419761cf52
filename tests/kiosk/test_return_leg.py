"""The return leg at the sender's booth: a return scanned back in, shelved and handed back to its sender."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import pytest
from flask.testing import FlaskClient

from kiosk.services import inbound, return_leg, slips
from kiosk.services.dispatch import dispatch
from kiosk.services.errors import ServiceError
from kiosk.services.intake import intake
from kiosk.services.receive import receive
from kiosk.services.returns import return_parcel
from kiosk.store import parcels
from parcel import s10
from parcel.control import Manifest

from .conftest import BOOTH, OTHER, Booth
from .test_counter import refused
from .test_pages import login, token_of

TID = s10.make("CP", 71717171)
RECIPIENT = {"name": "Rahima Begum", "phone": "01712345678"}
GOOD = {
    "collected_by": "merchant",
    "name": "Jamal Uddin",
    "document_kind": "nid",
    "document_number": "1990 2612 3456",
    "matches_sender": True,  # the clerk confirmed the collector against the sender recorded at intake
}


def sent_from_here(booth: Booth, tid: str = TID, merchant: bool = False) -> None:
    """A parcel taken in and dispatched at this booth, for OTHER (pre-advised by a merchant when asked)."""
    if merchant:
        inbound.apply_manifest(booth.ctx, announcement(tid, purpose="intake"))
    intake(booth.ctx, "alice", recipient=RECIPIENT, destination=OTHER, cod_amount="500", tracking_id=tid)
    dispatch(booth.ctx, "alice", tid)


def announcement(tid: str = TID, purpose: str | None = "return", **extra: Any) -> Manifest:
    """What the hub sends this booth: by default, the return manifest after OTHER returned the parcel."""
    data: dict[str, Any] = {
        "tracking_id": tid,
        "origin": BOOTH,
        "destination": OTHER,
        "recipient": RECIPIENT,
        "cod_amount": "500",
        "weight_g": 750,
        "merchant": "dhaka-shoes",
        "purpose": purpose,
    }
    if purpose == "return":
        data["return_reason"] = "refused: the customer did not want it"
    return Manifest.model_validate(data | extra)


def row(booth: Booth, tid: str = TID) -> dict[str, Any]:
    with booth.ctx.store.read() as tx:
        found = parcels.get(tx, tid)
    assert found is not None
    return found


def audit(booth: Booth) -> list[tuple[str, str]]:
    with booth.ctx.store.read() as tx:
        return [(r[0], r[1]) for r in tx.execute("SELECT action, outcome FROM audit ORDER BY id")]


# -- arrival ----------------------------------------------------------------------------------------


def test_an_announced_return_is_matched_shelved_reported_and_its_receipt_printed(booth: Booth) -> None:
    sent_from_here(booth, merchant=True)
    inbound.apply_manifest(booth.ctx, announcement())
    assert [p["tracking_id"] for p in return_leg.incoming(booth.ctx)] == [TID]
    assert return_leg.incoming(booth.ctx)[0]["reason"] == "refused: the customer did not want it"
    before = len(booth.events())
    arrival = return_leg.arrive(booth.ctx, "alice", TID.lower(), "r-2")
    assert arrival == return_leg.Arrival(TID, "return_arrived", False, "R-2", True)
    event = booth.events()[-1]
    assert len(booth.events()) == before + 1
    assert (event["type"], event["data"]) == (
        "parcel.return_arrived",
        {"tracking_id": TID, "unannounced": False, "shelf": "R-2"},
    )
    r = row(booth)
    assert (r["status"], r["shelf"], r["merchant"], r["announced"]) == (
        "return_arrived",
        "R-2",
        "dhaka-shoes",
        1,
    )
    assert r["return_reason"] == "refused: the customer did not want it"
    assert "ফেরত পৌঁছেছে" in booth.printer.jobs[-1] and "তাক: R-2" in booth.printer.jobs[-1]
    assert "প্রেরক: dhaka-shoes" in booth.printer.jobs[-1]
    assert return_leg.incoming(booth.ctx) == []
    assert [p["tracking_id"] for p in return_leg.waiting(booth.ctx)] == [TID]
    assert audit(booth)[-1] == ("return_arrive", "ok")


def test_a_double_scan_of_a_return_writes_nothing_more(booth: Booth) -> None:
    sent_from_here(booth)
    inbound.apply_manifest(booth.ctx, announcement())
    first = return_leg.arrive(booth.ctx, "alice", TID, "R-2")
    before = booth.snapshot()
    assert return_leg.arrive(booth.ctx, "alice", TID, "Z-9") == first
    assert booth.snapshot() == before


def test_an_unannounced_return_is_received_and_completed_when_its_manifest_comes(booth: Booth) -> None:
    sent_from_here(booth)
    arrival = return_leg.arrive(booth.ctx, "alice", TID)
    assert (arrival.status, arrival.unannounced) == ("return_arrived", True)
    assert booth.events()[-1]["data"] == {"tracking_id": TID, "unannounced": True, "shelf": None}
    assert row(booth)["announced"] == 0 and row(booth)["return_reason"] is None
    assert inbound.apply_manifest(booth.ctx, announcement()) is True
    r = row(booth)
    assert (r["announced"], r["merchant"]) == (1, "dhaka-shoes")
    assert r["return_reason"] == "refused: the customer did not want it"
    assert r["status"] == "return_arrived"  # completing changes the details, not the state
    assert inbound.apply_manifest(booth.ctx, announcement()) is False  # once


def test_a_return_to_a_booth_that_lost_its_store_is_received_unannounced(booth: Booth) -> None:
    arrival = return_leg.arrive(booth.ctx, "alice", TID, "R-1")
    assert (arrival.status, arrival.unannounced) == ("return_arrived", True)
    assert row(booth)["origin"] == BOOTH and row(booth)["recipient_name"] is None
    assert inbound.apply_manifest(booth.ctx, announcement()) is True
    assert row(booth)["recipient_name"] == "Rahima Begum" and row(booth)["destination"] == OTHER


def test_a_parcel_sent_from_and_returned_at_this_booth_is_announced_by_its_own_return(booth: Booth) -> None:
    intake(booth.ctx, "alice", recipient=RECIPIENT, destination=BOOTH, cod_amount="0", tracking_id=TID)
    receive(booth.ctx, "alice", TID)
    return_parcel(booth.ctx, "alice", TID, "damaged", "box crushed")
    arrival = return_leg.arrive(booth.ctx, "alice", TID)
    assert (arrival.status, arrival.unannounced) == ("return_arrived", False)


def test_a_parcel_that_does_not_come_back_here_is_refused(booth: Booth) -> None:
    # Received here for a recipient, sent from another booth.
    inbound.apply_manifest(booth.ctx, announcement(purpose=None, origin=OTHER, destination=BOOTH))
    refused(booth, "not_a_return", 409, return_leg.arrive, booth.ctx, "alice", TID)
    receive(booth.ctx, "alice", TID)
    refused(booth, "not_a_return", 409, return_leg.arrive, booth.ctx, "alice", TID)
    # Pre-advised elsewhere, for elsewhere.
    other = s10.make("CP", 72727272)
    inbound.apply_manifest(booth.ctx, announcement(other, purpose=None, origin="BD-3000-01"))
    refused(booth, "not_a_return", 409, return_leg.arrive, booth.ctx, "alice", other)


def test_a_parcel_still_waiting_for_its_recipient_here_cannot_come_back(booth: Booth) -> None:
    intake(booth.ctx, "alice", recipient=RECIPIENT, destination=BOOTH, cod_amount="0", tracking_id=TID)
    receive(booth.ctx, "alice", TID)  # ready here: it was never returned
    refused(booth, "invalid_state", 409, return_leg.arrive, booth.ctx, "alice", TID)


def test_bad_scans_change_nothing(booth: Booth) -> None:
    sent_from_here(booth)
    wrong_check_digit = TID[:10] + str((int(TID[10]) + 1) % 10) + "BD"
    refused(booth, "invalid_tracking_id", 400, return_leg.arrive, booth.ctx, "alice", wrong_check_digit)
    refused(booth, "invalid_shelf", 400, return_leg.arrive, booth.ctx, "alice", TID, "R;2")


def test_a_return_scanned_on_the_receive_page_is_sent_to_the_returns_page(booth: Booth) -> None:
    sent_from_here(booth)
    inbound.apply_manifest(booth.ctx, announcement())
    refused(booth, "is_return", 409, receive, booth.ctx, "alice", TID)  # not "misrouted": never forwarded
    return_leg.arrive(booth.ctx, "alice", TID)
    refused(booth, "is_return", 409, receive, booth.ctx, "alice", TID)


def test_a_failed_write_leaves_nothing_half_written(booth: Booth, monkeypatch: pytest.MonkeyPatch) -> None:
    sent_from_here(booth)
    inbound.apply_manifest(booth.ctx, announcement())

    def broken(*args: Any) -> Any:
        raise RuntimeError("renderer fault")

    monkeypatch.setattr(slips, "return_arrival_receipt", broken)
    before = booth.snapshot()
    with pytest.raises(RuntimeError):
        return_leg.arrive(booth.ctx, "alice", TID, "R-2")
    assert booth.snapshot() == before
    monkeypatch.undo()
    return_leg.arrive(booth.ctx, "alice", TID, "R-2")
    monkeypatch.setattr(slips, "return_handover_receipt", broken)
    before = booth.snapshot()
    with pytest.raises(RuntimeError):
        return_leg.collect(booth.ctx, "alice", TID, **GOOD)
    assert booth.snapshot() == before


# -- handing back to the sender --------------------------------------------------------------------


def back_here(booth: Booth) -> None:
    sent_from_here(booth, merchant=True)
    inbound.apply_manifest(booth.ctx, announcement())
    return_leg.arrive(booth.ctx, "alice", TID, "R-2")


def test_the_sender_collects_on_an_identity_document_and_pays_nothing(booth: Booth) -> None:
    back_here(booth)
    done = return_leg.collect(booth.ctx, "alice", TID, **GOOD)
    assert done == return_leg.Collection(TID, "return_collected", True, sender_match=True)
    event = booth.events()[-1]
    assert event["type"] == "parcel.return_collected"
    assert event["data"] == {
        "tracking_id": TID,
        "collected_by": "merchant",
        "document_kind": "nid",
        "document_tail": "3456",
        "photo_sha256": None,
        "collector_name": "Jamal Uddin",
        "sender_match": True,
    }
    r = row(booth)
    assert (r["status"], r["cod_collected"], r["business_date"]) == ("return_collected", None, None)
    assert r["collected_by"] == "merchant: Jamal Uddin (nid …3456)"
    assert (
        "19902612" not in str(r)
        and "19902612" not in str(audit(booth))
        and "19902612" not in str(booth.events())
    )
    receipt = booth.printer.jobs[-1]
    assert "ফেরত হস্তান্তর রসিদ" in receipt and "গ্রহণকারী: ব্যবসায়ী: Jamal Uddin" in receipt
    assert "পরিচয়: জাতীয় পরিচয়পত্র …3456" in receipt and "COD: প্রযোজ্য নয়" in receipt
    assert return_leg.waiting(booth.ctx) == []
    assert audit(booth)[-1] == (
        "return_collect",
        "merchant: Jamal Uddin (nid …3456); matches the recorded sender",
    )


def test_a_walk_in_sender_collects_too(booth: Booth) -> None:
    sent_from_here(booth)
    return_leg.arrive(booth.ctx, "alice", TID)
    who = GOOD | {
        "collected_by": "sender",
        "name": "Karim",
        "document_kind": "passport",
        "document_number": "ab1234567",
    }
    assert return_leg.collect(booth.ctx, "alice", TID, **who).status == "return_collected"
    assert booth.events()[-1]["data"]["document_tail"] == "4567"


def test_a_double_submit_changes_nothing_and_another_collector_is_refused(booth: Booth) -> None:
    back_here(booth)
    first = return_leg.collect(booth.ctx, "alice", TID, **GOOD)
    before = booth.snapshot()
    assert return_leg.collect(booth.ctx, "alice", TID, **GOOD) == first
    assert booth.snapshot() == before
    refused(
        booth, "already_collected", 409, return_leg.collect, booth.ctx, "alice", TID, **(GOOD | {"name": "X"})
    )
    assert return_leg.arrive(booth.ctx, "alice", TID).status == "return_collected"  # a late scan: nothing new
    assert booth.snapshot() == before


@pytest.mark.parametrize(
    ("change", "code"),
    [
        ({"collected_by": "courier"}, "invalid_collector"),
        ({"name": "   "}, "invalid_name"),
        ({"name": "x" * 201}, "invalid_name"),
        ({"document_kind": "library_card"}, "invalid_document"),
        ({"document_number": "12"}, "invalid_document"),
        ({"document_number": "12-34-56"}, "invalid_document"),
    ],
)
def test_bad_collection_details_change_nothing(booth: Booth, change: dict[str, str], code: str) -> None:
    back_here(booth)
    refused(booth, code, 400, return_leg.collect, booth.ctx, "alice", TID, **(GOOD | change))


def test_only_a_return_waiting_here_can_be_collected(booth: Booth) -> None:
    sent_from_here(booth)
    inbound.apply_manifest(booth.ctx, announcement())
    refused(
        booth, "not_found", 404, return_leg.collect, booth.ctx, "alice", TID, **GOOD
    )  # not scanned in yet
    unknown = s10.make("CP", 73737373)
    refused(booth, "not_found", 404, return_leg.collect, booth.ctx, "alice", unknown, **GOOD)


def test_a_paper_out_keeps_the_collection_and_its_receipt_to_reprint(booth: Booth) -> None:
    back_here(booth)
    booth.printer.paper_out = True
    done = return_leg.collect(booth.ctx, "alice", TID, **GOOD)
    assert (done.status, done.printed) == ("return_collected", False)
    assert booth.events()[-1]["type"] == "parcel.return_collected"
    with booth.ctx.store.read() as tx:
        kinds = [r[0] for r in tx.execute("SELECT kind FROM print_jobs WHERE status != 'printed'")]
    assert kinds == ["return_handover_receipt"]


# -- the JSON API and the page ----------------------------------------------------------------------


def test_the_json_api_runs_the_return_leg(clerk: Any, booth: Booth) -> None:
    sent_from_here(booth, merchant=True)
    inbound.apply_manifest(booth.ctx, announcement())
    listed = clerk.client.get("/api/v1/returns/incoming").get_json()
    assert [p["tracking_id"] for p in listed["incoming"]] == [TID] and listed["waiting"] == []
    resp = clerk("/api/v1/returns/arrive", {"tracking_id": TID, "shelf": "r-7"})
    assert resp.status_code == 200
    assert resp.get_json() == {
        "tracking_id": TID,
        "status": "return_arrived",
        "unannounced": False,
        "shelf": "R-7",
        "printed": True,
    }
    assert clerk("/api/v1/returns/arrive", {"tracking_id": TID}).get_json()["status"] == "return_arrived"
    resp = clerk("/api/v1/returns/collect", {"tracking_id": TID, **GOOD, "collected_by": "ghost"})
    assert resp.status_code == 400 and resp.get_json()["error"]["code"] == "invalid_collector"
    resp = clerk("/api/v1/returns/collect", {"tracking_id": TID, **GOOD})
    assert resp.get_json() == {
        "tracking_id": TID,
        "status": "return_collected",
        "printed": True,
        "sender_match": True,
    }
    no_csrf = clerk.client.post("/api/v1/returns/collect", json={"tracking_id": TID, **GOOD})
    assert no_csrf.status_code in (400, 403)
    assert [e["type"] for e in booth.events()][-2:] == ["parcel.return_arrived", "parcel.return_collected"]


def test_the_page_receives_a_return_and_hands_it_back(client: FlaskClient, booth: Booth) -> None:
    sent_from_here(booth, merchant=True)
    inbound.apply_manifest(booth.ctx, announcement())
    token = login(client)
    home = client.get("/").get_data(as_text=True)
    assert 'href="/returns/back"' in home
    page = client.get("/returns/back").get_data(as_text=True)
    assert 'id="incoming"' in page and TID in page and 'id="arrive-form"' in page
    resp = client.post(
        "/returns/back", data={"action": "arrive", "tracking_id": TID, "shelf": "r-2", "csrf_token": token}
    )
    page = resp.get_data(as_text=True)
    assert resp.status_code == 200 and 'id="shelf"' in page and "R-2" in page and 'id="waiting"' in page
    page = client.get(f"/returns/back?tracking_id={TID}").get_data(as_text=True)
    assert 'id="collect-form"' in page and "dhaka-shoes" in page
    assert '<option value="merchant" selected>' in page  # a merchant's parcel: the merchant by default
    form = {"action": "collect", "tracking_id": TID, "csrf_token": token, **GOOD, "matches_sender": "yes"}
    resp = client.post("/returns/back", data=form | {"document_number": "1"})
    assert resp.status_code == 400 and 'id="error"' in resp.get_data(as_text=True)
    resp = client.post("/returns/back", data=form | {"csrf_token": "forged"})
    assert resp.status_code >= 400 and row(booth)["status"] == "return_arrived"
    resp = client.post("/returns/back", data=form)
    assert resp.status_code == 200 and 'id="message"' in resp.get_data(as_text=True)
    assert row(booth)["status"] == "return_collected"


def test_the_page_speaks_bengali_with_bengali_digits(client: FlaskClient, booth: Booth) -> None:
    back_here(booth)
    login(client)
    client.set_cookie("dakbooth_lang", "bn")
    page = client.get("/returns/back").get_data(as_text=True)
    assert "প্রেরকের কাছে ফিরতি পার্সেল" in page and "প্রেরকের অপেক্ষায়" in page
    arrived_at = datetime.fromisoformat(row(booth)["return_arrived_at"]).strftime("%Y-%m-%d %H:%M")
    assert arrived_at.translate(str.maketrans("0123456789", "০১২৩৪৫৬৭৮৯")) in page
    assert token_of(page)


def test_service_errors_have_clerk_texts() -> None:
    from kiosk.web.messages import ERRORS

    codes = {
        "is_return",
        "not_taken_in",
        "not_a_return",
        "invalid_collector",
        "invalid_name",
        "already_collected",
    }
    assert codes <= set(ERRORS)
    assert ServiceError("is_return", "x").code == "is_return"
