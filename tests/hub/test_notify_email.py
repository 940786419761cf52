"""E-mail notifications over SMTP against a real aiosmtpd server on a free loopback port."""

from __future__ import annotations

import email
import socket
from collections.abc import Iterator
from datetime import timedelta
from email.message import EmailMessage
from email.policy import default as default_policy
from typing import Any

import pytest
from aiosmtpd.controller import Controller
from sqlalchemy import Engine, select

from demo.sms_sink import SmsSink
from hub.config import EmailConfig
from hub.db.schema import notifications, notify_contacts
from hub.notify.drivers import HttpDriver
from hub.notify.email import LogMailer, SmtpMailer
from hub.notify.templates import email_text
from hub.notify.worker import Notifier
from tests.hub.conftest import ApplyFn
from tests.hub.factory import DEST, NOW, ORIGIN, T0, accepted, event, ready
from tests.hub.test_merchant import SHIPMENT, Hub, _hub
from tests.hub.test_notify import CODE_RE, Clock

ADDRESS = "rahima@example.com.bd"


class Mailbox:
    """An aiosmtpd handler that keeps every message and can refuse recipients."""

    def __init__(self) -> None:
        self.messages: list[EmailMessage] = []
        self.envelopes: list[Any] = []
        self.refuse: set[str] = set()

    async def handle_RCPT(self, server: Any, session: Any, envelope: Any, address: str, options: Any) -> str:
        """Refuse addresses in `refuse` with 550."""
        if address in self.refuse:
            return "550 5.1.1 no such mailbox"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        """Keep the message."""
        self.envelopes.append(envelope)
        msg = email.message_from_bytes(envelope.original_content, policy=default_policy)
        self.messages.append(msg)  # type: ignore[arg-type]
        return "250 Message accepted"


