"""The hub's languages: complete Bengali catalogues (hub and kiosk), Bengali by default with an English
switch on the tracking page and the staff pages, Bengali digits in Bengali, notifications from the catalogue."""

from __future__ import annotations

import re
from io import BytesIO
from pathlib import Path

import pytest
from babel.messages.catalog import Message
from babel.messages.extract import extract_from_dir
from babel.messages.frontend import parse_mapping_cfg
from babel.messages.mofile import read_mo, write_mo
from babel.messages.pofile import read_po
from flask.testing import FlaskClient
from sqlalchemy import Engine

from hub.notify import templates
from hub.users import create_user
from hub.web import WebContext, create_app
from tests.hub.conftest import ApplyFn
from tests.hub.factory import DEST, ORIGIN, T0, accepted, arrived, delivered, event, ready, tid

ROOT = Path(__file__).resolve().parents[2]
CATALOGUES = {
    "hub": ROOT / "hub/translations/bn/LC_MESSAGES/messages.po",
    "kiosk": ROOT / "kiosk/translations/bn/LC_MESSAGES/messages.po",
}
# printf-style (%(name)s, %%) and str.format-style ({name}) placeholders
PLACEHOLDER = re.compile(r"%\(\w+\)[sd]|%%|\{\w*\}")
BENGALI = re.compile(r"[\u0980-\u09ff]")
PASSWORD = "a long enough password"


def messages(package: str) -> list[Message]:
    """The catalogue's messages (without the header)."""
    with CATALOGUES[package].open("rb") as f:
        return [m for m in read_po(f) if m.id]


def compiled(path: Path) -> dict[str, str]:
    """msgid → msgstr of a compiled catalogue (singular messages)."""
    with path.open("rb") as f:
        return {m.id: m.string for m in read_mo(f) if isinstance(m.id, str) and m.id}


def forms(value: str | tuple[str, ...] | list[str]) -> list[str]:
    """The singular and plural forms of a msgid or msgstr."""
    return [value] if isinstance(value, str) else list(value)


@pytest.mark.parametrize("package", sorted(CATALOGUES))
def test_every_msgid_has_a_bengali_translation_with_the_same_placeholders(package: str) -> None:
    found = messages(package)
    assert len(found) > 100
    problems = []
    for m in found:
        if m.fuzzy:
            problems.append(("fuzzy", m.id))
        for text in forms(m.string):
            if not text or not text.strip():
                problems.append(("untranslated", m.id))
            want = sorted(PLACEHOLDER.findall(forms(m.id)[-1]))
            if sorted(PLACEHOLDER.findall(text)) != want:
                problems.append(("placeholders", m.id))
            if not BENGALI.search(text) and text != forms(m.id)[0]:
                problems.append(("not Bengali", m.id))
    assert problems == []


def test_compiled_hub_catalogue_is_up_to_date_with_the_po() -> None:
    po_path = CATALOGUES["hub"]
    with po_path.open("rb") as f:
        po = read_po(f)
    fresh = BytesIO()
    write_mo(fresh, po)
    fresh.seek(0)
    with po_path.with_suffix(".mo").open("rb") as f:
        shipped = {str(m.id): str(m.string) for m in read_mo(f) if m.id}
    expected = {str(m.id): str(m.string) for m in read_mo(fresh) if m.id}
    assert shipped == expected, "run: pybabel compile -d hub/translations"


def test_every_text_of_the_hub_is_in_its_catalogue() -> None:
    with (ROOT / "babel.cfg").open() as f:
        method_map, options_map = parse_mapping_cfg(f)
    found = {
        msg[2] if isinstance(msg[2], str) else msg[2][0]
        for msg in extract_from_dir(
            str(ROOT / "hub"),
            method_map,
            options_map,
            keywords={"_": None, "gettext": None, "_l": None, "N_": None},
        )
    }
    known = {forms(m.id)[0] for m in messages("hub")}
    assert len(found) > 100 and found - known == set(), "run the translation commands in the README"
    notification_texts = {m.sms for m in templates.MESSAGES.values()} | {templates.FOOTER}
    assert notification_texts <= found  # the SMS and e-mail texts are msgids too


