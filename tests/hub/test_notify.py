"""Notification worker against the HTTP SMS peer; SMS templates and their size."""

from __future__ import annotations

import logging
import re
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from flask.testing import FlaskClient
from sqlalchemy import Engine, Row, select
from sqlalchemy import event as sa_event

from demo.sms_sink import SmsSink
from hub.care import parcel_file
from hub.config import ConfigError, HubConfig, parse
from hub.db.schema import delivery_parts, notifications
from hub.metrics import render as render_metrics
from hub.notify.drivers import HttpDriver, LogDriver
from hub.notify.sms import sms_size
from hub.notify.templates import READY_MAX_PARTS, ready_text
from hub.notify.worker import Notifier, backoff
from hub.web import WebContext, create_app
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


def test_a_round_commits_each_message_on_one_connection(engine: Engine, apply: ApplyFn) -> None:
    """Each SMS is marked sent in its own commit, all on the round's one connection (a checkout per
    message costs PostgreSQL a ping each)."""
    parcels = [tid() for _ in range(3)]
    for seq, t in enumerate(parcels, start=1):
        apply(event(ORIGIN, seq, accepted(t)), event(DEST, seq, ready(t)))
    checkouts: list[object] = []
    commits: list[object] = []

    def checkout(*args: Any) -> None:
        checkouts.append(args)

    def commit(*args: Any) -> None:
        commits.append(args)

    sa_event.listen(engine, "checkout", checkout)
    sa_event.listen(engine, "commit", commit)
    try:
        assert Notifier(engine, LogDriver(), clock=Clock()).run_once() == 3
    finally:
        sa_event.remove(engine, "checkout", checkout)
        sa_event.remove(engine, "commit", commit)
    assert len(checkouts) == 2  # the round's read, then its writes
    assert len(commits) == 3
    with engine.connect() as conn:
        assert set(conn.execute(select(notifications.c.status)).scalars()) == {"sent"}


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


# --- delivery reports from the HTTP gateway, shown to care and in /metrics ----------------------

TOKEN = "gateway-token-0123456789"


def _sent_over_http(engine: Engine, apply: ApplyFn, sms_sink: SmsSink) -> tuple[str, str]:
    """Send one ready SMS through the HTTP peer; (tracking id, the gateway's message id)."""
    t = tid()
    apply(event(ORIGIN, 1, accepted(t)), event(DEST, 1, ready(t)))
    assert Notifier(engine, HttpDriver(sms_sink.url), clock=Clock()).run_once() == 1
    return t, sms_sink.received()[0]["id"]


def _client(engine: Engine, token: str | None = TOKEN) -> FlaskClient:
    return create_app(WebContext(engine=engine, sms_callback_token=token)).test_client()


def test_http_delivery_report_is_recorded_and_shown_to_care_and_metrics(
    engine: Engine, apply: ApplyFn, sms_sink: SmsSink
) -> None:
    t, provider_id = _sent_over_http(engine, apply, sms_sink)
    resp = _client(engine).post(
        "/api/v1/sms/delivery",
        json={"id": provider_id, "status": "delivered"},
        headers={"Authorization": f"Bearer {TOKEN}"},
    )
    assert resp.status_code == 200 and resp.get_json()["matched"] is True
    n = row(engine)
    assert n.delivery_status == "delivered" and n.delivered_at is not None
    with engine.connect() as conn:
        shown = parcel_file(conn, t)
    assert shown is not None
    [sms] = shown["sms"]
    assert sms["delivery"] == "delivered" and sms["channel"] == "sms" and sms["language"] == "bn"
    text = render_metrics(engine).decode()
    assert 'dakbooth_notifications_delivery{channel="sms",delivery="delivered"} 1.0' in text


