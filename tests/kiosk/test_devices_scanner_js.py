"""scanner.js in Debian's Chromium: a keyboard-wedge burst and a serial scan from the kiosk's event
stream each become one `dakbooth:scan` event, whatever field has focus; slow typing does not."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from werkzeug.serving import BaseWSGIServer, make_server

from kiosk.config import ScannerConfig
from kiosk.devices.drivers.wedge_scanner import WedgeScanner
from kiosk.devices.manager import DeviceManager
from kiosk.services import auth
from kiosk.services.context import Context
from kiosk.store import Store
from kiosk.web import create_app

TID = "RR123456785BD"


@pytest.fixture
def served(tmp_path: Path) -> Iterator[tuple[str, Context]]:
    """The kiosk app with a wedge scanner on a real loopback HTTP server."""
    scanner = WedgeScanner(ScannerConfig(driver="wedge", min_len=6, inter_key_ms=40, suffix="CR"))
    manager = DeviceManager({"scanner": scanner})
    store = Store(tmp_path / "kiosk.sqlite")
    ctx = Context(booth_id="BD-1000-01", store=store, devices=manager, store_dir=tmp_path)
    auth.add_clerk(ctx, "alice", "1234")
    app = create_app(ctx)
    app.config["SCANS_KEEPALIVE_S"] = 0.2  # streams notice a closed page quickly
    server: BaseWSGIServer = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, name="test-kiosk-http", daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}", ctx
    finally:
        server.shutdown()
        thread.join(10)
        server.server_close()
        store.close()


def test_wedge_burst_and_stream_scan_each_dispatch_one_event(
    browser: Any, served: tuple[str, Context]
) -> None:
    base, ctx = served
    context = browser.new_context()
    page = context.new_page()
    try:
        assert page.request.post(base + "/api/v1/session", data={"clerk": "alice", "pin": "1234"}).ok
        page.goto(base + "/healthz")
        page.set_content('<form onsubmit="window.submitted = true; return false"><input id="name"></form>')
        page.evaluate(
            "window.scans = []; document.addEventListener('dakbooth:scan', e => scans.push(e.detail))"
        )
        with page.expect_response(lambda r: "/scans/stream" in r.url):
            page.add_script_tag(url=base + "/static/scanner.js")
        page.wait_for_function("DakScanner.options().minLength === 6")  # the kiosk's config event applied

        page.click("#name")
        page.keyboard.type("Karim", delay=120)  # a clerk typing: no scan
        page.keyboard.type(TID, delay=2)  # the scanner's burst into the same field
        page.keyboard.press("Enter")
        page.wait_for_function("scans.length === 1")
        assert page.evaluate("scans[0]") == {"code": TID, "kind": "tracking", "error": "", "source": "wedge"}
        assert page.input_value("#name") == "Karim"  # the burst does not stay in the field
        assert page.evaluate("window.submitted") is None  # nor does its Enter submit the form

        page.keyboard.type("RR123456784BD", delay=2)  # a misread check digit
        page.keyboard.press("Enter")
        page.wait_for_function("scans.length === 2")
        assert page.evaluate("[scans[1].kind, scans[1].error]") == ["invalid", "wrong check digit"]

        ctx.devices.scans.publish("RB000000014BD", "serial")  # the kiosk's own scanner
        page.wait_for_function("scans.length === 3")
        assert page.evaluate("[scans[2].code, scans[2].kind, scans[2].source]") == [
            "RB000000014BD",
            "tracking",
            "serial",
        ]
    finally:
        page.close()
        context.close()
