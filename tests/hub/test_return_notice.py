"""The notice to a parcel's sender when its return is back at the sender's booth, on SQLite and PostgreSQL;
and what care staff and merchants see of the sender, the handback and the origin."""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import Engine, select

from demo.sms_sink import SmsSink
from hub.care import parcel_file
from hub.db.schema import notifications
from hub.notify import return_notice
from hub.notify.drivers import HttpDriver
from hub.notify.outbox import Contact, ReturnNotice, queue_returned
from hub.notify.sms import sms_size
from hub.notify.worker import Notifier
from parcel.lifecycle import EventType
from parcel.messages import Accepted, ReturnArrived, ReturnCollected, Returned, Sender
from tests.hub.conftest import ApplyFn
from tests.hub.factory import DEST, NOW, ORIGIN, arrived, ready
from tests.hub.factory import tid as tracking_number
from tests.hub.test_notify import Clock
from tests.hub.test_notify_email import Mailbox, mailer, smtpd  # noqa: F401 - the smtpd fixture
from tests.hub.test_return_leg import acceptance, ev

SENDER_PHONE = "+8801812345678"
WALK_IN = Sender(kind="walk_in", name="মতিউর রহমান", phone="01812345678")
LONGEST = {"tracking_id": "CP999999995BD", "booth": "BD-9999-99"}


def sent_by(tid: str, sender: Sender | None) -> Accepted:
    """The origin's acceptance of a walk-in (no merchant) with this sender."""
    return acceptance(tid, merchant=None).model_copy(update={"sender": sender})


def outbound(tid: str, sender: Sender | None = WALK_IN, base: int = 0) -> list[Any]:
    """Accepted at ORIGIN with a sender, ready at DEST, refused and returned (seqs shifted by base)."""
    return [
        ev(ORIGIN, base + 1, EventType.ACCEPTED, sent_by(tid, sender), 0),
        ev(DEST, base + 1, EventType.ARRIVED, arrived(tid), 20),
        ev(DEST, base + 2, EventType.READY, ready(tid), 20.1),
        ev(DEST, base + 3, EventType.RETURNED, Returned(tracking_id=tid, reason="refused"), 30),
    ]


def back(tid: str, seq: int = 2) -> Any:
    """The return scanned back in at ORIGIN."""
    return ev(ORIGIN, seq, EventType.RETURN_ARRIVED, ReturnArrived(tracking_id=tid, shelf="R-1"), 50)


def collected(tid: str, seq: int = 3, **extra: Any) -> Any:
    """The return handed back at ORIGIN."""
    data = ReturnCollected(
        tracking_id=tid, collected_by="sender", document_kind="nid", document_tail="9876", **extra
    )
    return ev(ORIGIN, seq, EventType.RETURN_COLLECTED, data, 60)


def notices(engine: Engine) -> list[Any]:
    """Every 'returned' notification row, oldest first."""
    with engine.connect() as conn:
        return list(
            conn.execute(
                select(notifications).where(notifications.c.kind == "returned").order_by(notifications.c.id)
            )
        )


def to_sender(sink: SmsSink) -> list[dict[str, Any]]:
    """The SMS the gateway took for the sender's phone."""
    return [m for m in sink.received() if m["to"] == SENDER_PHONE]


@pytest.fixture
def driver(sms_sink: SmsSink) -> Iterator[HttpDriver]:
    """An HTTP SMS driver to the sink, closed afterwards."""
    d = HttpDriver(sms_sink.url)
    try:
        yield d
    finally:
        d.close()


# -- the texts ------------------------------------------------------------------------------------------


