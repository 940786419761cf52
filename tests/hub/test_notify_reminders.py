"""Reminders for parcels waiting at the booth and the last notice before return."""

from __future__ import annotations

import re
import threading
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Engine, select

from demo.sms_sink import SmsSink
from hub.config import NotifyConfig
from hub.db.schema import notifications, notify_schedule
from hub.notify.drivers import HttpDriver
from hub.notify.reminders import ReminderRound, plan
from hub.notify.worker import Notifier
from parcel.messages import Ready
from tests.hub.conftest import ApplyFn
from tests.hub.factory import DEST, NOW, ORIGIN, accepted, delivered, event, tid
from tests.hub.statements import recorded
from tests.hub.test_merchant import SHIPMENT, _hub
from tests.hub.test_notify import CODE_RE, Clock

DAY = timedelta(days=1)
EXPIRES = NOW + 10 * DAY
CFG = NotifyConfig(reminder_after_days=3, reminders=2)


def ready_for(t: str, expires: datetime = EXPIRES, code: str = "482913") -> Ready:
    """A ready event whose code expires at `expires`."""
    return Ready(tracking_id=t, collection_code=code, code_expires_at=expires)


def causes(engine: Engine) -> list[str]:
    """Every notification cause except the ready ones, in order."""
    with engine.connect() as conn:
        found = conn.execute(select(notifications.c.cause).order_by(notifications.c.id)).scalars()
        return [c for c in found if not c.startswith("ready:")]


def scheduled(engine: Engine) -> dict[str, Any]:
    """The schedule rows by tracking id."""
    with engine.connect() as conn:
        return {r.tracking_id: r for r in conn.execute(select(notify_schedule))}


def at(clock: Clock, when: datetime, rounds: ReminderRound) -> int:
    """Run one round at `when`."""
    clock.now = when
    return rounds.run_once()


def test_plan_spaces_reminders_and_ends_with_the_last_notice() -> None:
    steps = plan("CP123456785BD", NOW, EXPIRES, CFG)
    assert [(s.cause, s.due - NOW) for s in steps] == [
        ("reminder:CP123456785BD:1", 3 * DAY),
        ("reminder:CP123456785BD:2", 6 * DAY),
        ("final:CP123456785BD", 9 * DAY),
    ]
    # A short collection window: no reminder would come after the last notice.
    assert [s.kind for s in plan("CP123456785BD", NOW, NOW + 4 * DAY, CFG)] == ["final"]
    off = NotifyConfig(reminders=0, final_notice=False)
    assert plan("CP123456785BD", NOW, EXPIRES, off) == []


def test_reminders_then_the_final_notice_each_once_at_their_time(engine: Engine, apply: ApplyFn) -> None:
    t = tid()
    apply(event(ORIGIN, 1, accepted(t)), event(DEST, 1, ready_for(t)))
    clock = Clock()
    rounds = ReminderRound(engine, CFG, clock)
    assert at(clock, NOW, rounds) == 0  # planned: next look at +3 days
    assert scheduled(engine)[t].due_at == NOW + 3 * DAY
    assert at(clock, NOW + 3 * DAY - timedelta(minutes=1), rounds) == 0
    assert at(clock, NOW + 3 * DAY, rounds) == 1
    assert at(clock, NOW + 3 * DAY + timedelta(hours=1), rounds) == 0  # the same round again: nothing
    assert causes(engine) == [f"reminder:{t}:1"]
    assert at(clock, NOW + 6 * DAY, rounds) == 1
    assert at(clock, EXPIRES - timedelta(hours=25), rounds) == 0  # two days before: not yet
    assert at(clock, EXPIRES - timedelta(hours=23), rounds) == 1  # the last day
    assert causes(engine) == [f"reminder:{t}:1", f"reminder:{t}:2", f"final:{t}"]
    assert t not in scheduled(engine)  # nothing left to send
    assert at(clock, EXPIRES + DAY, rounds) == 0