def free_port() -> int:
    """A TCP port free on loopback right now."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture
def smtpd() -> Iterator[tuple[Mailbox, int]]:
    """A real SMTP server (aiosmtpd) on a free loopback port."""
    box = Mailbox()
    port = free_port()
    controller = Controller(box, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        yield box, port
    finally:
        controller.stop()


def mailer(port: int) -> SmtpMailer:
    """A mailer that talks to the test server."""
    return SmtpMailer(
        EmailConfig(driver="smtp", port=port, from_address="DakBooth <noreply@dakbooth.gov.bd>")
    )


def preadvise(hub: Hub, **extra: Any) -> str:
    """Pre-advise SHIPMENT (plus extra fields) and return its tracking id."""
    resp = hub.client.post(
        "/api/v1/merchant/shipments", headers=hub.merchant, json={**SHIPMENT, "reference": None, **extra}
    )
    assert resp.status_code == 201, resp.get_json()
    return str(resp.get_json()["tracking_id"])


def rows(engine: Engine) -> list[Any]:
    """Every notification row, oldest first."""
    with engine.connect() as conn:
        return list(conn.execute(select(notifications).order_by(notifications.c.id)))


def test_bengali_email_reaches_the_mail_server_in_utf8_and_the_code_is_dropped(
    engine: Engine, apply: ApplyFn, sms_sink: SmsSink, smtpd: tuple[Mailbox, int]
) -> None:
    box, port = smtpd
    t = preadvise(_hub(engine), recipient_email=ADDRESS)
    ready_msg = event(DEST, 1, ready(t, code="482913"))
    apply(event(ORIGIN, 1, accepted(t)), ready_msg)
    apply(ready_msg)  # a redelivery: still one row per channel
    assert [(r.channel, r.cause.endswith(":email")) for r in rows(engine)] == [
        ("sms", False),
        ("email", True),
    ]
    notifier = Notifier(engine, HttpDriver(sms_sink.url), clock=Clock(), mailer=mailer(port))
    assert notifier.run_once() == 2
    assert notifier.run_once() == 0
    [msg] = box.messages
    subject, body = email_text("ready", "bn", t, DEST, T0 + timedelta(days=7), "482913")
    assert msg["Subject"] == subject and "সংগ্রহের জন্য প্রস্তুত" in msg["Subject"]
    assert msg["To"] == ADDRESS and "noreply@dakbooth.gov.bd" in msg["From"]
    assert msg.get_content_charset() == "utf-8"
    content = msg.get_content().replace("\r\n", "\n")
    assert content == body
    assert CODE_RE.findall(content) == ["482913"]
    assert "মেয়াদ: ২৭/১১/২০২৬" in content  # the date in Bengali digits
    assert box.envelopes[0].rcpt_tos == [ADDRESS]
    mail_row = rows(engine)[1]
    assert mail_row.status == "sent" and mail_row.code is None and mail_row.provider_id == msg["Message-ID"]
    assert len(sms_sink.received()) == 1


def test_a_refused_address_fails_for_good_and_a_server_down_is_retried(
    engine: Engine, apply: ApplyFn, sms_sink: SmsSink, smtpd: tuple[Mailbox, int]
) -> None:
    box, port = smtpd
    hub = _hub(engine)
    t1 = preadvise(hub, recipient_email="nobody@example.com")
    t2 = preadvise(hub, recipient_email=ADDRESS)
    box.refuse.add("nobody@example.com")
    apply(event(ORIGIN, 1, accepted(t1)), event(DEST, 1, ready(t1)))
    clock = Clock()
    notifier = Notifier(engine, HttpDriver(sms_sink.url), clock=clock, mailer=mailer(port))
    assert notifier.run_once() == 1  # the SMS
    refused = rows(engine)[1]
    assert refused.status == "failed" and refused.code is None and "refused" in refused.last_error
    # The mail server is away: a temporary failure keeps the code and tries again later.
    apply(event(ORIGIN, 2, accepted(t2)), event(DEST, 2, ready(t2)))
    notifier.mailer = mailer(free_port())
    assert notifier.run_once() == 1
    waiting = rows(engine)[3]
    assert waiting.status == "pending" and waiting.code is not None and waiting.attempts == 1
    assert waiting.next_attempt_at == NOW + timedelta(seconds=2)
    notifier.mailer = mailer(port)
    clock.now += timedelta(seconds=2)
    assert notifier.run_once() == 1
    assert rows(engine)[3].status == "sent" and [m["To"] for m in box.messages] == [ADDRESS]


def test_email_switched_off_skips_the_row_and_drops_the_code(
    engine: Engine, apply: ApplyFn, sms_sink: SmsSink
) -> None:
    t = preadvise(_hub(engine), recipient_email=ADDRESS)
    apply(event(ORIGIN, 1, accepted(t)), event(DEST, 1, ready(t)))
    assert Notifier(engine, HttpDriver(sms_sink.url), clock=Clock(), mailer=None).run_once() == 1
    mail_row = rows(engine)[1]
    assert mail_row.status == "skipped" and mail_row.code is None


def test_log_mailer_never_logs_the_body(caplog: pytest.LogCaptureFixture) -> None:
    subject, body = email_text("ready", "bn", "CP123456785BD", DEST, T0, "482913")
    with caplog.at_level("INFO"):
        LogMailer().send(ADDRESS, subject, body, secret="482913")
    assert "482913" not in caplog.text and ADDRESS in caplog.text


@pytest.mark.parametrize(
    "bad",
    ["not-an-address", "a@b", "rahima@example.com\r\nBcc: x@y.z", "রহিমা@example.com", "a" * 250 + "@x.com"],
)
def test_preadvice_refuses_a_bad_email_and_stores_nothing(engine: Engine, bad: str) -> None:
    hub = _hub(engine)
    resp = hub.client.post(
        "/api/v1/merchant/shipments", headers=hub.merchant, json={**SHIPMENT, "recipient_email": bad}
    )
    assert resp.status_code == 422, resp.get_json()
    with engine.connect() as conn:
        assert conn.execute(select(notify_contacts)).all() == []


def test_preadvice_language_and_email_are_remembered(engine: Engine) -> None:
    hub = _hub(engine)
    t_en = preadvise(hub, language="en", recipient_email="Rahima@Example.COM")
    t_bn = preadvise(hub)
    with engine.connect() as conn:
        stored = {r.tracking_id: (r.language, r.email) for r in conn.execute(select(notify_contacts))}
    assert stored == {t_en: ("en", "Rahima@example.com")}  # Bengali without e-mail needs no row
    assert t_bn not in stored
    resp = hub.client.post(
        "/api/v1/merchant/shipments", headers=hub.merchant, json={**SHIPMENT, "language": "fr"}
    )
    assert resp.status_code == 422
