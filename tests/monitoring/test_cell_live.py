"""The monitoring cell end to end: real broker, hub and kiosks; kill -9, paper out, offline commands, browser."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

import requests

from demo.client import wait_until
from demo.sms_sink import SmsSink
from demo.stack import Stack
from tests.monitoring.conftest import KEEPALIVE_S, ONCALL, PASSWORD, csrf, login, paper_file

# The broker declares a client dead after 1.5 keepalives; the fleet view polls every second.
OFFLINE_WITHIN_S = 1.5 * KEEPALIVE_S + 4


def _row(session: requests.Session, stack: Stack, booth_id: str) -> dict[str, Any]:
    body = session.get(stack.hub_url + "/dashboard/fleet.json", timeout=10).json()
    return next(b for b in body["booths"] if b["id"] == booth_id)


def test_fleet_view_live_through_kill_and_return(cell: Stack, browser: Any, artifacts: Path) -> None:
    """The fleet page, never reloaded, shows a kill -9'd booth offline within the keepalive window, then back."""
    page = browser.new_page(viewport={"width": 1500, "height": 900})
    try:
        page.goto(cell.hub_url + "/dashboard/")
        page.fill("input[name=name]", "ana")
        page.fill("input[name=password]", PASSWORD)
        page.click("button[type=submit]")
        page.wait_for_selector('tr[data-booth="BD-4000-01"] .state-online', timeout=15_000)
        page.wait_for_selector("#live.on", timeout=10_000)
        page.evaluate("window.__notReloaded = true")
        page.screenshot(path=str(artifacts / "1-fleet-online.png"), full_page=True)

        kiosk = cell.kiosks["BD-4000-01"]
        kiosk.process.kill()
        killed = time.monotonic()
        page.wait_for_selector(
            'tr[data-booth="BD-4000-01"] .state-offline', timeout=int(OFFLINE_WITHIN_S * 1000) + 2000
        )
        took = time.monotonic() - killed
        assert took <= OFFLINE_WITHIN_S, f"offline shown after {took:.1f} s"
        assert page.evaluate("window.__notReloaded") is True
        assert page.locator('[data-count="offline"]').inner_text() == "1"
        page.screenshot(path=str(artifacts / "2-fleet-booth-killed.png"), full_page=True)

        kiosk.start()
        page.wait_for_selector('tr[data-booth="BD-4000-01"] .state-online', timeout=20_000)
        assert page.evaluate("window.__notReloaded") is True
        assert page.evaluate("window.__fleet.deltas") >= 2
        page.screenshot(path=str(artifacts / "3-fleet-booth-back.png"), full_page=True)

        page.goto(cell.hub_url + "/dashboard/booth/BD-4000-01")
        page.wait_for_selector(".timeline")
        page.screenshot(path=str(artifacts / "4-booth-page.png"), full_page=True)
        states = page.locator("details table tbody tr td:nth-child(2)").all_text_contents()
        assert states[:2] == ["online", "offline"]
    finally:
        page.close()


def test_paper_out_raises_an_alert_that_resolves(cell: Stack, cell_sms: SmsSink) -> None:
    """Paper out at the sim printer opens a printer alert (and pages on-call); paper back resolves it."""
    session = login(cell)
    switch = paper_file(cell, "BD-1000-01")
    switch.write_text("out")
    try:
        wait_until(
            lambda: "out of paper" in session.get(cell.hub_url + "/dashboard/alerts", timeout=10).text,
            timeout=20,
            what="a printer alert",
        )
        page = session.get(cell.hub_url + "/dashboard/alerts", timeout=10).text
        active = page.split("Recently resolved")[0]
        assert "BD-1000-01" in active and "printer" in active
        assert _row(session, cell, "BD-1000-01")["devices"]["printer"]["state"] == "error"
        sms = wait_until(
            lambda: [m for m in cell_sms.received() if m["to"] == ONCALL and "printer" in m["text"]],
            timeout=15,
            what="the on-call SMS",
        )
        assert "BD-1000-01" in sms[0]["text"]
        # Acknowledge it from the alerts page.
        resp = session.post(
            cell.hub_url + "/dashboard/alerts/1/ack",
            data={"csrf": csrf(page)},
            timeout=10,
            allow_redirects=False,
        )
        assert resp.status_code == 302
    finally:
        switch.write_text("")
    wait_until(
        lambda: (
            "out of paper"
            not in session.get(cell.hub_url + "/dashboard/alerts", timeout=10).text.split(
                "Recently resolved"
            )[0]
        ),
        timeout=20,
        what="the printer alert to resolve",
    )
    resolved = session.get(cell.hub_url + "/dashboard/alerts", timeout=10).text.split("Recently resolved")[1]
    assert "BD-1000-01" in resolved and "out of paper" in resolved


def test_command_to_offline_booth_is_delivered_on_return(cell: Stack) -> None:
    """A test print sent while the booth is down waits in its session and runs when it reconnects."""
    session = login(cell)
    kiosk = cell.kiosks["BD-4000-01"]
    kiosk.process.stop()
    wait_until(lambda: _row(session, cell, "BD-4000-01")["state"] == "offline", timeout=15, what="offline")
    page = session.get(cell.hub_url + "/dashboard/booth/BD-4000-01", timeout=10).text
    resp = session.post(
        cell.hub_url + "/dashboard/booth/BD-4000-01/command",
        data={"csrf": csrf(page), "name": "test_print", "ttl_min": "10"},
        timeout=10,
    )
    assert resp.status_code == 200
    time.sleep(2)
    assert "pending" in session.get(cell.hub_url + "/dashboard/booth/BD-4000-01", timeout=10).text
    spool = kiosk.config.parent / "printed.txt"
    assert "DakBooth test print" not in (spool.read_text() if spool.exists() else "")
    kiosk.start()
    wait_until(
        lambda: "done (ok)" in session.get(cell.hub_url + "/dashboard/booth/BD-4000-01", timeout=10).text,
        timeout=30,
        what="the command's result",
    )
    assert "DakBooth test print" in spool.read_text()
    assert "BD-4000-01" in spool.read_text()