def test_a_round_after_a_long_stop_sends_only_the_latest_step(engine: Engine, apply: ApplyFn) -> None:
    t = tid()
    apply(event(ORIGIN, 1, accepted(t)), event(DEST, 1, ready_for(t)))
    clock = Clock()
    rounds = ReminderRound(engine, CFG, clock)
    assert at(clock, EXPIRES - timedelta(hours=2), rounds) == 1
    assert causes(engine) == [f"final:{t}"]
    u = tid(2)
    apply(event(ORIGIN, 2, accepted(u)), event(DEST, 2, ready_for(u)))
    assert at(clock, EXPIRES + timedelta(hours=1), rounds) == 0  # expired: returned, not reminded
    assert scheduled(engine) == {}


def test_reminder_text_has_no_code_and_is_cancelled_once_collected(
    engine: Engine, apply: ApplyFn, sms_sink: SmsSink
) -> None:
    t, u = tid(1), tid(2)
    apply(
        event(ORIGIN, 1, accepted(t)),
        event(ORIGIN, 2, accepted(u)),
        event(DEST, 1, ready_for(t)),
        event(DEST, 2, ready_for(u)),
    )
    clock = Clock()
    notifier = Notifier(engine, HttpDriver(sms_sink.url), clock=clock)
    assert notifier.run_once() == 2  # the two ready SMS
    rounds = ReminderRound(engine, CFG, clock)
    at(clock, NOW, rounds)
    assert at(clock, NOW + 3 * DAY, rounds) == 2
    apply(event(DEST, 3, delivered(u)), now=clock.now)  # collected before its reminder went out
    assert notifier.run_once() == 1
    reminder = sms_sink.received()[-1]
    assert t in reminder["text"] and "অপেক্ষায়" in reminder["text"]
    assert CODE_RE.findall(reminder["text"]) == []
    assert re.search(r"[০-৯]{2}/[০-৯]{2}/[০-৯]{4}", reminder["text"])  # the date in Bengali digits
    with engine.connect() as conn:
        cancelled = conn.execute(
            select(notifications.c.status).where(notifications.c.cause == f"reminder:{u}:1")
        ).scalar_one()
    assert cancelled == "cancelled"
    assert at(clock, NOW + 6 * DAY, rounds) == 1  # only t: nothing more for the delivered parcel
    assert [c for c in causes(engine) if u in c] == [f"reminder:{u}:1"]
    assert u not in scheduled(engine)


def test_no_reminder_for_a_parcel_delivered_before_it_was_due(engine: Engine, apply: ApplyFn) -> None:
    t = tid()
    apply(event(ORIGIN, 1, accepted(t)), event(DEST, 1, ready_for(t)), event(DEST, 2, delivered(t)))
    clock = Clock()
    rounds = ReminderRound(engine, CFG, clock)
    for day in range(11):
        at(clock, NOW + day * DAY, rounds)
    assert causes(engine) == [] and scheduled(engine) == {}


def test_two_rounds_in_two_threads_queue_each_cause_exactly_once(engine: Engine, apply: ApplyFn) -> None:
    parcels = [tid(n) for n in range(1, 31)]
    apply(
        *[event(ORIGIN, n, accepted(t)) for n, t in enumerate(parcels, 1)],
        *[event(DEST, n, ready_for(t)) for n, t in enumerate(parcels, 1)],
    )
    clock = Clock()
    ReminderRound(engine, CFG, clock).run_once()
    clock.now = NOW + 3 * DAY
    # Two hub processes' rounds at once (each its own object), twice over.
    rounds = [ReminderRound(engine, CFG, clock) for _ in range(2)]
    start = threading.Barrier(2)
    errors: list[BaseException] = []

    def run(r: ReminderRound) -> None:
        try:
            start.wait()
            r.run_once()
            r.run_once()
        except BaseException as exc:  # reported below
            errors.append(exc)

    threads = [threading.Thread(target=run, args=(r,)) for r in rounds]
    for th in threads:
        th.start()
    for th in threads:
        th.join(30)
    assert errors == []
    assert sorted(causes(engine)) == sorted(f"reminder:{t}:1" for t in parcels)


