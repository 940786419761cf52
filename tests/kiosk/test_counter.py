"""Counter rules beyond the journey: supervisors, destinations, pre-advice, shelves, forwarding,
finding parcels, identity-document handover, returns and the day's cash close."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from kiosk.config import DirectoryBooth
from kiosk.services import auth, cashup, directory, inbound
from kiosk.services.errors import ServiceError
from kiosk.services.handover import find, handover, handover_by_document
from kiosk.services.intake import intake, preadvice
from kiosk.services.receive import forward, receive
from kiosk.services.returns import overdue, return_parcel
from parcel import s10
from parcel.control import BoothConfig, Manifest

from .conftest import BOOTH, OTHER, Booth, make_booth, ready_code

TID = s10.make("CP", 33333333)
TID2 = s10.make("CP", 44444444)
RECIPIENT = {"name": "Rahima Begum", "phone": "01712345678"}
SAM = auth.Clerk("sam", "supervisor")
ALICE = auth.Clerk("alice", "clerk")


def refused(booth: Booth, code: str, status: int, fn: Any, *args: Any, **kwargs: Any) -> ServiceError:
    """Call fn, expect ServiceError(code, status), and check nothing changed."""
    before = booth.snapshot()
    with pytest.raises(ServiceError) as info:
        fn(*args, **kwargs)
    assert (info.value.code, info.value.http_status) == (code, status), info.value.message
    assert booth.snapshot() == before
    return info.value


def manifest(tid: str = TID2, destination: str = BOOTH, cod: str = "500", origin: str = OTHER) -> Manifest:
    return Manifest.model_validate(
        {
            "tracking_id": tid,
            "origin": origin,
            "destination": destination,
            "recipient": RECIPIENT,
            "cod_amount": cod,
            "weight_g": 900,
        }
    )


def make_ready(booth: Booth, tid: str = TID2, cod: str = "500", shelf: str | None = None) -> str:
    """A parcel announced to and received at this booth; returns its code."""
    inbound.apply_manifest(booth.ctx, manifest(tid, cod=cod))
    receive(booth.ctx, "alice", tid, shelf)
    return ready_code(booth, tid)


def later(booth: Booth, **delta: float) -> None:
    real = booth.ctx.clock
    booth.ctx.clock = lambda: real() + timedelta(**delta)


def accept(booth: Booth, **overrides: Any) -> Any:
    args: dict[str, Any] = {
        "recipient": RECIPIENT,
        "destination": OTHER,
        "cod_amount": "100",
        "tracking_id": TID,
    }
    args.update(overrides)
    return intake(booth.ctx, "alice", **args)


# -- supervisors ----------------------------------------------------------------------------------


def test_supervisor_approval_checks_pin_and_role(booth: Booth) -> None:
    auth.add_clerk(booth.ctx, "alice", "1234")
    auth.add_clerk(booth.ctx, "sam", "9999", supervisor=True)
    assert auth.approve(booth.ctx, "sam", "9999").role == "supervisor"
    for who, pin, code in (("alice", "1234", "supervisor_required"), ("sam", "0000", "invalid_credentials")):
        with pytest.raises(ServiceError) as info:
            auth.approve(booth.ctx, who, pin)
        assert info.value.code == code
    with pytest.raises(ServiceError) as info:
        auth.approve(booth.ctx, "", "")
    assert (info.value.code, info.value.http_status) == ("supervisor_required", 403)


def test_manual_weight_needs_a_supervisor(booth: Booth) -> None:
    refused(booth, "supervisor_required", 403, accept, booth, weight_g=600)
    refused(booth, "supervisor_required", 403, accept, booth, weight_g=600, approver=ALICE)
    result = accept(booth, weight_g=600, approver=SAM)
    assert result.weight_g == 600
    with booth.ctx.store.read() as tx:
        row = tx.execute("SELECT clerk, outcome FROM audit WHERE action = 'manual_weight'").fetchone()
    assert tuple(row) == ("sam", "600 g for alice")


def test_scale_weight_needs_no_supervisor(booth: Booth) -> None:
    assert accept(booth).weight_g == 750


# -- destinations ---------------------------------------------------------------------------------


def directory_booth(tmp_path: Path) -> Booth:
    return make_booth(
        tmp_path,
        booths=[
            DirectoryBooth(id="BD-2000-01", name="Chattogram GPO"),
            DirectoryBooth(id="BD-2100-01", name="Cox's Bazar"),
            DirectoryBooth(id="BD-2100-02", name="Teknaf"),
        ],
    )


def test_destination_by_postcode_or_name(tmp_path: Path) -> None:
    booth = directory_booth(tmp_path)
    try:
        assert directory.resolve(booth.ctx, "2000") == "BD-2000-01"
        assert directory.resolve(booth.ctx, "chattogram") == "BD-2000-01"
        assert directory.resolve(booth.ctx, "teknaf") == "BD-2100-02"
        assert directory.resolve(booth.ctx, "bd-2100-01") == "BD-2100-01"
        assert [d.booth_id for d in directory.search(booth.ctx, "21")] == ["BD-2100-01", "BD-2100-02"]
        refused(booth, "ambiguous_destination", 400, accept, booth, destination="2100")
        refused(booth, "invalid_destination", 400, accept, booth, destination="Sylhet")
        assert accept(booth, destination="Chattogram GPO").tracking_id == TID
        with booth.ctx.store.read() as tx:
            assert tx.execute("SELECT destination FROM parcels").fetchone()[0] == "BD-2000-01"
    finally:
        booth.ctx.store.close()


def test_destinations_from_the_hub_settings(booth: Booth) -> None:
    settings = {"booths": [{"booth_id": "BD-5000-01", "name": "Rajshahi GPO"}, {"booth_id": "bad"}]}
    inbound.apply_config(booth.ctx, BoothConfig(settings=settings))
    assert [(d.booth_id, d.name) for d in directory.booths(booth.ctx)] == [("BD-5000-01", "Rajshahi GPO")]
    assert directory.resolve(booth.ctx, "rajshahi") == "BD-5000-01"


# -- pre-advice -----------------------------------------------------------------------------------


def test_pre_advised_label_must_match_its_pre_advice(booth: Booth) -> None:
    inbound.apply_manifest(booth.ctx, manifest(TID, destination=OTHER, cod="300", origin=BOOTH))
    assert preadvice(booth.ctx, TID) == {
        "tracking_id": TID,
        "name": "Rahima Begum",
        "phone": "+8801712345678",
        "destination": OTHER,
        "cod_amount": "300.00",
        "merchant": None,
    }
    refused(booth, "preadvice_mismatch", 409, accept, booth, cod_amount="299")
    refused(booth, "preadvice_mismatch", 409, accept, booth, cod_amount="300", destination="BD-3000-01")
    refused(
        booth, "preadvice_mismatch", 409, accept, booth, cod_amount="300",
        recipient={"name": "R", "phone": "01812345678"},
    )  # fmt: skip
    assert accept(booth, cod_amount="300").tracking_id == TID
    refused(booth, "already_accepted", 409, preadvice, booth.ctx, TID)  # taken in: the scan says so
    assert preadvice(booth.ctx, TID2) is None


# -- receive: shelf and forwarding ----------------------------------------------------------------


def test_receive_puts_the_parcel_on_a_shelf(booth: Booth) -> None:
    refused(booth, "invalid_shelf", 400, receive, booth.ctx, "alice", TID2, "A;3")
    refused(booth, "invalid_shelf", 400, receive, booth.ctx, "alice", TID2, "A" * 41)
    make_ready(booth, shelf=" b-2 ")
    assert booth.events()[-1]["data"]["shelf"] == "B-2"
    assert find(booth.ctx, TID2)[0]["shelf"] == "B-2"


def test_misrouted_parcel_is_forwarded_not_accepted(booth: Booth) -> None:
    inbound.apply_manifest(booth.ctx, manifest(TID2, destination="BD-3000-01"))
    refused(booth, "misrouted", 409, receive, booth.ctx, "alice", TID2)
    assert forward(booth.ctx, "alice", TID2) == (TID2, "BD-3000-01")
    events = booth.events()
    assert [e["type"] for e in events] == ["parcel.dispatched"] and events[0]["booth"] == BOOTH
    before = booth.snapshot()
    assert forward(booth.ctx, "alice", TID2) == (TID2, "BD-3000-01")  # a double scan
    assert booth.snapshot() == before
    refused(booth, "misrouted", 409, receive, booth.ctx, "alice", TID2)
    assert find(booth.ctx, TID2) == []  # never on this booth's shelf


def test_forward_refuses_a_parcel_for_this_booth(booth: Booth) -> None:
    inbound.apply_manifest(booth.ctx, manifest(TID2))
    refused(booth, "not_misrouted", 409, forward, booth.ctx, "alice", TID2)
    refused(booth, "not_misrouted", 409, forward, booth.ctx, "alice", TID)  # unknown here
    refused(booth, "invalid_tracking_id", 400, forward, booth.ctx, "alice", "CP1BD")


# -- finding a parcel at the counter ----------------------------------------------------------------


def test_find_by_tracking_number_or_phone(booth: Booth) -> None:
    make_ready(booth)
    make_ready(booth, TID)
    assert [p["tracking_id"] for p in find(booth.ctx, "+8801712345678")] == [TID2, TID]
    assert [p["tracking_id"] for p in find(booth.ctx, "01712345678")] == [TID2, TID]
    assert [p["tracking_id"] for p in find(booth.ctx, TID.lower())] == [TID]
    assert find(booth.ctx, "01812345678") == []
    for bad in ("", "12345", None, "hello"):
        with pytest.raises(ServiceError) as info:
            find(booth.ctx, bad)
        assert info.value.code == "invalid_query"


# -- identity-document handover ---------------------------------------------------------------------


def test_document_handover_needs_a_supervisor_and_a_document(booth: Booth) -> None:
    make_ready(booth)
    args = (booth.ctx, "alice")
    refused(
        booth, "supervisor_required", 403, handover_by_document, *args, None, TID2, "nid", "1234567890", "500"
    )
    refused(
        booth,
        "supervisor_required",
        403,
        handover_by_document,
        *args,
        ALICE,
        TID2,
        "nid",
        "1234567890",
        "500",
    )
    refused(
        booth, "invalid_document", 400, handover_by_document, *args, SAM, TID2, "library_card", "12345", "500"
    )
    refused(booth, "invalid_document", 400, handover_by_document, *args, SAM, TID2, "nid", "12", "500")
    refused(booth, "cod_mismatch", 422, handover_by_document, *args, SAM, TID2, "nid", "1234567890", "5")
    assert handover_by_document(*args, SAM, TID2, "nid", "1234 5678 90", "500") == "delivered"
    event = booth.events()[-1]
    assert event["type"] == "parcel.delivered" and event["data"]["verified_by"] == "id_document"
    with booth.ctx.store.read() as tx:
        audits = " ".join(r[0] for r in tx.execute("SELECT outcome FROM audit WHERE action = 'handover'"))
    assert "approved by sam" in audits and "…7890" in audits and "1234567890" not in audits
    before = booth.snapshot()
    assert handover_by_document(*args, SAM, TID2, "nid", "1234567890", "500") == "delivered"  # double submit
    assert booth.snapshot() == before


def test_document_handover_works_on_a_locked_parcel(booth: Booth) -> None:
    code = make_ready(booth)
    bad = f"{(int(code) + 1) % 1_000_000:06d}"
    for _ in range(5):
        with pytest.raises(ServiceError):
            handover(booth.ctx, "alice", TID2, bad, "500")
    assert handover_by_document(booth.ctx, "alice", SAM, TID2, "passport", "A1234567", "500") == "delivered"


def test_handover_records_cash_and_prints_a_delivery_receipt(booth: Booth) -> None:
    code = make_ready(booth, cod="1250.50")
    assert handover(booth.ctx, "alice", TID2, code, "1250.50") == "delivered"
    assert "বিতরণ রসিদ" in booth.printer.jobs[-1]
    assert "পরিশোধিত (COD): ৳ 1250.50" in booth.printer.jobs[-1] and TID2 in booth.printer.jobs[-1]
    assert cashup.day(booth.ctx).expected == Decimal("1250.50")


# -- returns ----------------------------------------------------------------------------------------


def test_refused_parcel_goes_back_to_its_sender(booth: Booth) -> None:
    make_ready(booth)
    refused(booth, "note_required", 400, return_parcel, booth.ctx, "alice", TID2, "refused", " ")
    refused(booth, "invalid_reason", 400, return_parcel, booth.ctx, "alice", TID2, "lost", "x")
    refused(booth, "invalid_note", 400, return_parcel, booth.ctx, "alice", TID2, "refused", "x" * 501)
    refused(booth, "not_found", 404, return_parcel, booth.ctx, "alice", TID, "refused", "x")
    assert return_parcel(booth.ctx, "alice", TID2, "refused", "does not want it") == OTHER
    event = booth.events()[-1]
    assert event["type"] == "parcel.returned" and event["data"]["reason"] == "refused: does not want it"
    assert "ফেরত রসিদ" in booth.printer.jobs[-1] and f"ফেরত যাবে: {OTHER}" in booth.printer.jobs[-1]
    before = booth.snapshot()
    assert return_parcel(booth.ctx, "alice", TID2, "refused", "does not want it") == OTHER  # double submit
    assert booth.snapshot() == before
    refused(booth, "not_ready", 409, handover, booth.ctx, "alice", TID2, "123456", "500")


@pytest.mark.parametrize("kind", ["damaged", "wrong_goods"])
def test_damaged_or_wrong_goods_are_returned(booth: Booth, kind: str) -> None:
    make_ready(booth)
    assert return_parcel(booth.ctx, "alice", TID2, kind, "box crushed, phone broken") == OTHER
    assert booth.events()[-1]["data"]["reason"] == f"{kind}: box crushed, phone broken"


def test_uncollected_return_only_after_the_configured_days(tmp_path: Path) -> None:
    booth = make_booth(tmp_path, uncollected_days=3)
    try:
        make_ready(booth)
        assert overdue(booth.ctx) == []
        refused(booth, "not_overdue", 409, return_parcel, booth.ctx, "alice", TID2, "uncollected")
        later(booth, days=3, seconds=1)
        assert [p["tracking_id"] for p in overdue(booth.ctx)] == [TID2]
        assert return_parcel(booth.ctx, "alice", TID2, "uncollected") == OTHER
        assert booth.events()[-1]["data"]["reason"] == "uncollected"
    finally:
        booth.ctx.store.close()


def test_a_delivered_parcel_cannot_be_returned(booth: Booth) -> None:
    code = make_ready(booth)
    handover(booth.ctx, "alice", TID2, code, "500")
    refused(booth, "invalid_state", 409, return_parcel, booth.ctx, "alice", TID2, "damaged", "opened at home")


# -- cash-up ----------------------------------------------------------------------------------------


def deliver(booth: Booth, tid: str, cod: str) -> None:
    code = make_ready(booth, tid, cod=cod)
    handover(booth.ctx, "alice", tid, code, cod)


def test_close_the_day_once_with_a_z_report(booth: Booth) -> None:
    deliver(booth, TID, "1250.50")
    deliver(booth, TID2, "99.50")
    day = cashup.day(booth.ctx)
    assert (day.expected, day.parcels, day.closed) == (Decimal("1350.00"), 2, None)
    closed = cashup.close_day(booth.ctx, "alice", "1350")
    assert closed.closed is not None and closed.closed["counted"] == "1350.00"
    event = booth.events()[-1]
    assert event["type"] == "cash.closed"
    assert event["data"] | {} == {
        "business_date": day.business_date,
        "expected": "1350.00",
        "counted": "1350.00",
        "parcels": 2,
        "reason": None,
    }
    assert "দিনশেষ হিসাব (Z)" in booth.printer.jobs[-1] and "প্রত্যাশিত COD: ৳ 1350.00" in booth.printer.jobs[-1]
    refused(booth, "day_closed", 409, cashup.close_day, booth.ctx, "alice", "1350")


def test_a_cash_discrepancy_needs_a_reason_and_a_supervisor(booth: Booth) -> None:
    deliver(booth, TID, "500")
    close = cashup.close_day
    refused(booth, "reason_required", 422, close, booth.ctx, "alice", "480")
    refused(booth, "supervisor_required", 403, close, booth.ctx, "alice", "480", "a torn note", ALICE)
    day = close(booth.ctx, "alice", "480", "a torn 20-taka note", SAM)
    assert day.closed is not None and day.closed["approved_by"] == "sam"
    data = booth.events()[-1]["data"]
    assert (data["expected"], data["counted"], data["reason"]) == ("500.00", "480.00", "a torn 20-taka note")
    assert "পার্থক্য: -৳ 20.00" in booth.printer.jobs[-1] and "অনুমোদন: sam" in booth.printer.jobs[-1]


def test_cash_close_bad_input_changes_nothing(booth: Booth) -> None:
    for bad in ("abc", "-1", "1.234", None):
        refused(booth, "invalid_amount", 400, cashup.close_day, booth.ctx, "alice", bad)
    refused(booth, "invalid_date", 400, cashup.close_day, booth.ctx, "alice", "0", business_date="23/11/2026")
    tomorrow = (booth.ctx.now() + timedelta(days=1)).date().isoformat()
    refused(booth, "invalid_date", 400, cashup.close_day, booth.ctx, "alice", "0", business_date=tomorrow)
    refused(booth, "invalid_reason", 400, cashup.close_day, booth.ctx, "alice", "5", "x" * 501, SAM)


def test_an_empty_day_closes_at_zero(booth: Booth) -> None:
    assert cashup.close_day(booth.ctx, "alice", "0").closed is not None
    assert booth.events()[-1]["data"]["parcels"] == 0


def test_cash_taken_after_the_close_counts_towards_the_next_day(booth: Booth) -> None:
    cashup.close_day(booth.ctx, "alice", "0")
    deliver(booth, TID, "700")
    today = booth.ctx.now().date()
    assert cashup.day(booth.ctx).parcels == 0
    tomorrow = cashup.day(booth.ctx, (today + timedelta(days=1)).isoformat())
    assert (tomorrow.parcels, tomorrow.expected) == (1, Decimal("700.00"))


def test_a_walk_in_form_sent_twice_takes_one_parcel(booth: Booth) -> None:
    inbound.apply_config(
        booth.ctx, BoothConfig.model_validate({"serial_blocks": [{"service": "CP", "start": 10, "end": 20}]})
    )
    first = accept(booth, tracking_id=None, submission="form-key-0001")
    before = booth.snapshot()
    again = accept(booth, tracking_id=None, submission="form-key-0001")
    assert again.tracking_id == first.tracking_id and booth.snapshot() == before
    refused(
        booth,
        "already_accepted",
        409,
        accept,
        booth,
        tracking_id=None,
        submission="form-key-0001",
        cod_amount="5",
    )
    assert accept(booth, tracking_id=None, submission="form-key-0002").tracking_id != first.tracking_id
    assert accept(booth, tracking_id=None).tracking_id != first.tracking_id  # no key: a new parcel each time
    for bad in ("short", "x" * 65, "bad key!", 12):
        refused(booth, "invalid_submission", 400, accept, booth, tracking_id=None, submission=bad)