@pytest.fixture
def client(engine: Engine) -> FlaskClient:
    """A test client of the hub's app."""
    return create_app(WebContext(engine=engine)).test_client()


def test_tracking_page_is_bengali_by_default_and_english_after_the_switch(
    client: FlaskClient, apply: ApplyFn
) -> None:
    t = tid()
    apply(event(ORIGIN, 1, accepted(t), at=T0), event(DEST, 1, arrived(t)))
    page = client.get(f"/track/{t}").get_data(as_text=True)
    assert '<html lang="bn">' in page and "বুথে পৌঁছেছে" in page and "Arrived" not in page
    assert f'href="/track/{t}?lang=en"' in page  # the switch, on every page

    resp = client.get(f"/track/{t}?lang=en")
    assert "dakbooth_lang=en" in resp.headers["Set-Cookie"]
    page = resp.get_data(as_text=True)
    assert '<html lang="en">' in page and "Arrived" in page and "Accepted" in page
    assert not BENGALI.search(page.split("</nav>")[1])  # below the switch, nothing Bengali

    # the cookie keeps the choice on the next page, over the browser's language
    page = client.get("/track", headers={"Accept-Language": "bn"}).get_data(as_text=True)
    assert '<html lang="en">' in page and "Tracking number" in page
    client.get("/track?lang=xx")  # an unknown language changes nothing
    assert '<html lang="en">' in client.get("/track").get_data(as_text=True)
    client.get("/track?lang=bn")
    assert '<html lang="bn">' in client.get("/track").get_data(as_text=True)


def test_without_a_choice_the_browser_language_decides_then_bengali(engine: Engine) -> None:
    app = create_app(WebContext(engine=engine))
    for accept, lang in (
        (None, "bn"),
        ("en-US,en;q=0.9", "en"),
        ("bn-BD,bn;q=0.9,en;q=0.8", "bn"),
        ("fr", "bn"),
    ):
        headers = {"Accept-Language": accept} if accept else {}
        page = app.test_client().get("/track", headers=headers).get_data(as_text=True)
        assert f'<html lang="{lang}">' in page, accept


def test_bengali_page_writes_dates_in_bengali_digits(client: FlaskClient, apply: ApplyFn) -> None:
    t = tid()
    apply(event(ORIGIN, 1, accepted(t), at=T0))
    page = client.get(f"/track/{t}").get_data(as_text=True)
    # 09:00 UTC is read on the Dhaka clock (UTC+6)
    assert '<time datetime="2026-11-20T09:00:00+00:00">২০২৬-১১-২০ ১৫:০০</time>' in page
    page = client.get(f"/track/{t}?lang=en").get_data(as_text=True)
    assert "2026-11-20 15:00" in page


def test_errors_on_the_tracking_page_are_translated(client: FlaskClient) -> None:
    resp = client.get("/track/CP123456789BD")
    assert resp.status_code == 400 and "সঠিক ট্র্যাকিং নম্বর নয়।" in resp.get_data(as_text=True)
    resp = client.get("/track/CP123456789BD?lang=en")
    assert "Not a valid tracking number." in resp.get_data(as_text=True)
    assert "এই পাতাটি নেই।" in client.get("/nowhere?lang=bn").get_data(as_text=True)
    # the API keeps its English machine messages whatever the language
    resp = client.get("/api/v1/track/CP123456789BD")
    assert "check digit" in resp.get_json()["error"]["message"]


def staff(engine: Engine, name: str = "nasima", role: str = "operator") -> FlaskClient:
    """A client logged in to the staff pages (in whatever language its cookie says)."""
    with engine.begin() as conn:
        create_user(conn, name, role, PASSWORD)
    client = create_app(WebContext(engine=engine)).test_client()
    token = re.search(r'name="csrf" value="([^"]+)"', client.get("/dashboard/login").get_data(as_text=True))
    assert token is not None
    resp = client.post("/dashboard/login", data={"csrf": token.group(1), "name": name, "password": PASSWORD})
    assert resp.status_code == 302
    return client


