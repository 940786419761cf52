"""SMS over SMPP against the local SMPP peer on a real loopback socket: parts, faults, receipts."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator
from datetime import timedelta
from typing import Any

import pytest
from smpplib import consts
from sqlalchemy import Engine, select

from demo.smpp_peer import SmppPeer
from hub.config import SmsConfig
from hub.db.schema import delivery_parts, notifications
from hub.notify.delivery import ReportRecorder, record_parts, record_report
from hub.notify.drivers import SmsError, make_driver, part_ids
from hub.notify.smpp import SmppDriver
from hub.notify.smpp_parts import DC_DEFAULT, DC_UCS2, ESM_UDHI, Receipt, encode, parse_receipt
from hub.notify.templates import ready_text
from hub.notify.worker import Notifier
from tests.hub.conftest import ApplyFn
from tests.hub.factory import DEST, NOW, ORIGIN, T0, accepted, event, ready, tid
from tests.hub.statements import recorded
from tests.hub.test_notify import CODE_RE, Clock, row

PASSWORD = "s3cret"
PHONE = "+8801711223344"


@pytest.fixture
def peer() -> Iterator[SmppPeer]:
    """A simulated SMSC on a free loopback port."""
    smsc = SmppPeer(password=PASSWORD).start()
    try:
        yield smsc
    finally:
        smsc.stop()


DriverFactory = Callable[..., SmppDriver]


@pytest.fixture
def smpp(peer: SmppPeer) -> Iterator[DriverFactory]:
    """Builds SMPP drivers bound to the peer (closed after the test)."""
    made: list[SmppDriver] = []

    def _make(on_receipt: Any = None, **cfg: Any) -> SmppDriver:
        settings: dict[str, Any] = {
            "driver": "smpp",
            "port": peer.port,
            "system_id": "dakbooth",
            "password": PASSWORD,
            "submit_timeout_s": 2,
        }
        settings.update(cfg)
        driver = make_driver(SmsConfig(**settings), on_receipt)
        assert isinstance(driver, SmppDriver)
        made.append(driver)
        return driver

    try:
        yield _make
    finally:
        for driver in made:
            driver.close()


def wait_for(check: Callable[[], bool], timeout: float = 5.0) -> None:
    """Poll check until it holds; fail after timeout."""
    deadline = time.monotonic() + timeout
    while not check():
        if time.monotonic() > deadline:
            raise AssertionError("condition not reached in time")
        time.sleep(0.02)


# --- bytes -------------------------------------------------------------------------------------


def test_bengali_text_splits_into_parts_of_67_units_with_a_concatenation_header() -> None:
    text = ready_text(tid(99999999), "BD-9999-99", "000000", T0 + timedelta(days=30))
    enc = encode(text, reference=0x2A)
    assert enc.data_coding == DC_UCS2 and enc.esm_class == ESM_UDHI
    assert len(enc.parts) == 2
    assert [p[:6] for p in enc.parts] == [b"\x05\x00\x03\x2a\x02\x01", b"\x05\x00\x03\x2a\x02\x02"]
    assert len(enc.parts[0]) == 6 + 67 * 2
    assert b"".join(p[6:] for p in enc.parts).decode("utf-16-be") == text


def test_short_texts_go_in_one_part_without_a_header() -> None:
    assert encode("ক" * 70).parts == ["ক".encode("utf-16-be") * 70]
    one = encode("DakBooth: parcel ready")
    assert one.data_coding == DC_DEFAULT and one.esm_class == 0 and one.parts == [b"DakBooth: parcel ready"]
    assert len(encode("a" * 161).parts) == 2 and len(encode("a" * 161).parts[0]) == 6 + 153


def test_a_surrogate_pair_or_a_gsm_escape_is_never_split_between_parts() -> None:
    emoji = "ক" * 66 + "😀" + "ক" * 10  # the pair would straddle units 67 and 68
    parts = encode(emoji).parts
    assert len(parts[0]) == 6 + 66 * 2
    assert b"".join(p[6:] for p in parts).decode("utf-16-be") == emoji
    euro = "a" * 152 + "€" + "b" * 10  # € is escape + 0x65: two septets
    gsm = encode(euro).parts
    assert len(gsm[0]) == 6 + 152 and gsm[1][6:8] == b"\x1b\x65"


def test_receipt_text_is_parsed() -> None:
    text = (
        "id:abc123 sub:001 dlvrd:001 submit date:2611240101 done date:2611240102 stat:DELIVRD err:000 text:"
    )
    receipt = parse_receipt(text)
    assert receipt is not None and receipt.provider_id == "abc123" and receipt.status == "delivered"
    assert parse_receipt(text.replace("DELIVRD", "UNDELIV"), "other").status == "undelivered"  # type: ignore[union-attr]
    assert parse_receipt("hello") is None


# --- the session -------------------------------------------------------------------------------


def test_bengali_multipart_sms_is_reassembled_exactly_at_the_smsc(
    engine: Engine, apply: ApplyFn, peer: SmppPeer, smpp: DriverFactory
) -> None:
    t = tid()
    apply(event(ORIGIN, 1, accepted(t)), event(DEST, 1, ready(t, code="482913")))
    notifier = Notifier(engine, smpp(), clock=Clock())
    assert notifier.run_once() == 1
    [message] = peer.received()
    assert message.text == ready_text(t, DEST, "482913", T0 + timedelta(days=7))
    assert message.to == PHONE and message.data_coding == 0x08 and message.parts == 2
    assert peer.code_for(PHONE, t) == "482913"
    n = row(engine)
    assert n.status == "sent" and n.code is None and n.kind == "ready"
    assert n.provider_id.split() == message.ids  # every part's SMSC id is kept
    assert notifier.run_once() == 0 and len(peer.received()) == 1


def test_throttled_submit_is_retried_with_backoff(
    engine: Engine, apply: ApplyFn, peer: SmppPeer, smpp: DriverFactory
) -> None:
    t = tid()
    apply(event(ORIGIN, 1, accepted(t)), event(DEST, 1, ready(t)))
    clock = Clock()
    notifier = Notifier(engine, smpp(), clock=clock)
    peer.reject_next = 2
    assert notifier.run_once() == 0
    n = row(engine)
    assert n.attempts == 1 and "Throttling" in n.last_error and n.code is not None
    assert n.next_attempt_at == NOW + timedelta(seconds=2)
    assert notifier.run_once() == 0 and row(engine).attempts == 1  # not due yet
    clock.now += timedelta(seconds=2)
    assert notifier.run_once() == 0
    assert row(engine).next_attempt_at == clock.now + timedelta(seconds=4)
    clock.now += timedelta(seconds=4)
    assert notifier.run_once() == 1
    assert len(peer.received()) == 1 and row(engine).code is None


def test_dropped_session_is_rebound_and_sending_goes_on(peer: SmppPeer, smpp: DriverFactory) -> None:
    driver = smpp()
    assert driver.send(PHONE, "first")
    assert peer.drop_sessions() == 1
    wait_for(lambda: driver.binds == 2 and peer.sessions() == 1)
    assert driver.send(PHONE, "second")
    assert [m.text for m in peer.received()] == ["first", "second"]
    assert peer.binds == 2


def test_a_drop_while_waiting_for_the_answer_is_an_sms_error(peer: SmppPeer, smpp: DriverFactory) -> None:
    driver = smpp(submit_timeout_s=5)
    assert driver.wait_bound(5)
    peer.silent_next = 1
    started = time.monotonic()
    threading.Timer(0.3, peer.drop_sessions).start()
    with pytest.raises(SmsError, match="connection lost"):
        driver.send(PHONE, "lost")
    assert time.monotonic() - started < 4  # failed at the drop, not at the timeout


def test_unanswered_submit_is_an_sms_error(peer: SmppPeer, smpp: DriverFactory) -> None:
    driver = smpp(submit_timeout_s=0.5)
    assert driver.wait_bound(5)
    peer.silent_next = 1
    with pytest.raises(SmsError, match="did not answer"):
        driver.send(PHONE, "nobody answers")
    assert driver.send(PHONE, "answered")


def test_wrong_password_is_not_bound(peer: SmppPeer, smpp: DriverFactory) -> None:
    driver = smpp(password="wrong", submit_timeout_s=0.5)
    with pytest.raises(SmsError, match="not bound"):
        driver.send(PHONE, "x")
    assert peer.refused_binds >= 1 and peer.binds == 0 and peer.received() == []


def test_enquire_link_keeps_the_session_and_a_silent_smsc_is_left(
    peer: SmppPeer, smpp: DriverFactory
) -> None:
    driver = smpp(enquire_link_s=0.1, submit_timeout_s=0.5)
    assert driver.wait_bound(5)
    wait_for(lambda: peer.enquire_links >= 3)
    assert driver.binds == 1  # answered keepalives: the same session
    peer.answer_enquire_link = False
    wait_for(lambda: driver.binds >= 2)  # unanswered: dropped and bound again
    peer.answer_enquire_link = True
    assert driver.send(PHONE, "still here")


def test_smpp_receipts_are_recorded_per_part(
    engine: Engine, apply: ApplyFn, peer: SmppPeer, smpp: DriverFactory
) -> None:
    t1, t2 = tid(1), tid(2)
    apply(
        event(ORIGIN, 1, accepted(t1)),
        event(ORIGIN, 2, accepted(t2)),
        event(DEST, 1, ready(t1)),
    )
    notifier = Notifier(engine, smpp(on_receipt=ReportRecorder(engine)), clock=Clock())
    assert notifier.run_once() == 1

    def status_of(tracking_id: str) -> Any:
        with engine.connect() as conn:
            return conn.execute(
                select(notifications.c.delivery_status, notifications.c.delivered_at).where(
                    notifications.c.tracking_id == tracking_id
                )
            ).one()

    wait_for(lambda: status_of(t1).delivery_status == "delivered")
    assert status_of(t1).delivered_at is not None
    with engine.connect() as conn:
        parts = conn.execute(select(delivery_parts.c.status)).scalars().all()
    assert parts == ["delivered", "delivered"]
    wait_for(lambda: peer.receipt_acks == [consts.SMPP_ESME_ROK] * 2)
    # A number the network cannot reach: the receipt says UNDELIV.
    peer.undeliverable.add(PHONE)
    apply(event(DEST, 2, ready(t2)))
    assert notifier.run_once() == 1
    wait_for(lambda: status_of(t2).delivery_status == "undelivered")
    assert status_of(t2).delivered_at is None


def test_a_receipt_the_hub_could_not_record_is_refused_for_redelivery(
    peer: SmppPeer, smpp: DriverFactory
) -> None:
    def broken(_receipt: Receipt) -> None:
        raise RuntimeError("database away")

    driver = smpp(on_receipt=broken)
    driver.send(PHONE, "x")
    wait_for(lambda: peer.receipt_acks == [consts.SMPP_ESME_RX_T_APPN])


def test_a_receipt_that_beats_the_senders_commit_is_applied_when_the_part_is_recorded(
    engine: Engine, apply: ApplyFn
) -> None:
    t = tid()
    apply(event(ORIGIN, 1, accepted(t)), event(DEST, 1, ready(t)))
    row_id = row(engine).id
    with engine.begin() as conn:
        assert record_report(conn, Receipt("p-1", "delivered"), NOW) is False
        assert record_report(conn, Receipt("p-2", "accepted"), NOW) is False
        record_parts(conn, row_id, part_ids("p-1"), NOW)
    assert row(engine).delivery_status == "delivered"
    with engine.begin() as conn:
        # An intermediate report never overwrites a final one.
        assert record_report(conn, Receipt("p-1", "enroute"), NOW) is True
    assert row(engine).delivery_status == "delivered"


def test_a_receipt_for_one_part_of_a_long_message_is_joined_when_the_parts_are_recorded(
    engine: Engine, apply: ApplyFn
) -> None:
    """Two parts, a report for the second already in: recording the parts links both to the
    message and derives its status from the report; with no report before, the status stays open."""
    first, second = tid(), tid()
    apply(event(ORIGIN, 1, accepted(first)), event(DEST, 1, ready(first)))
    apply(event(ORIGIN, 2, accepted(second)), event(DEST, 2, ready(second)))
    with engine.connect() as conn:
        early, quiet = conn.execute(select(notifications.c.id).order_by(notifications.c.id)).scalars()
    with engine.begin() as conn:
        assert record_report(conn, Receipt("e-2", "undelivered"), NOW) is False
        record_parts(conn, early, ("e-1", "e-2"), NOW)
        with recorded(conn) as statements:
            record_parts(conn, quiet, ("q-1", "q-2"), NOW)
    # With no report before them, the parts' INSERT is all it takes: nothing to join, no status.
    assert [s.split()[0] for s, _params in statements] == ["INSERT"]
    with engine.connect() as conn:
        linked = dict(
            conn.execute(select(delivery_parts.c.provider_id, delivery_parts.c.notification_id)).all()
        )
    assert linked == {"e-1": early, "e-2": early, "q-1": quiet, "q-2": quiet}
    with engine.connect() as conn:
        status = dict(conn.execute(select(notifications.c.id, notifications.c.delivery_status)).all())
    assert status == {early: "undelivered", quiet: None}


def test_no_code_reaches_the_log(
    engine: Engine, apply: ApplyFn, peer: SmppPeer, smpp: DriverFactory, caplog: pytest.LogCaptureFixture
) -> None:
    t = tid()
    apply(event(ORIGIN, 1, accepted(t)), event(DEST, 1, ready(t, code="731904")))
    with caplog.at_level("DEBUG"):
        assert Notifier(engine, smpp(), clock=Clock()).run_once() == 1
    assert CODE_RE.findall(peer.received()[0].text) == ["731904"]
    assert "731904" not in caplog.text
    assert "731904".encode("utf-16-be").hex() not in caplog.text