def test_a_new_code_moves_the_last_notice(engine: Engine, apply: ApplyFn) -> None:
    t = tid()
    apply(event(ORIGIN, 1, accepted(t)), event(DEST, 1, ready_for(t, NOW + 4 * DAY)))
    clock = Clock()
    rounds = ReminderRound(engine, CFG, clock)
    at(clock, NOW, rounds)
    assert scheduled(engine)[t].due_at == NOW + 3 * DAY  # final, one day before the first expiry
    # Care re-issued the code on day 2: it expires later, so the last notice moves with it.
    apply(event(DEST, 2, ready_for(t, NOW + 12 * DAY, code="777111")), now=NOW + 2 * DAY)
    assert at(clock, NOW + 2 * DAY, rounds) == 0
    assert scheduled(engine)[t].due_at == NOW + 3 * DAY  # now the first reminder
    assert at(clock, NOW + 3 * DAY, rounds) == 1
    assert at(clock, NOW + 6 * DAY, rounds) == 1
    assert at(clock, NOW + 11 * DAY - timedelta(hours=1), rounds) == 0
    assert at(clock, NOW + 11 * DAY, rounds) == 1
    assert causes(engine) == [f"reminder:{t}:1", f"reminder:{t}:2", f"final:{t}"]


def test_english_reminders_for_an_english_preadvice_by_sms_and_email(
    engine: Engine, apply: ApplyFn, sms_sink: SmsSink
) -> None:
    t = _preadvised(engine, language="en", recipient_email="rahima@example.com")
    apply(event(ORIGIN, 1, accepted(t)), event(DEST, 1, ready_for(t)))
    clock = Clock()
    rounds = ReminderRound(engine, CFG, clock)
    at(clock, NOW, rounds)
    assert at(clock, NOW + 3 * DAY, rounds) == 1
    assert causes(engine) == [f"reminder:{t}:1", f"reminder:{t}:1:email"]
    Notifier(engine, HttpDriver(sms_sink.url), clock=clock).run_once()
    texts = [m["text"] for m in sms_sink.received()]
    assert texts[0].startswith("DakBooth: parcel") and "code 482913" in texts[0]
    assert texts[1].startswith("DakBooth: parcel") and "is waiting at booth" in texts[1]
    assert CODE_RE.findall(texts[1]) == []


def _preadvised(engine: Engine, **extra: Any) -> str:
    hub = _hub(engine)
    resp = hub.client.post(
        "/api/v1/merchant/shipments", headers=hub.merchant, json={**SHIPMENT, "reference": None, **extra}
    )
    assert resp.status_code == 201, resp.get_json()
    return str(resp.get_json()["tracking_id"])


def test_a_round_is_one_indexed_query(engine: Engine, apply: ApplyFn) -> None:
    parcels = [tid(n) for n in range(1, 6)]
    apply(*[event(DEST, n, ready_for(t)) for n, t in enumerate(parcels, 1)])
    with recorded(
        engine, lambda statement, _many: statement.lstrip().upper().startswith("SELECT")
    ) as statements:
        ReminderRound(engine, CFG, Clock()).run_once()
    assert len(statements) == 1
    if engine.dialect.name == "sqlite":
        with engine.connect() as conn:
            plan_rows = [
                r[-1]
                for r in conn.exec_driver_sql("EXPLAIN QUERY PLAN " + statements[0][0], statements[0][1])
            ]
        assert any("ix_notify_schedule_due" in p for p in plan_rows), plan_rows
        assert not any(p.startswith("SCAN") and "USING" not in p for p in plan_rows), plan_rows
