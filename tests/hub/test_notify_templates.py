"""Notification templates: Bengali and English, their part budgets, dates and where the code may be."""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from sqlalchemy import Engine

from demo.sms_sink import SmsSink
from hub.notify import templates
from hub.notify.drivers import HttpDriver
from hub.notify.sms import sms_size
from hub.notify.templates import (
    KINDS,
    LANGUAGES,
    MESSAGES,
    TEMPLATES,
    MissingTranslation,
    email_text,
    local_date,
    sms_text,
)
from hub.notify.worker import Notifier
from tests.hub.conftest import ApplyFn
from tests.hub.factory import DEST, ORIGIN, T0, accepted, event, ready
from tests.hub.test_notify import CODE_RE, Clock
from tests.hub.test_notify_reminders import _preadvised

# The longest inputs: S10 numbers and booth ids have a fixed width, dates are dd/mm/yyyy.
LONGEST = {
    "tracking_id": "CP999999995BD",
    "booth": "BD-9999-99",
    "expires_at": datetime(2027, 12, 31, 23, tzinfo=UTC),
}
CODE = "000000"
PO = Path(templates.__file__).resolve().parents[1] / "translations/bn/LC_MESSAGES/messages.po"


def code_for(kind: str) -> str | None:
    """The code a kind carries."""
    return CODE if kind == "ready" else None


@pytest.mark.parametrize(("kind", "language"), [(k, lang) for k in KINDS for lang in LANGUAGES])
def test_each_template_fits_its_part_budget_with_the_longest_inputs(kind: str, language: str) -> None:
    text = sms_text(kind, language, **LONGEST, code=code_for(kind))  # type: ignore[arg-type]
    size = sms_size(text)
    budget = TEMPLATES[(kind, language)].max_parts
    assert size.parts <= budget
    assert size.encoding == ("ucs2" if language == "bn" else "gsm7")
    per_part = 67 if size.encoding == "ucs2" else 153
    assert size.units <= (budget * per_part if budget > 1 else (70 if size.encoding == "ucs2" else 160))


def test_the_budget_is_enforced() -> None:
    with pytest.raises(ValueError, match="budget"):
        sms_text("ready", "en", "CP999999995BD" * 6, "BD-9999-99", T0, CODE)


@pytest.mark.parametrize(("kind", "language"), [(k, lang) for k in KINDS for lang in LANGUAGES])
def test_only_the_ready_message_carries_the_code(kind: str, language: str) -> None:
    text = sms_text(kind, language, **LONGEST, code=code_for(kind))  # type: ignore[arg-type]
    subject, body = email_text(kind, language, **LONGEST, code=code_for(kind))  # type: ignore[arg-type]
    expected = [CODE] if kind == "ready" else []
    assert CODE_RE.findall(text) == expected
    assert CODE_RE.findall(body) == expected and CODE_RE.findall(subject) == []
    assert LONGEST["tracking_id"] in text and LONGEST["tracking_id"] in subject


def test_a_code_where_none_belongs_or_none_where_one_does_is_refused() -> None:
    with pytest.raises(ValueError):
        sms_text("reminder", "bn", "CP999999995BD", DEST, T0, CODE)
    with pytest.raises(ValueError):
        sms_text("ready", "bn", "CP999999995BD", DEST, T0)


@pytest.mark.parametrize("kind", [k for k in KINDS if k != "returned"])  # the return notice has no date
def test_bengali_texts_write_dates_in_bengali_digits(kind: str) -> None:
    text = sms_text(kind, "bn", **LONGEST, code=code_for(kind))  # type: ignore[arg-type]
    _, body = email_text(kind, "bn", **LONGEST, code=code_for(kind))  # type: ignore[arg-type]
    for t in (text, body):
        assert "০১/০১/২০২৮" in t  # 23:00 UTC on 31 Dec is 1 Jan in Dhaka
        rest = t.replace(LONGEST["tracking_id"], "").replace(LONGEST["booth"], "").replace(CODE, "")  # type: ignore[arg-type]
        assert re.findall(r"[0-9]", rest) == []
    english = sms_text(kind, "en", **LONGEST, code=code_for(kind))  # type: ignore[arg-type]
    assert "01/01/2028" in english and re.findall(r"[০-৯]", english) == []


