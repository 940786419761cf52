"""Each SMS attempt carries its cause as the gateway's idempotency key, the same across a crash."""

from __future__ import annotations

import json
from collections.abc import Iterator

import pytest
from sqlalchemy import Engine, select

from demo.sms_sink import SmsSink
from hub.db.schema import notifications
from hub.notify.drivers import HttpDriver
from hub.notify.worker import Notifier, backoff
from tests.hub.conftest import ApplyFn
from tests.hub.factory import DEST, NOW, ORIGIN, T0, accepted, event, ready, tid
from tests.hub.sinks import WebhookSink


@pytest.fixture
def gateway() -> Iterator[WebhookSink]:
    """An HTTP SMS gateway peer that records headers (the first request is refused)."""
    peer = WebhookSink(fail_first=1).start()
    try:
        yield peer
    finally:
        peer.stop()


def test_retries_and_a_resend_after_a_crash_share_one_idempotency_key(
    engine: Engine, apply: ApplyFn, gateway: WebhookSink
) -> None:
    t = tid()
    apply(event(ORIGIN, 1, accepted(t), at=T0), event(DEST, 1, ready(t, code="482913")))
    driver = HttpDriver(gateway.url)
    now = [NOW]
    notifier = Notifier(engine, driver, clock=lambda: now[0])
    assert notifier.run_once() == 0 and gateway.refused == 1  # refused: retried later
    now[0] = NOW + backoff(1)
    assert notifier.run_once() == 1
    with engine.connect() as conn:
        cause = conn.execute(select(notifications.c.cause)).scalar_one()
    # A crash after the gateway accepted but before "sent" was committed: the row is pending again.
    with engine.begin() as conn:
        conn.execute(notifications.update().values(status="pending", code="482913"))
    assert notifier.run_once() == 1
    keys = [d.headers["Idempotency-Key"] for d in gateway.deliveries]
    assert keys == [cause, cause] and cause.startswith("ready:")
    assert all(json.loads(d.body)["to"] == "+8801711223344" for d in gateway.deliveries)
    driver.session.close()


def test_the_local_gateway_delivers_a_replayed_send_once() -> None:
    """The demo/test gateway behaves like a deduplicating one: same key, same id, one message."""
    sink = SmsSink().start()
    driver = HttpDriver(sink.url)
    try:
        first = driver.send("+8801711223344", "ডাকবুথ: এক", key="ready:e1")
        again = driver.send("+8801711223344", "ডাকবুথ: এক", key="ready:e1")  # the hub crashed, re-sends
        other = driver.send("+8801711223344", "ডাকবুথ: দুই", key="ready:e2")
        unkeyed = [driver.send("+8801711223344", "ডাকবুথ: তিন") for _ in range(2)]
    finally:
        driver.close()
        sink.stop()
    assert first == again != other
    assert unkeyed[0] != unkeyed[1]  # without a key nothing can be recognised as a replay
    assert [m["text"] for m in sink.received()] == ["ডাকবুথ: এক", "ডাকবুথ: দুই", "ডাকবুথ: তিন", "ডাকবুথ: তিন"]
    assert sink.replayed == 1
