"""Hostile text reaches every page inert and is stored exactly: kiosk, care console, fleet view, tracking."""

from __future__ import annotations

import re
import sqlite3
import subprocess
from pathlib import Path

import pytest
import requests
from markupsafe import escape

from demo.client import ApiError, wait_until
from demo.processes import python_module
from demo.sms_sink import SmsSink
from demo.stack import Stack
from provisioning.registry import BoothRecord, Registry
from tests.e2e.test_journey import A, B, hub_rows

SCRIPT = '<script>alert("x")</script>'
ATTR = "\"'><img src=x onerror=alert(1)>"
SQL = "Robert'); DROP TABLE parcels;--"
BENGALI = "ক্ষ্মা\u09bc\u09cd\u200cবাঁ রহিমা"  # conjuncts, nukta, virama, zero-width non-joiner
NAMES = (SCRIPT, ATTR, SQL, BENGALI)


def assert_inert(page: str, text: str) -> None:
    """The text is on the page as text: escaped markup, never live markup."""
    assert "<script>alert" not in page and "<img src=x" not in page
    assert str(escape(text)) in page  # shown, in its escaped form


def staff_session(base: str, name: str, password: str) -> requests.Session:
    """A logged-in monitoring-cell / care session."""
    http = requests.Session()
    form = http.get(f"{base}/dashboard/login", timeout=10).text
    token = re.search(r'name="csrf" value="([^"]+)"', form).group(1)  # type: ignore[union-attr]
    reply = http.post(
        f"{base}/dashboard/login", data={"csrf": token, "name": name, "password": password}, timeout=10
    )
    assert reply.status_code == 200 and "login" not in reply.url
    return http


@pytest.mark.slow
def test_hostile_text_is_inert_everywhere_and_stored_exactly(
    stack: Stack, sms_sink: SmsSink, tmp_path: Path, browser: object, artifacts: Path
) -> None:
    at_a, at_b = stack.kiosks[A].client(), stack.kiosks[B].client()
    before = at_a.uplink()["last_seq"]
    with pytest.raises(ApiError) as err:  # a 10 kB name is refused with a clear error, nothing written
        at_a.intake(recipient={"name": "ক" * 10_000, "phone": "01711000000"}, destination=B, cod_amount="1")
    assert err.value.status == 400
    assert at_a.uplink()["last_seq"] == before

    parcels = {}
    for i, name in enumerate(NAMES):
        phone = f"0171100000{i}"
        parcels[name] = at_a.intake(recipient={"name": name, "phone": phone}, destination=B, cod_amount="10")[
            "tracking_id"
        ]
    hub = stack.hub_client()
    for tracking_id in parcels.values():
        wait_until(lambda t=tracking_id: hub.track(t)["status"] == "accepted", what="acceptance")
        wait_until(lambda t=tracking_id: at_b.receive(t)["status"] == "ready", what="receive")

    # Stored exactly, at the booth and at the hub.
    for name, tracking_id in parcels.items():
        assert hub_rows(stack, "select recipient_name from parcels where tracking_id = ?", tracking_id) == [
            (name,)
        ]

        def at_booth(t: str = tracking_id) -> object:
            store = stack.kiosks[B].config.parent / "kiosk.sqlite"
            with sqlite3.connect(f"file:{store}?mode=ro", uri=True) as db:
                return db.execute("select recipient_name from parcels where tracking_id = ?", (t,)).fetchone()

        # B may have received it unannounced; the manifest completes it moments later.
        wait_until(lambda n=name: at_booth() == (n,), what="the manifest at B")

    # The kiosk's handover page, where the clerk reads the recipient's name.
    for name, tracking_id in parcels.items():
        page = at_b.http.get(f"{stack.kiosks[B].url}/handover", params={"q": tracking_id}, timeout=10).text
        assert_inert(page, name)

    # The customer-care console and the fleet view (a booth named with markup, from the registry).
    registry_home = tmp_path / "provisioning"
    registry_home.mkdir()
    registry = Registry(hub_host="127.0.0.1")
    registry.booths[A] = BoothRecord(A, name=SCRIPT, postcode="1000")
    registry.booths[B] = BoothRecord(B, name=ATTR, postcode="4000")
    registry.save(registry_home)
    hub_cli = python_module("hub", "--config", str(stack.hub_config))
    subprocess.run([*hub_cli, "import-registry", str(Registry.path(registry_home))], check=True, timeout=60)
    password = tmp_path / "password"
    password.write_text("care-desk-pass-1")
    subprocess.run(
        [*hub_cli, "create-user", "nadia", "--role", "viewer", "--password-file", str(password)],
        check=True,
        timeout=60,
    )
    care = staff_session(stack.hub_url, "nadia", "care-desk-pass-1")
    for i, (name, tracking_id) in enumerate(parcels.items()):
        listing = care.get(
            f"{stack.hub_url}/care/", params={"q": f"+88017110000{i:02d}"[:14]}, timeout=10
        ).text
        detail = care.get(f"{stack.hub_url}/care/parcel/{tracking_id}", timeout=10).text
        assert_inert(detail, name)
        assert "<script>alert" not in listing

    page = browser.new_page()  # type: ignore[attr-defined]
    dialogs: list[str] = []
    page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
    page.goto(f"{stack.hub_url}/dashboard/login")
    page.fill("input[name=name]", "nadia")
    page.fill("input[name=password]", "care-desk-pass-1")
    page.click("button[type=submit]")
    page.wait_for_url(re.compile(r".*/dashboard/?$"))
    page.wait_for_function("document.body.innerText.includes('onerror')", timeout=15_000)
    body = page.inner_text("body")
    assert SCRIPT in body and ATTR in body  # shown as the text it is
    page.goto(f"{stack.hub_url}/care/parcel/{parcels[SCRIPT]}")
    page.screenshot(path=str(artifacts / "care-hostile.png"), full_page=True)
    assert SCRIPT in page.inner_text("body")
    page.close()
    assert dialogs == []  # no script ran

    # The public tracking page with markup in the URL.
    reply = requests.get(f"{stack.hub_url}/track/{SCRIPT}", timeout=10)
    assert reply.status_code in (400, 404) and "<script>alert" not in reply.text
    at_a.close()
    at_b.close()