def test_staff_login_is_bengali_by_default_with_a_switch_in_the_header(client: FlaskClient) -> None:
    page = client.get("/dashboard/login").get_data(as_text=True)
    assert '<html lang="bn">' in page and "লগ ইন" in page and "পাসওয়ার্ড" in page
    header = page.split("</header>")[0]
    assert 'href="/dashboard/login?lang=en"' in header and 'href="/dashboard/login?lang=bn"' in header
    token = re.search(r'name="csrf" value="([^"]+)"', page)
    assert token is not None
    resp = client.post("/dashboard/login", data={"csrf": token.group(1), "name": "x", "password": "y"})
    assert resp.status_code == 401 and "নাম বা পাসওয়ার্ড ভুল।" in resp.get_data(as_text=True)
    page = client.get("/dashboard/login?lang=en").get_data(as_text=True)
    assert '<html lang="en">' in page and "Log in" in page and "Password" in page


def test_staff_pages_switch_language(engine: Engine, apply: ApplyFn) -> None:
    t = tid()
    apply(
        event(ORIGIN, 1, accepted(t), at=T0),
        event(DEST, 1, arrived(t)),
        event(DEST, 2, ready(t, code="482913")),
        event(DEST, 3, delivered(t)),
    )
    client = staff(engine)
    page = client.get(f"/care/parcel/{t}").get_data(as_text=True)
    assert '<html lang="bn">' in page and "সময়রেখা" in page and "হস্তান্তরিত" in page
    assert "৳ ১,২৫০.০০" in page  # the COD due, in Bengali digits
    assert 'data-type="parcel.delivered"' in page  # the code stays for tools and tests
    page = client.get(f"/care/parcel/{t}?lang=en").get_data(as_text=True)
    assert '<html lang="en">' in page and "Timeline" in page and "Delivered" in page and "৳ 1,250.00" in page

    for path, bn, en in (
        ("/dashboard/alerts", "সম্প্রতি সমাধান হয়েছে", "Recently resolved"),
        (f"/dashboard/booth/{DEST}", "সাম্প্রতিক ইভেন্ট", "Recent events"),
        ("/care/", "গ্রাহক সেবা", "Customer care"),
    ):
        page = client.get(path + "?lang=bn").get_data(as_text=True)
        assert bn in page and en not in page, path
        assert f'href="{path}?lang=en"' in page.split("</header>")[0], path  # the switch in the header
        page = client.get(path + "?lang=en").get_data(as_text=True)
        assert en in page and bn not in page, path
    # the staff's error pages follow the language too
    assert "এই ট্র্যাকিং নম্বরের কোনো পার্সেল নেই।" in client.get(f"/care/parcel/{tid(87654321)}?lang=bn").get_data(
        as_text=True
    )


def test_dashboard_scripts_get_their_texts_in_the_page_language(engine: Engine) -> None:
    client = staff(engine)
    page = client.get("/dashboard/?lang=bn").get_data(as_text=True)
    block = re.search(r'<script type="application/json" id="i18n">(.*?)</script>', page, re.S)
    assert block is not None and '"bengali_digits": true' in block.group(1)
    assert "অফলাইন" in block.group(1)
    page = client.get("/dashboard/?lang=en").get_data(as_text=True)
    assert '"bengali_digits": false' in page and '"offline": "offline"' in page


def test_notification_texts_come_from_the_hub_catalogue() -> None:
    mo = compiled(CATALOGUES["hub"].with_suffix(".mo"))
    for kind, msg in templates.MESSAGES.items():
        bn = templates.TEMPLATES[(kind, "bn")]
        assert bn.sms == mo[msg.sms] and bn.subject == mo[msg.subject]
        assert bn.body == mo[msg.body] + "\n\n" + mo[templates.FOOTER] + "\n"
        assert templates.TEMPLATES[(kind, "en")].sms == msg.sms  # English is the msgid itself
