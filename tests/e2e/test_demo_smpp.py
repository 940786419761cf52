"""The demo's stack with SMS over SMPP to the local SMSC: real processes, driven only through the APIs."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
import requests

from demo.client import wait_until
from demo.smpp_peer import SmppPeer
from demo.smpp_status import SmppStatusPage
from demo.stack import Stack
from tests.e2e.conftest import started
from tests.e2e.test_journey import A, B, hub_rows

PHONE = "+8801712345678"
SENDER = "+8801812345678"
UCS2 = 8


@pytest.fixture
def smsc() -> Iterator[SmppPeer]:
    """The local SMPP peer the demo starts with --sms smpp."""
    peer = SmppPeer(password="e2e-pw").start()
    try:
        yield peer
    finally:
        peer.stop()


@pytest.fixture
def smpp_stack(tmp_path: Path, smsc: SmppPeer, request: pytest.FixtureRequest) -> Iterator[Stack]:
    """The demo's stack configured with [sms] driver = "smpp" towards smsc; logs printed on failure."""
    with started(Stack(tmp_path / "stack", smpp_port=smsc.port, smpp_password="e2e-pw"), request) as running:
        yield running


@pytest.mark.slow
def test_ready_and_returned_sms_go_over_smpp(smpp_stack: Stack, smsc: SmppPeer) -> None:
    assert 'driver = "smpp"' in smpp_stack.hub_config.read_text()
    at_a, at_b = smpp_stack.kiosks[A].client(), smpp_stack.kiosks[B].client()
    parcel = at_a.intake(
        recipient={"name": "রহিমা খাতুন", "phone": "01712345678"},
        destination=B,
        cod_amount="0",
        sender={"name": "মতিউর রহমান", "phone": "01812345678"},
    )
    tracking_id = parcel["tracking_id"]
    hub = smpp_stack.hub_client()
    wait_until(lambda: hub.track(tracking_id)["status"] == "accepted", what="acceptance at the hub")
    assert at_b.receive(tracking_id)["status"] == "ready"

    # The ready SMS reaches the SMSC over a bound SMPP session, in Bengali (UCS-2), with the code.
    code = wait_until(lambda: smsc.code_for(PHONE, tracking_id), timeout=60, what="the ready SMS over SMPP")
    [ready] = [m for m in smsc.received() if m.to == PHONE and tracking_id in m.text]
    assert ready.data_coding == UCS2 and "সংগ্রহ কোড" in ready.text and smsc.binds >= 1

    # The status page the demo prints shows it; it lives on loopback beside the peer.
    page = SmppStatusPage(smsc).start()
    try:
        with requests.Session() as web:
            listed = web.get(f"http://127.0.0.1:{page.port}/messages", timeout=5).json()
            html = web.get(page.url, timeout=5).text
    finally:
        page.stop()
    assert any(m["to"] == PHONE and tracking_id in m["text"] for m in listed)
    assert tracking_id in html and "UCS-2" in html

    # Refused at B and returned: once it is back at A, the walk-in sender gets one SMS saying so.
    at_b.return_parcel(tracking_id, "refused", "the customer refused it")
    wait_until(
        lambda: [p for p in at_a.returns_incoming()["incoming"] if p["tracking_id"] == tracking_id],
        timeout=60,
        what="the return manifest at A",
    )
    assert at_a.return_arrive(tracking_id, "R-1")["status"] == "return_arrived"
    wait_until(
        lambda: [m for m in smsc.received() if m.to == SENDER and tracking_id in m.text],
        timeout=60,
        what="the sender's SMS over SMPP",
    )
    told = [m for m in smsc.received() if m.to == SENDER]
    assert len(told) == 1 and A in told[0].text and "ফেরত" in told[0].text
    # The code was never stored at the hub; the notice rows were marked sent.
    assert not hub_rows(smpp_stack, "select id from events where data like ?", f"%{code}%")
    assert wait_until(
        lambda: (
            hub_rows(
                smpp_stack, "select status from notifications where cause = ?", f"returned:{tracking_id}"
            )
            == [("sent",)]
        ),
        what="the notice marked sent",
    )
    at_a.close()
    at_b.close()
