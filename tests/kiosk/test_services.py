"""Counter services: every rule and every bad input, with refused actions leaving nothing changed."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from kiosk.services import auth, inbound
from kiosk.services.dispatch import dispatch
from kiosk.services.errors import ServiceError
from kiosk.services.handover import handover
from kiosk.services.intake import intake
from kiosk.services.receive import receive
from kiosk.store import outbox
from parcel import s10
from parcel.control import BoothConfig, Manifest, SerialBlockMsg
from parcel.lifecycle import EventType
from parcel.messages import parse_event
from parcel.tariff import DEFAULT_TARIFF, Band, Tariff

from .conftest import BOOTH, OTHER, SAME_DISTRICT, Booth, ready_code

TID = "CP123456785BD"
TID2 = s10.make("CP", 22222222)
RECIPIENT = {"name": "Rahima Begum", "phone": "01712345678"}
SUPERVISOR = auth.Clerk("sam", "supervisor")


def accept(booth: Booth, **overrides: Any) -> Any:
    args: dict[str, Any] = {
        "recipient": RECIPIENT,
        "destination": OTHER,
        "cod_amount": "1250.50",
        "tracking_id": TID,
        "weight_g": 600,
        "approver": SUPERVISOR,
    }
    args.update(overrides)
    return intake(booth.ctx, "alice", **args)


def refused(booth: Booth, code: str, status: int, fn: Any, *args: Any, **kwargs: Any) -> ServiceError:
    """Call fn, expect ServiceError(code, status), and check nothing changed."""
    before = booth.snapshot()
    with pytest.raises(ServiceError) as info:
        fn(*args, **kwargs)
    assert (info.value.code, info.value.http_status) == (code, status), info.value.message
    assert booth.snapshot() == before
    return info.value


def manifest(tid: str = TID2, destination: str = BOOTH, cod: str = "500") -> Manifest:
    return Manifest.model_validate(
        {
            "tracking_id": tid,
            "origin": OTHER,
            "destination": destination,
            "recipient": RECIPIENT,
            "cod_amount": cod,
            "weight_g": 900,
        }
    )


# -- clerks ---------------------------------------------------------------------------------------


def test_login_and_lockout_after_five_wrong_pins(booth: Booth) -> None:
    auth.add_clerk(booth.ctx, "alice", "1234")
    assert auth.login(booth.ctx, "alice", "1234").role == "clerk"
    for _ in range(4):
        with pytest.raises(ServiceError) as info:
            auth.login(booth.ctx, "alice", "0000")
        assert (info.value.code, info.value.http_status) == ("invalid_credentials", 401)
    with pytest.raises(ServiceError) as info:
        auth.login(booth.ctx, "alice", "0000")
    assert (info.value.code, info.value.http_status) == ("clerk_locked", 423)
    with pytest.raises(ServiceError) as info:
        auth.login(booth.ctx, "alice", "1234")  # right PIN, still locked
    assert info.value.code == "clerk_locked"


def test_wrong_pins_not_in_a_row_do_not_lock(booth: Booth) -> None:
    auth.add_clerk(booth.ctx, "alice", "1234")
    for _ in range(3):
        with pytest.raises(ServiceError):
            auth.login(booth.ctx, "alice", "0000")
    auth.login(booth.ctx, "alice", "1234")
    for _ in range(4):
        with pytest.raises(ServiceError):
            auth.login(booth.ctx, "alice", "0000")
    assert auth.login(booth.ctx, "alice", "1234").id == "alice"


def test_unknown_clerk_and_bad_clerk_input(booth: Booth) -> None:
    with pytest.raises(ServiceError, match="wrong clerk or PIN"):
        auth.login(booth.ctx, "nobody", "1234")
    with pytest.raises(ServiceError) as info:
        auth.add_clerk(booth.ctx, "bob", "12")
    assert info.value.code == "invalid_pin"
    with pytest.raises(ServiceError) as info:
        auth.add_clerk(booth.ctx, "bad id!", "1234")
    assert info.value.code == "invalid_clerk"


def test_pins_are_stored_hashed(booth: Booth) -> None:
    auth.add_clerk(booth.ctx, "alice", "123456")
    with booth.ctx.store.read() as tx:
        row = tx.execute("SELECT pin_hash, pin_salt FROM clerks").fetchone()
    assert b"123456" not in bytes(row[0]) and len(row[1]) == 16


# -- intake -----------------------------------------------------------------------------------------


def test_intake_writes_parcel_event_and_prints(booth: Booth) -> None:
    result = accept(booth)
    assert result.tracking_id == TID and result.weight_g == 600 and result.printed
    assert result.fee == DEFAULT_TARIFF.fee(600, "national") == Decimal("105.00")
    (event,) = booth.events()
    assert event["type"] == "parcel.accepted" and event["seq"] == 1 and event["booth"] == BOOTH
    assert (
        event["data"]["cod_amount"] == "1250.50" and event["data"]["recipient"]["phone"] == "+8801712345678"
    )
    assert booth.commits, "the uplink was not woken"
    (job,) = booth.printer.jobs
    assert TID in "\n".join(job) and "1250.50" in "\n".join(job)
    assert TID in (booth.printer.spool.read_text() if booth.printer.spool else "")


def test_intake_local_zone_fee(booth: Booth) -> None:
    assert accept(booth, destination=SAME_DISTRICT).fee == Decimal("70.00")


def test_intake_reads_stable_weight_from_the_scale(booth: Booth) -> None:
    booth.scale.put(1500, stable=True)
    result = accept(booth, weight_g=None)
    assert result.weight_g == 1500


def test_intake_refuses_unstable_weight(booth: Booth) -> None:
    booth.scale.put(1500, stable=False)
    refused(booth, "weight_unstable", 409, accept, booth, weight_g=None)


@pytest.mark.parametrize(
    ("overrides", "code"),
    [
        ({"tracking_id": "CP123456784BD"}, "invalid_tracking_id"),
        ({"tracking_id": "CP123456785GB"}, "invalid_tracking_id"),
        ({"tracking_id": 12}, "invalid_tracking_id"),
        ({"recipient": {"name": "X", "phone": "12345"}}, "invalid_phone"),
        ({"recipient": {"name": "  ", "phone": "01712345678"}}, "invalid_recipient"),
        ({"recipient": "Rahima"}, "invalid_recipient"),
        ({"destination": "Dhaka"}, "invalid_destination"),
        ({"destination": None}, "invalid_destination"),
        ({"cod_amount": "12.345"}, "invalid_amount"),
        ({"cod_amount": "-1"}, "invalid_amount"),
        ({"cod_amount": None}, "invalid_amount"),
        ({"weight_g": 0}, "invalid_weight"),
        ({"weight_g": "600"}, "invalid_weight"),
        ({"weight_g": True}, "invalid_weight"),
        ({"weight_g": 100_001}, "invalid_weight"),
    ],
)
def test_intake_bad_input_changes_nothing(booth: Booth, overrides: dict[str, Any], code: str) -> None:
    refused(booth, code, 400, accept, booth, **overrides)
    assert booth.printer.jobs == []


def test_intake_same_submission_twice_is_idempotent(booth: Booth) -> None:
    first = accept(booth)
    before = booth.snapshot()
    again = accept(booth, recipient={"name": "Rahima Begum", "phone": "+880 1712-345678"})
    assert again == first
    assert booth.snapshot() == before


def test_intake_same_id_other_data_is_refused(booth: Booth) -> None:
    accept(booth)
    refused(booth, "already_accepted", 409, accept, booth, cod_amount="99")
    refused(booth, "already_accepted", 409, accept, booth, destination=SAME_DISTRICT)


def test_walk_in_needs_a_serial_block(booth: Booth) -> None:
    refused(booth, "no_serial_block", 409, accept, booth, tracking_id=None)


def test_walk_in_numbers_come_from_the_block_and_tariff_from_config(booth: Booth) -> None:
    tariff = Tariff(bands=[Band(max_g=1000, fee=Decimal("40"))], extra_per_kg=Decimal("10"))
    inbound.apply_config(
        booth.ctx,
        BoothConfig(serial_blocks=[SerialBlockMsg(service="CP", start=100, end=102)], tariff=tariff),
    )
    a = accept(booth, tracking_id=None)
    b = accept(booth, tracking_id=None)
    assert (a.tracking_id, b.tracking_id) == (s10.make("CP", 100), s10.make("CP", 101))
    assert a.fee == Decimal("60.00")  # 40 x national 1.5
    refused(booth, "no_serial_block", 409, accept, booth, tracking_id=None)


def test_print_failure_keeps_the_intake_and_the_job(booth: Booth) -> None:
    booth.printer.paper_out = True
    result = accept(booth)
    assert result.printed is False
    assert [e["type"] for e in booth.events()] == ["parcel.accepted"]
    with booth.ctx.store.read() as tx:
        job = tx.execute("SELECT status, detail, content FROM print_jobs").fetchone()
    assert job["status"] == "failed" and "paper" in job["detail"] and TID in job["content"]


# -- dispatch --------------------------------------------------------------------------------------


def test_dispatch_once(booth: Booth) -> None:
    accept(booth)
    assert dispatch(booth.ctx, "alice", TID) == (TID, "dispatched")
    before = booth.snapshot()
    assert dispatch(booth.ctx, "alice", TID) == (TID, "dispatched")
    assert booth.snapshot() == before
    assert [e["type"] for e in booth.events()] == ["parcel.accepted", "parcel.dispatched"]


def test_dispatch_unknown_parcel(booth: Booth) -> None:
    refused(booth, "not_found", 404, dispatch, booth.ctx, "alice", TID)
    refused(booth, "invalid_tracking_id", 400, dispatch, booth.ctx, "alice", "nope")


# -- receive ---------------------------------------------------------------------------------------


def test_receive_announced_parcel_issues_a_code_in_one_transaction(booth: Booth) -> None:
    inbound.apply_manifest(booth.ctx, manifest())
    assert receive(booth.ctx, "alice", TID2.lower()) == (TID2, "ready")
    arrived, ready = booth.events()
    assert arrived["type"] == "parcel.arrived" and arrived["data"]["unannounced"] is False
    assert ready["type"] == "parcel.ready" and ready["seq"] == arrived["seq"] + 1
    code = ready["data"]["collection_code"]
    assert len(code) == 6 and code.isdigit()
    parse_event(outbox_bytes(booth)[1], topic_booth=BOOTH)  # the ready event is valid on the wire
    with booth.ctx.store.read() as tx:
        row = tx.execute("SELECT * FROM parcels WHERE tracking_id = ?", (TID2,)).fetchone()
    assert code.encode() not in bytes(row["code_hash"]) and row["status"] == "ready"
    assert row["cod_amount"] == "500.00"


def outbox_bytes(booth: Booth) -> list[bytes]:
    with booth.ctx.store.read() as tx:
        return [r.payload for r in outbox.after(tx, 0, 100)]


def test_receive_again_is_idempotent(booth: Booth) -> None:
    inbound.apply_manifest(booth.ctx, manifest())
    receive(booth.ctx, "alice", TID2)
    before = booth.snapshot()
    assert receive(booth.ctx, "alice", TID2) == (TID2, "ready")
    assert booth.snapshot() == before


def test_receive_misrouted_changes_nothing(booth: Booth) -> None:
    inbound.apply_manifest(booth.ctx, manifest(destination=OTHER))
    refused(booth, "misrouted", 409, receive, booth.ctx, "alice", TID2)


def test_receive_parcel_accepted_here_for_elsewhere_is_misrouted(booth: Booth) -> None:
    accept(booth)
    refused(booth, "misrouted", 409, receive, booth.ctx, "alice", TID)


def test_unannounced_parcel_is_completed_by_its_manifest(booth: Booth) -> None:
    receive(booth.ctx, "alice", TID2)
    arrived, _ = booth.events()
    assert arrived["data"]["unannounced"] is True
    code = ready_code(booth, TID2)
    refused(booth, "cod_unknown", 409, handover, booth.ctx, "alice", TID2, code, "500")
    assert inbound.apply_manifest(booth.ctx, manifest(cod="500"))
    assert handover(booth.ctx, "alice", TID2, code, "500.00") == "delivered"


# -- handover --------------------------------------------------------------------------------------


@pytest.fixture
def ready(booth: Booth) -> str:
    """A parcel ready here with COD 500; returns its collection code."""
    inbound.apply_manifest(booth.ctx, manifest(cod="500"))
    receive(booth.ctx, "alice", TID2)
    return ready_code(booth, TID2)


def test_handover_success(booth: Booth, ready: str) -> None:
    assert handover(booth.ctx, "alice", TID2, ready, 500) == "delivered"
    event = booth.events()[-1]
    assert event["type"] == "parcel.delivered" and event["data"]["cod_collected"] == "500.00"
    before = booth.snapshot()
    assert handover(booth.ctx, "alice", TID2, ready, "500") == "delivered"  # a double submit
    assert booth.snapshot() == before
    refused(booth, "not_ready", 409, handover, booth.ctx, "alice", TID2, ready, "400")
    wrong = f"{(int(ready) + 1) % 1_000_000:06d}"
    refused(booth, "not_ready", 409, handover, booth.ctx, "alice", TID2, wrong, "500")


def test_handover_accepts_a_code_in_bengali_digits(booth: Booth, ready: str) -> None:
    bengali = ready.translate(str.maketrans("0123456789", "০১২৩৪৫৬৭৮৯"))
    # Amounts reach the services in the API's grammar: the counter's form turns "৫০০" into "500.00".
    refused(booth, "invalid_amount", 400, handover, booth.ctx, "alice", TID2, ready, "৫০০")
    assert handover(booth.ctx, "alice", TID2, f" {bengali[:3]} {bengali[3:]} ", "500") == "delivered"


def test_handover_not_found_and_not_ready(booth: Booth) -> None:
    refused(booth, "not_found", 404, handover, booth.ctx, "alice", TID2, "123456", "0")
    accept(booth)
    refused(booth, "not_ready", 409, handover, booth.ctx, "alice", TID, "123456", "0")


@pytest.mark.parametrize(
    ("code", "cod"), [("12345", "500"), ("abcdef", "500"), (123456, "500"), ("123456", "x")]
)
def test_handover_bad_input(booth: Booth, ready: str, code: Any, cod: Any) -> None:
    err = "invalid_amount" if cod == "x" else "invalid_code"
    refused(booth, err, 400, handover, booth.ctx, "alice", TID2, code, cod)


def test_handover_cod_mismatch_changes_nothing(booth: Booth, ready: str) -> None:
    refused(booth, "cod_mismatch", 422, handover, booth.ctx, "alice", TID2, ready, "499.99")


def test_handover_expired_code(tmp_path: Path) -> None:
    from .conftest import make_booth

    booth = make_booth(tmp_path, code_valid_days=1)
    try:
        inbound.apply_manifest(booth.ctx, manifest())
        receive(booth.ctx, "alice", TID2)
        code = ready_code(booth, TID2)
        real = booth.ctx.clock
        booth.ctx.clock = lambda: real() + timedelta(days=1, seconds=1)
        refused(booth, "code_expired", 409, handover, booth.ctx, "alice", TID2, code, "500")
    finally:
        booth.ctx.store.close()


def wrong(code: str) -> str:
    return f"{(int(code) + 1) % 1_000_000:06d}"


def test_wrong_codes_count_then_lock_with_an_event(booth: Booth, ready: str) -> None:
    seq_before = len(booth.events())
    for left in (4, 3, 2, 1):
        with pytest.raises(ServiceError) as info:
            handover(booth.ctx, "alice", TID2, wrong(ready), "500")
        assert (info.value.code, info.value.http_status) == ("wrong_code", 422)
        assert f"{left} attempts left" in info.value.message
    assert len(booth.events()) == seq_before  # no event before the lock
    with booth.ctx.store.read() as tx:
        assert tx.execute("SELECT code_attempts FROM parcels WHERE tracking_id=?", (TID2,)).fetchone()[0] == 4
        assert tx.execute("SELECT COUNT(*) FROM audit WHERE action='handover'").fetchone()[0] == 4
    with pytest.raises(ServiceError) as info:
        handover(booth.ctx, "alice", TID2, wrong(ready), "500")
    assert info.value.code == "wrong_code"
    failed = booth.events()[-1]
    assert failed["type"] == EventType.HANDOVER_FAILED.value
    assert failed["data"]["reason"] == "locked after 5 wrong codes" and failed["data"]["attempt"] == 5
    refused(booth, "parcel_locked", 423, handover, booth.ctx, "alice", TID2, ready, "500")


def test_codes_and_pins_never_reach_the_logs(booth: Booth, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level("DEBUG")
    auth.add_clerk(booth.ctx, "alice", "857361")
    auth.login(booth.ctx, "alice", "857361")
    receive(booth.ctx, "alice", TID2)
    code = ready_code(booth, TID2)
    with pytest.raises(ServiceError):
        handover(booth.ctx, "alice", TID2, wrong(code), "0")
    with pytest.raises(ServiceError):
        handover(booth.ctx, "alice", TID2, code, "0")  # cod unknown
    assert caplog.records, "nothing was logged at all"
    assert code not in caplog.text and wrong(code) not in caplog.text and "857361" not in caplog.text