@pytest.mark.parametrize("language", ["bn", "en"])
def test_the_returned_sms_fits_its_part_budget_with_the_longest_inputs(language: str) -> None:
    text = return_notice.sms_text(language, **LONGEST)
    size = sms_size(text)
    budget = return_notice.TEMPLATES[("returned", language)].max_parts
    assert size.parts <= budget
    assert size.encoding == ("ucs2" if language == "bn" else "gsm7")
    assert size.units <= (budget * 67 if language == "bn" else 160)
    assert LONGEST["tracking_id"] in text and LONGEST["booth"] in text
    assert re.findall(r"(?<!\d)\d{6}(?!\d)", text) == []  # no code: the sender collects on an ID


def test_the_budget_is_enforced_and_an_unknown_language_is_bengali() -> None:
    with pytest.raises(ValueError, match="budget"):
        return_notice.sms_text("bn", "CP999999995BD" * 3, "BD-9999-99")
    assert return_notice.sms_text("xx", **LONGEST) == return_notice.sms_text("bn", **LONGEST)
    assert return_notice.sms_text(None, **LONGEST) == return_notice.sms_text("bn", **LONGEST)


@pytest.mark.parametrize("language", ["bn", "en"])
def test_the_returned_email_names_the_parcel_and_the_booth(language: str) -> None:
    subject, body = return_notice.email_text(language, **LONGEST)
    assert LONGEST["tracking_id"] in subject and LONGEST["tracking_id"] in body and LONGEST["booth"] in body
    assert ("ফেরত" in body) if language == "bn" else ("come back" in body)


# -- queued once, in the commit of its cause ----------------------------------------------------------


def test_a_walk_in_sender_gets_one_sms_when_the_return_is_back(
    engine: Engine, apply: ApplyFn, sms_sink: SmsSink, driver: HttpDriver
) -> None:
    t = tracking_number(31000001)
    journey, home = outbound(t), back(t)
    apply(*journey)
    assert notices(engine) == []  # returned, not back yet
    apply(home)
    apply(home)  # a redelivery
    apply(*journey, home)  # everything again: the parcel is derived again
    [row] = notices(engine)
    assert (row.cause, row.channel, row.to, row.booth, row.language) == (
        f"returned:{t}",
        "sms",
        SENDER_PHONE,
        ORIGIN,
        "bn",
    )
    notifier = Notifier(engine, driver, clock=Clock())
    assert notifier.run_once() == 2  # the recipient's ready SMS, and the sender's notice
    assert notifier.run_once() == 0
    [sms] = to_sender(sms_sink)
    assert sms["text"] == return_notice.sms_text("bn", t, ORIGIN)
    assert notices(engine)[0].status == "sent"
    with engine.connect() as conn:
        care = parcel_file(conn, t)
    assert care is not None and "returned" in [s["cause"] for s in care["sms"]]


def test_an_acceptance_that_comes_last_still_brings_the_notice(engine: Engine, apply: ApplyFn) -> None:
    t = tracking_number(31000002)
    first, *rest = outbound(t)
    apply(*rest, back(t))  # the origin's acceptance is still on its way (the booth was offline)
    assert notices(engine) == []
    apply(first)
    assert [n.to for n in notices(engine)] == [SENDER_PHONE]


@pytest.mark.parametrize(
    "sender",
    [None, Sender(kind="walk_in", name="নাম শুধু"), Sender(kind="merchant", name="shop-a")],
    ids=["no-sender", "name-only", "merchant"],
)
def test_no_sms_without_a_sender_mobile(engine: Engine, apply: ApplyFn, sender: Sender | None) -> None:
    t = tracking_number(31000003)
    apply(*outbound(t, sender), back(t))
    assert notices(engine) == []  # a merchant has its webhook; a walk-in without a mobile, nothing


def test_a_return_collected_before_the_notice_went_is_not_told(
    engine: Engine, apply: ApplyFn, sms_sink: SmsSink, driver: HttpDriver
) -> None:
    quick, late = tracking_number(31000004), tracking_number(31000005)
    apply(*outbound(quick), back(quick), collected(quick))  # in one batch: never queued
    assert notices(engine) == []
    apply(*outbound(late, base=10), back(late, 12))
    apply(collected(late, 13))  # queued, but collected before the worker came round
    Notifier(engine, driver, clock=Clock()).run_once()
    assert [n.status for n in notices(engine)] == ["cancelled"]
    assert to_sender(sms_sink) == []


