"""Notification worker against the HTTP SMS peer; SMS templates and their size."""

from __future__ import annotations

import logging
import re
from datetime import datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import Engine, Row, select

from demo.sms_sink import SmsSink
from hub.db.schema import notifications
from hub.notify.drivers import HttpDriver, LogDriver
from hub.notify.sms import sms_size
from hub.notify.templates import READY_MAX_PARTS, ready_text
from hub.notify.worker import Notifier, backoff
from tests.hub.conftest import ApplyFn
from tests.hub.factory import DEST, NOW, ORIGIN, T0, accepted, event, ready, tid

CODE_RE = re.compile(r"(?<!\d)\d{6}(?!\d)")


class Clock:
    """A settable clock."""

    def __init__(self) -> None:
        self.now = NOW

    def __call__(self) -> datetime:
        """The current (test) time."""
        return self.now


def row(engine: Engine) -> Row[Any]:
    """The only notification row."""
    with engine.connect() as conn:
        return conn.execute(select(notifications)).one()


def test_ready_sms_is_sent_once_and_the_code_dropped(
    engine: Engine, apply: ApplyFn, sms_sink: SmsSink
) -> None:
    t = tid()
    apply(event(ORIGIN, 1, accepted(t)), event(DEST, 1, ready(t, code="482913")))
    notifier = Notifier(engine, HttpDriver(sms_sink.url), clock=Clock())
    assert notifier.run_once() == 1
    assert notifier.run_once() == 0
    [sms] = sms_sink.received()
    assert sms["to"] == "+8801711223344"
    assert CODE_RE.findall(sms["text"]) == ["482913"]
    assert t in sms["text"] and DEST in sms["text"]
    n = row(engine)
    assert n.status == "sent" and n.code is None and n.provider_id and n.sent_at is not None


def test_gateway_failure_is_retried_with_backoff(engine: Engine, apply: ApplyFn, sms_sink: SmsSink) -> None:
    t = tid()
    apply(event(ORIGIN, 1, accepted(t)), event(DEST, 1, ready(t)))
    clock = Clock()
    notifier = Notifier(engine, HttpDriver(sms_sink.url), clock=clock)
    sms_sink.fail_next = 2
    assert notifier.run_once() == 0
    n = row(engine)
    assert n.attempts == 1 and "503" in n.last_error and n.code is not None
    assert n.next_attempt_at == NOW + timedelta(seconds=2)
    assert notifier.run_once() == 0  # not due yet: no attempt
    assert row(engine).attempts == 1
    clock.now = NOW + timedelta(seconds=2)
    assert notifier.run_once() == 0
    assert row(engine).next_attempt_at == clock.now + timedelta(seconds=4)
    clock.now += timedelta(seconds=4)
    assert notifier.run_once() == 1
    assert len(sms_sink.received()) == 1
    assert row(engine).code is None


def test_sms_waits_for_the_recipient_when_ready_comes_before_accepted(
    engine: Engine, apply: ApplyFn, sms_sink: SmsSink
) -> None:
    t = tid()
    apply(event(DEST, 1, ready(t)))
    clock = Clock()
    notifier = Notifier(engine, HttpDriver(sms_sink.url), clock=clock)
    assert notifier.run_once() == 0
    assert row(engine).attempts == 0 and sms_sink.received() == []
    apply(event(ORIGIN, 1, accepted(t)))
    clock.now += timedelta(seconds=10)
    assert notifier.run_once() == 1


def test_backoff_doubles_and_is_capped() -> None:
    assert [backoff(n).total_seconds() for n in (1, 2, 3, 4)] == [2, 4, 8, 16]
    assert backoff(30) == timedelta(minutes=5)


def test_log_driver_masks_the_code(caplog: pytest.LogCaptureFixture) -> None:
    text = ready_text(tid(), DEST, "482913", T0)
    with caplog.at_level(logging.INFO):
        LogDriver().send("+8801711223344", text, secret="482913")
    assert "482913" not in caplog.text and "******" in caplog.text


def test_ready_sms_size_is_known_and_bounded() -> None:
    text = ready_text(tid(99999999), "BD-9999-99", "000000", T0 + timedelta(days=30))
    size = sms_size(text)
    assert size.encoding == "ucs2"
    assert size.parts <= READY_MAX_PARTS
    assert size.units <= READY_MAX_PARTS * 67
    assert CODE_RE.findall(text) == ["000000"]


def test_sms_size_rules() -> None:
    assert sms_size("a" * 160) == sms_size("a" * 160).__class__("gsm7", 160, 1)
    assert sms_size("a" * 161).parts == 2
    assert sms_size("a" * 306).parts == 2 and sms_size("a" * 307).parts == 3
    assert sms_size("€" * 80).units == 160  # extension characters take two septets
    assert sms_size("ক" * 70).parts == 1
    assert sms_size("ক" * 71).parts == 2
    assert sms_size("ক" * 134).parts == 2 and sms_size("ক" * 135).parts == 3
