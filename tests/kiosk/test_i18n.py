"""The counter's languages: complete Bengali catalogue, compiled .mo in step with the .po, Bengali by default."""

from __future__ import annotations

import re
from io import BytesIO
from pathlib import Path

from babel.messages.extract import extract_from_dir
from babel.messages.mofile import read_mo, write_mo
from babel.messages.pofile import read_po
from flask.testing import FlaskClient

ROOT = Path(__file__).resolve().parents[2]
PO = ROOT / "kiosk/translations/bn/LC_MESSAGES/messages.po"
MO = PO.with_suffix(".mo")
PLACEHOLDER = re.compile(r"%\(\w+\)s")


def catalogue() -> dict[str, str]:
    with PO.open("rb") as f:
        return {m.id: m.string for m in read_po(f) if m.id}


def test_every_msgid_has_a_bengali_translation_with_the_same_placeholders() -> None:
    messages = catalogue()
    assert len(messages) > 100
    missing = [k for k, v in messages.items() if not v or not v.strip()]
    assert missing == []
    for msgid, text in messages.items():
        assert sorted(PLACEHOLDER.findall(msgid)) == sorted(PLACEHOLDER.findall(text)), msgid


def test_compiled_mo_is_up_to_date_with_the_po() -> None:
    with PO.open("rb") as f:
        po = read_po(f)
    fresh = BytesIO()
    write_mo(fresh, po)
    fresh.seek(0)
    with MO.open("rb") as f:
        shipped = {m.id: m.string for m in read_mo(f) if m.id}
    compiled = {m.id: m.string for m in read_mo(fresh) if m.id}
    assert shipped == compiled, "run: pybabel compile -d kiosk/translations"


def test_every_string_in_the_pages_is_in_the_catalogue() -> None:
    mapping = [("kiosk/web/**.py", "python"), ("kiosk/web/templates/**.html", "jinja2")]
    found = {
        msg[2] if isinstance(msg[2], str) else msg[2][0]
        for msg in extract_from_dir(str(ROOT), mapping, keywords={"_": None, "gettext": None, "_l": None})
    }
    assert found and found - set(catalogue()) == set(), "run: pybabel extract + update (see README)"


def test_pages_are_bengali_by_default_and_english_on_the_switch(client: FlaskClient) -> None:
    page = client.get("/login").get_data(as_text=True)
    assert '<html lang="bn">' in page and "লগ ইন" in page
    resp = client.get("/lang/en", headers={"Referer": "http://localhost/login"})
    assert resp.status_code == 302 and resp.headers["Location"] == "/login"
    page = client.get("/login").get_data(as_text=True)
    assert '<html lang="en">' in page and "Log in" in page and "লগ ইন" not in page
    client.get("/lang/xx")  # an unknown language changes nothing
    assert '<html lang="en">' in client.get("/login").get_data(as_text=True)
    resp = client.get("/lang/bn", headers={"Referer": "http://evil.example/phish"})
    assert resp.headers["Location"] == "/phish"  # never off the kiosk


def test_amounts_and_dates_use_bengali_digits_in_bengali(client: FlaskClient) -> None:
    client.post("/login", data={"clerk": "alice", "pin": "1234"})
    page = client.get("/cash").get_data(as_text=True)
    assert "৳ ০.০০" in page and re.search(r"[০-৯]{4}-[০-৯]{2}-[০-৯]{2}", page)
    client.set_cookie("dakbooth_lang", "en")
    page = client.get("/cash").get_data(as_text=True)
    assert "৳ 0.00" in page and re.search(r"\d{4}-\d{2}-\d{2}", page)


def test_service_errors_are_shown_in_bengali(client: FlaskClient) -> None:
    resp = client.post("/login", data={"clerk": "alice", "pin": "0000"})
    assert resp.status_code == 401 and "কর্মী বা পিন ভুল।" in resp.get_data(as_text=True)
