"""Crash safety: an event written while the broker is down survives kill -9 and arrives exactly once."""

from __future__ import annotations

import pytest

from demo.client import KioskClient, wait_until
from demo.stack import Stack
from tests.e2e.test_journey import A, B, hub_rows


@pytest.mark.slow
def test_intake_during_outage_then_kill_9_reaches_the_hub_exactly_once(stack: Stack) -> None:
    kiosk = stack.kiosks[A]
    stack.broker.stop()
    wait_until(
        lambda: not KioskClient(kiosk.url).uplink()["connected"], what="the kiosk to notice the outage"
    )

    parcel = kiosk.client().intake(
        recipient={"name": "Abdul Alim", "phone": "+8801812345678"}, destination=B, cod_amount="300"
    )
    tracking_id = parcel["tracking_id"]
    pending = KioskClient(kiosk.url).uplink()
    assert pending["outbox_depth"] >= 1

    kiosk.process.kill()  # kill -9: nothing flushed, no goodbye
    stack.broker.start()  # same port, same persistence
    kiosk.start()

    hub = stack.hub_client()
    tracked = wait_until(lambda: hub.track(tracking_id), timeout=60, what="the event at the hub")
    assert [e["type"] for e in tracked["events"]] == ["parcel.accepted"]
    state = wait_until(
        lambda: (u := KioskClient(kiosk.url).uplink())["outbox_depth"] == 0 and u, timeout=60, what="the ack"
    )
    assert state["last_seq"] == pending["last_seq"]  # the restart issued no new seq and reused none
    assert state["acked_upto"] == state["last_seq"]
    rows = hub_rows(stack, "select count(*) from events where tracking_id = ?", tracking_id)
    assert rows == [(1,)]
    seqs = hub_rows(stack, "select seq from events where booth = ? order by seq", A)
    assert [s for (s,) in seqs] == list(range(1, len(seqs) + 1))  # no gap, no repeat
    assert not hub_rows(stack, "select reason from dead_letters")