def test_dhaka_date_and_unknown_language_falls_back_to_bengali() -> None:
    late = datetime(2026, 11, 20, 18, 30, tzinfo=UTC)  # 00:30 on the 21st in Dhaka
    assert local_date(late, "en") == "21/11/2026" and local_date(late, "bn") == "২১/১১/২০২৬"
    assert sms_text("final", "xx", "CP999999995BD", DEST, T0) == sms_text(
        "final", "bn", "CP999999995BD", DEST, T0
    )


def test_english_ready_sms_when_the_preadvice_says_en(
    engine: Engine, apply: ApplyFn, sms_sink: SmsSink
) -> None:
    t_en = _preadvised(engine, language="en")
    t_bn = _preadvised(engine)
    apply(
        event(ORIGIN, 1, accepted(t_en)),
        event(ORIGIN, 2, accepted(t_bn)),
        event(DEST, 1, ready(t_en, code="482913")),
        event(DEST, 2, ready(t_bn, code="193847")),
    )
    assert Notifier(engine, HttpDriver(sms_sink.url), clock=Clock()).run_once() == 2
    by_parcel = {t: m["text"] for m in sms_sink.received() for t in (t_en, t_bn) if t in m["text"]}
    expires = T0 + timedelta(days=7)
    assert by_parcel[t_en] == sms_text("ready", "en", t_en, DEST, expires, "482913")
    assert by_parcel[t_bn] == sms_text("ready", "bn", t_bn, DEST, expires, "193847")
    assert sms_size(by_parcel[t_en]).encoding == "gsm7"


@pytest.fixture
def catalogue_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """An empty translations directory the templates read instead of the shipped one."""
    monkeypatch.setattr(templates, "TRANSLATIONS", tmp_path)
    templates.catalogue.cache_clear()
    yield tmp_path
    templates.catalogue.cache_clear()


def compile_into(directory: Path, edit: dict[str, str | None]) -> None:
    """The shipped Bengali catalogue with msgstrs replaced (None: left out), compiled into directory."""
    with PO.open("rb") as f:
        po = read_po(f, locale="bn")
    for msgid, text in edit.items():
        if text is None:
            po.delete(msgid)
        else:
            po[msgid].string = text
    out = directory / "bn/LC_MESSAGES/messages.mo"
    out.parent.mkdir(parents=True)
    with out.open("wb") as f:
        write_mo(f, po)


def test_the_bengali_texts_are_read_from_the_compiled_catalogue(catalogue_dir: Path) -> None:
    msgid = MESSAGES["ready"].sms
    compile_into(catalogue_dir, {msgid: "ডাকবুথ: পার্সেল {tracking_id} {booth} বুথে। কোড {code}। মেয়াদ {date}।"})
    text = templates.translate(msgid, "bn").format(
        tracking_id="CP999999995BD", booth="BD-9999-99", code=CODE, date="০১/০১/২০২৮"
    )
    assert text == "ডাকবুথ: পার্সেল CP999999995BD BD-9999-99 বুথে। কোড 000000। মেয়াদ ০১/০১/২০২৮।"
    assert templates.translate(msgid, "en") == msgid  # English is the msgid itself


@pytest.mark.parametrize("kind", KINDS)
def test_a_text_missing_from_the_catalogue_fails_loudly(catalogue_dir: Path, kind: str) -> None:
    compile_into(catalogue_dir, {MESSAGES[kind].sms: None})
    with pytest.raises(MissingTranslation, match="no bn translation"):
        templates.build_templates()


def test_no_compiled_catalogue_fails_loudly(catalogue_dir: Path) -> None:
    with pytest.raises(MissingTranslation, match="no compiled bn catalogue"):
        templates.build_templates()


def test_the_shipped_catalogue_builds_every_template() -> None:
    assert templates.build_templates() == TEMPLATES
    assert set(TEMPLATES) == {(k, lang) for k in KINDS for lang in LANGUAGES}