@pytest.mark.parametrize(
    ("headers", "body", "status"),
    [
        ({}, {"id": "x", "status": "delivered"}, 401),
        ({"Authorization": "Bearer wrong-token-0123456789"}, {"id": "x", "status": "delivered"}, 401),
        ({"Authorization": f"Basic {TOKEN}"}, {"id": "x", "status": "delivered"}, 401),
        ({"Authorization": f"Bearer {TOKEN}"}, ["not", "an", "object"], 400),
        ({"Authorization": f"Bearer {TOKEN}"}, {"status": "delivered"}, 400),
        ({"Authorization": f"Bearer {TOKEN}"}, {"id": "", "status": "delivered"}, 400),
        ({"Authorization": f"Bearer {TOKEN}"}, {"id": "x", "status": "lost in the post"}, 400),
        ({"Authorization": f"Bearer {TOKEN}"}, {"id": "x", "status": "delivered", "extra": 1}, 400),
        ({"Authorization": f"Bearer {TOKEN}"}, {"id": "x" * 129, "status": "delivered"}, 400),
    ],
)
def test_a_bad_or_unauthenticated_delivery_report_is_refused_and_changes_nothing(
    engine: Engine, apply: ApplyFn, sms_sink: SmsSink, headers: dict[str, str], body: Any, status: int
) -> None:
    _, provider_id = _sent_over_http(engine, apply, sms_sink)
    if isinstance(body, dict) and body.get("id") == "x":
        body = {**body, "id": provider_id}  # a real id: only the token or the body is wrong
    resp = _client(engine).post("/api/v1/sms/delivery", json=body, headers=headers)
    assert resp.status_code == status
    assert resp.get_json()["error"]["code"] in ("unauthorized", "bad_request")
    assert row(engine).delivery_status is None
    with engine.connect() as conn:
        assert conn.execute(select(delivery_parts.c.status)).scalars().all() == [None]


def test_delivery_reports_are_off_without_a_token(engine: Engine) -> None:
    resp = _client(engine, token=None).post("/api/v1/sms/delivery", json={"id": "x", "status": "delivered"})
    assert resp.status_code == 404


def test_an_undelivered_report_in_smpp_words_is_understood(
    engine: Engine, apply: ApplyFn, sms_sink: SmsSink
) -> None:
    _, provider_id = _sent_over_http(engine, apply, sms_sink)
    resp = _client(engine).post(
        "/api/v1/sms/delivery",
        json={"id": provider_id, "status": "UNDELIV"},
        headers={"Authorization": f"Bearer {TOKEN}"},
    )
    assert resp.status_code == 200
    assert row(engine).delivery_status == "undelivered" and row(engine).delivered_at is None


# --- configuration ----------------------------------------------------------------------------------


def test_sms_email_and_notify_config_keys(tmp_path: Path) -> None:
    cfg = parse(
        """
[sms]
driver = "smpp"
url = "http://127.0.0.1:9300/send"
host = "smsc.example"
port = 2775
system_id = "dakbooth"
password = "pw123456"
source_addr = "DakBooth"
tls = true
callback_token = "0123456789abcdef"

[email]
driver = "smtp"
host = "mail.example"
port = 587
from_address = "DakBooth <noreply@example.com>"
starttls = true
username = "hub"
password = "secret"

[notify]
reminder_after_days = 2
""",
        tmp_path,
    )
    assert cfg.sms.driver == "smpp" and cfg.sms.tls and cfg.sms.port == 2775
    assert cfg.email.starttls and cfg.email.port == 587 and cfg.notify.reminder_after_days == 2
    assert HubConfig().notify.reminder_after_days == 3 and HubConfig().email.driver == "none"
    for section, key in (("sms", "bogus"), ("email", "relay"), ("notify", "every_days")):
        with pytest.raises(ConfigError, match=f"unknown key '{section}.{key}'"):
            parse(f"[{section}]\n{key} = 1\n", tmp_path)
    with pytest.raises(ConfigError, match=r"sms\.driver"):
        parse('[sms]\ndriver = "carrier-pigeon"\n', tmp_path)
