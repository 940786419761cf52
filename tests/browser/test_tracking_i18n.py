"""The hub's pages in Chromium: the public tracking page for a parcel taken in at a real booth, and the
monitoring cell; Bengali for a Bengali browser, English after the switch (and still English on the next
page), Bengali glyphs really drawn, the live grid's script speaking the page's language."""

from __future__ import annotations

import re
import subprocess
from pathlib import Path
from typing import Any

from demo.client import wait_until
from demo.processes import python_module
from demo.sms_sink import SmsSink
from demo.stack import Stack

DHAKA, CHATTOGRAM = "BD-1000-01", "BD-4000-01"
TOFU = re.compile("[\ufffd\u25a1]")
BENGALI = re.compile(r"[\u0980-\u09ff]")
LATIN = re.compile(r"[A-Za-z]")

# Widths in the page's own font (the h1's): a real Bengali font shapes the conjunct "ক্ষ" (three
# code points) into one glyph narrower than "ক" and "ষ" side by side, and draws "ডাকবুথ" unlike a
# run of the same number of .notdef boxes (U+0378 is unassigned, so it is always drawn as .notdef).
MEASURE = """(sample) => {
  const ctx = document.createElement("canvas").getContext("2d");
  ctx.font = getComputedStyle(document.querySelector("h1")).font;
  const w = (s) => ctx.measureText(s).width;
  return {
    conjunct: w("ক্ষ"), apart: w("ক") + w("ষ"),
    sample: w(sample), notdef: w("\\u0378".repeat([...sample].length)),
  };
}"""


def shot(page: Any, artifacts: Path, name: str) -> str:
    """Keep a full-page screenshot and return the page's visible text, checked for replacement glyphs."""
    page.evaluate("document.fonts.ready")
    page.screenshot(path=str(artifacts / f"{name}.png"), full_page=True)
    text = page.inner_text("body")
    assert not TOFU.search(text), name
    return str(text)


def test_tracking_page_in_bengali_and_english(
    browser: Any, stack: Stack, sms_sink: SmsSink, artifacts: Path
) -> None:
    parcel = (
        stack.kiosks[DHAKA]
        .client()
        .intake(
            recipient={"name": "রহিমা বেগম", "phone": "+8801712345678"}, destination=CHATTOGRAM, cod_amount="0"
        )
    )
    tid = parcel["tracking_id"]
    hub = stack.hub_client()
    wait_until(lambda: hub.track(tid), timeout=60, what="the acceptance at the hub")

    # A phone set to Bengali: the page is Bengali, digits included.
    context = browser.new_context(locale="bn-BD", viewport={"width": 412, "height": 915})
    try:
        page = context.new_page()
        page.goto(f"{stack.hub_url}/track/{tid}")
        assert page.locator("html").get_attribute("lang") == "bn"
        text = shot(page, artifacts, "track-bn")
        assert "গৃহীত" in text and "ট্র্যাকিং নম্বর" in text
        assert re.search(r"[০-৯]{4}-[০-৯]{2}-[০-৯]{2} [০-৯]{2}:[০-৯]{2}", text)
        rest = text.replace(tid, "").replace(DHAKA, "").replace("English", "")
        assert not LATIN.search(rest) and not re.search(r"[0-9]", rest), rest
        width = page.evaluate(MEASURE, "ডাকবুথ")
        assert width["conjunct"] < width["apart"], width  # shaped, not three boxes
        assert abs(width["sample"] - width["notdef"]) > 1, width  # drawn, not .notdef boxes
        assert "রহিমা" not in page.content()  # no personal data on the public page

        # The switch: English, and English again on the next page (a cookie), whatever the phone says.
        page.click("nav.lang >> text=English")
        page.wait_for_selector("html[lang=en]")
        assert page.url.endswith(f"/track/{tid}?lang=en")
        text = shot(page, artifacts, "track-en")
        assert "Accepted" in text and "Tracking number" in text and "Status:" in text
        assert not BENGALI.search(text.replace("বাংলা", "")), text
        assert re.search(r"\d{4}-\d{2}-\d{2} \d{2}:\d{2}", text)
        page.goto(f"{stack.hub_url}/track")
        page.fill("#tid", tid.lower())
        page.click("button[type=submit]")
        page.wait_for_url(re.compile(rf".*/track/{tid}$"))
        assert page.locator("html").get_attribute("lang") == "en"
        assert "Accepted" in shot(page, artifacts, "track-en-after-search")

        # And back to Bengali.
        page.click("nav.lang >> text=বাংলা")
        page.wait_for_selector("html[lang=bn]")
        assert "গৃহীত" in shot(page, artifacts, "track-bn-again")
    finally:
        context.close()

    # A browser set to English and no choice yet: English (Accept-Language decides before the default).
    context = browser.new_context(locale="en-GB")
    try:
        page = context.new_page()
        page.goto(f"{stack.hub_url}/track/{tid}")
        assert page.locator("html").get_attribute("lang") == "en"
    finally:
        context.close()


def test_monitoring_cell_in_bengali_and_english(browser: Any, stack: Stack, artifacts: Path) -> None:
    password = stack.workdir / "staff-password"
    password.write_text("cell-operator-pw\n")
    argv = python_module("hub", "--config", str(stack.hub_config), "create-user", "ana", "--role", "operator")
    subprocess.run([*argv, "--password-file", str(password)], check=True, capture_output=True, timeout=60)

    context = browser.new_context(locale="bn-BD", viewport={"width": 1500, "height": 900})
    try:
        page = context.new_page()
        errors: list[str] = []
        page.on("pageerror", lambda exc: errors.append(str(exc)))
        page.goto(f"{stack.hub_url}/dashboard/")
        assert page.locator("html").get_attribute("lang") == "bn"
        assert "লগ ইন" in shot(page, artifacts, "cell-login-bn")
        page.fill("input[name=name]", "ana")
        page.fill("input[name=password]", "cell-operator-pw")
        page.click("button[type=submit]")
        # the live grid, drawn by the page's script in Bengali with Bengali digits
        page.wait_for_selector(f'tr[data-booth="{CHATTOGRAM}"] .state-online', timeout=15_000)
        page.wait_for_selector("#live.on", timeout=10_000)
        assert page.inner_text(f'tr[data-booth="{CHATTOGRAM}"] .state') == "অনলাইন"
        assert page.inner_text('[data-count="online"]') == "২"
        assert "বুথসমূহ" in shot(page, artifacts, "cell-fleet-bn")
        page.goto(f"{stack.hub_url}/dashboard/booth/{CHATTOGRAM}")
        page.wait_for_selector(".timeline")
        assert "সাম্প্রতিক ইভেন্ট" in shot(page, artifacts, "cell-booth-bn")

        page.click("header >> text=English")
        page.wait_for_selector("html[lang=en]")
        assert "Recent events" in shot(page, artifacts, "cell-booth-en")
        page.goto(f"{stack.hub_url}/dashboard/")
        page.wait_for_selector("#live.on", timeout=10_000)
        assert page.inner_text(f'tr[data-booth="{CHATTOGRAM}"] .state') == "online"
        assert page.inner_text('[data-count="online"]') == "2"
        shot(page, artifacts, "cell-fleet-en")
        assert errors == []
    finally:
        context.close()