def test_the_notice_goes_by_email_too_when_an_address_is_known(
    engine: Engine,
    apply: ApplyFn,
    sms_sink: SmsSink,
    driver: HttpDriver,
    smtpd: tuple[Mailbox, int],  # noqa: F811 - the fixture imported above
) -> None:
    box, port = smtpd
    t = tracking_number(31000006)
    apply(*outbound(t), back(t))
    notice = ReturnNotice(t, ORIGIN, SENDER_PHONE, Contact("en", "sender@example.com.bd"))
    with engine.begin() as conn:
        queue_returned(conn, [notice], NOW)  # the same cause again: nothing new
    with engine.begin() as conn:
        queue_returned(conn, [ReturnNotice(t, ORIGIN, None, Contact("en", "sender@example.com.bd"))], NOW)
    causes = sorted(n.cause for n in notices(engine))
    assert causes == [f"returned:{t}", f"returned:{t}:email"]
    notifier = Notifier(engine, driver, clock=Clock(), mailer=mailer(port))
    notifier.run_once()
    [mail] = box.messages
    assert mail["To"] == "sender@example.com.bd" and t in str(mail["Subject"])
    assert "come back" in mail.get_content()
    assert len(to_sender(sms_sink)) == 1
    assert {n.status for n in notices(engine)} == {"sent"}


def test_a_failing_gateway_retries_the_notice_without_a_second_row(engine: Engine, apply: ApplyFn) -> None:
    sink = SmsSink(fail_next=1).start()
    driver = HttpDriver(sink.url)
    try:
        t = tracking_number(31000007)
        apply(*outbound(t), back(t))
        with engine.begin() as conn:  # the recipient's ready SMS is not this test's business
            conn.execute(
                notifications.update().where(notifications.c.kind != "returned").values(status="sent")
            )
        clock = Clock()
        notifier = Notifier(engine, driver, clock=clock)
        assert notifier.run_once() == 0
        clock.now += timedelta(seconds=3)
        assert notifier.run_once() == 1
        [row] = notices(engine)
        assert (row.status, row.attempts) == ("sent", 2)
        assert len(sink.received()) == 1
    finally:
        driver.close()
        sink.stop()


# -- what care staff see -----------------------------------------------------------------------------


def test_care_sees_the_sender_and_who_took_the_return_back(engine: Engine, apply: ApplyFn) -> None:
    t = tracking_number(31000008)
    handback = collected(t, collector_name="Someone Else", sender_match=False, approved_by="sam")
    apply(*outbound(t), back(t), handback)
    with engine.connect() as conn:
        file = parcel_file(conn, t)
    assert file is not None and file["status"] == "return_collected"
    assert file["sender"] == {"kind": "walk_in", "name": "মতিউর রহমান", "phone": SENDER_PHONE}
    assert file["returned_to"] == {
        "at": file["returned_to"]["at"],
        "booth": ORIGIN,
        "collected_by": "sender",
        "name": "Someone Else",
        "document": "nid …9876",
        "sender_match": False,
        "approved_by": "sam",
    }
    [line] = [e for e in file["events"] if e["type"] == "parcel.return_collected"]
    assert ("collector_name", "Someone Else") in line["detail"] and ("sender_match", False) in line["detail"]
    assert ("approved_by", "sam") in line["detail"]


def test_care_shows_no_handback_before_it_happened(engine: Engine, apply: ApplyFn) -> None:
    t = tracking_number(31000009)
    apply(*outbound(t, None), back(t))
    with engine.connect() as conn:
        file = parcel_file(conn, t)
    assert file is not None and file["returned_to"] is None and file["sender"] is None
