"""Notification texts in Bengali and English; each SMS template states the most parts it may take.

Kinds: `ready` (with the collection code), `reminder` (still waiting, no code: the hub no longer
has it), `final` (the last day before the parcel goes back). Bengali texts show dates in Bengali
digits and travel as UCS-2 (70 characters in one part, 67 per part); English texts stay in GSM-7.

The texts are English msgids in the hub's gettext catalogue (`hub/translations`), rendered for the
recipient's language with Babel outside any web request. A msgid without a Bengali translation
stops the hub at start-up (`MissingTranslation`) instead of sending English to a Bengali reader.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from functools import cache
from pathlib import Path

from babel.support import NullTranslations, Translations

from hub.clock import DHAKA
from hub.notify.sms import sms_size
from parcel.digits import bengali_digits

LANGUAGES = ("bn", "en")
KINDS = ("ready", "reminder", "final", "returned")
SOURCE_LANGUAGE = "en"  # the msgids are the English texts
TRANSLATIONS = Path(__file__).resolve().parents[1] / "translations"


class MissingTranslation(RuntimeError):
    """A notification text has no translation in a language the hub sends."""


def N_(text: str) -> str:
    """Mark text as a msgid for the catalogue; it is translated when a message is rendered."""
    return text


@dataclass(frozen=True)
class Template:
    """One kind of message in one language: the SMS, its part budget, and the e-mail."""

    sms: str
    max_parts: int
    subject: str
    body: str


@dataclass(frozen=True)
class Message:
    """One kind of message as English msgids, with the SMS part budget of each language."""

    sms: str
    max_parts: Mapping[str, int]
    subject: str
    body: str


# Longest inputs: a 13-character S10 number, a 10-character booth id, a dd/mm/yyyy date.
READY_MAX_PARTS = 2
FOOTER = N_("Thank you,\nDakBooth, Bangladesh Post Office\n(Please do not reply to this e-mail.)")

MESSAGES: dict[str, Message] = {
    "ready": Message(
        sms=N_(
            "DakBooth: parcel {tracking_id} is ready at booth {booth}. Collection code {code}, "
            "valid until {date}."
        ),
        max_parts={"bn": READY_MAX_PARTS, "en": 1},
        subject=N_("DakBooth: parcel {tracking_id} is ready for collection"),
        body=N_(
            "Your parcel {tracking_id} is ready for collection at booth {booth}.\n\n"
            "Collection code: {code}\nValid until: {date}\n\n"
            "Show the code at the booth; do not share it with anyone."
        ),
    ),
    "reminder": Message(
        sms=N_(
            "DakBooth: parcel {tracking_id} is waiting at booth {booth}. Collect it by {date} with the "
            "code we sent you; lost it? Ask the booth for a new one."
        ),
        max_parts={"bn": 2, "en": 1},
        subject=N_("DakBooth: parcel {tracking_id} is waiting for you"),
        body=N_(
            "Your parcel {tracking_id} is still waiting at booth {booth}.\n\n"
            "Collect it by {date} with the collection code we sent you. If you lost the code, ask the "
            "booth for a new one."
        ),
    ),
    "final": Message(
        sms=N_(
            "DakBooth: last day {date}! Collect parcel {tracking_id} at booth {booth} or it goes back "
            "to the sender. Show your code or ask the booth for a new one."
        ),
        max_parts={"bn": 2, "en": 1},
        subject=N_("DakBooth: last day to collect parcel {tracking_id} is {date}"),
        body=N_(
            "Your parcel {tracking_id} is at booth {booth}. If it is not collected by {date} it goes "
            "back to the sender.\n\nShow the code we sent you, or ask the booth for a new one."
        ),
    ),
    # To the sender when a returned parcel is back at the sender's booth: no code, no date.
    "returned": Message(
        sms=N_(
            "DakBooth: your parcel {tracking_id} has come back and is at booth {booth}. "
            "Bring an identity document to collect it."
        ),
        max_parts={"bn": 2, "en": 1},
        subject=N_("DakBooth: parcel {tracking_id} has come back to you"),
        body=N_(
            "Your parcel {tracking_id} has come back from its recipient and is kept for you at booth "
            "{booth}.\n\nBring an identity document to the booth to collect it; nothing is to be paid."
        ),
    ),
}


@cache
def catalogue(language: str) -> NullTranslations:
    """The compiled catalogue of language (the msgids themselves for English)."""
    if language == SOURCE_LANGUAGE:
        return NullTranslations()
    found = Translations.load(str(TRANSLATIONS), [language])
    if not isinstance(found, Translations):
        raise MissingTranslation(f"no compiled {language} catalogue in {TRANSLATIONS.name}/")
    return found


def translate(msgid: str, language: str) -> str:
    """msgid in language; raise MissingTranslation when the catalogue has no text for it."""
    text = catalogue(language).gettext(msgid)
    if language != SOURCE_LANGUAGE and (not text.strip() or text == msgid):
        raise MissingTranslation(f"no {language} translation for {msgid[:60]!r}")
    return text


def _render(kind: str, language: str) -> Template:
    msg = MESSAGES[kind]
    footer = "\n\n" + translate(FOOTER, language) + "\n"
    return Template(
        sms=translate(msg.sms, language),
        max_parts=msg.max_parts[language],
        subject=translate(msg.subject, language),
        body=translate(msg.body, language) + footer,
    )


def build_templates() -> dict[tuple[str, str], Template]:
    """Every kind in every language from the catalogue; raise MissingTranslation for a missing text."""
    return {(k, lang): _render(k, lang) for k in KINDS for lang in LANGUAGES}


# Built when the hub starts, so that a text missing from the catalogue stops it there.
TEMPLATES = build_templates()
READY = TEMPLATES[("ready", "bn")].sms


def local_date(value: datetime, language: str) -> str:
    """The date in Dhaka as dd/mm/yyyy, in Bengali digits for Bengali texts."""
    text = value.astimezone(DHAKA).strftime("%d/%m/%Y")
    return bengali_digits(text) if language == "bn" else text


def template(kind: str, language: str | None) -> Template:
    """The template of kind in language (Bengali when none or unknown is given)."""
    return TEMPLATES[(kind, language if language in LANGUAGES else "bn")]


def _fields(
    kind: str, language: str, tracking_id: str, booth: str, expires_at: datetime, code: str | None
) -> dict[str, str]:
    if (kind == "ready") != (code is not None):
        raise ValueError("only the ready message carries a collection code")
    return {
        "tracking_id": tracking_id,
        "booth": booth,
        "date": local_date(expires_at, language),
        "code": code or "",
    }


def sms_text(
    kind: str,
    language: str | None,
    tracking_id: str,
    booth: str,
    expires_at: datetime,
    code: str | None = None,
) -> str:
    """The SMS of kind; raise ValueError if it would take more parts than its budget."""
    tpl = template(kind, language)
    lang = language if language in LANGUAGES else "bn"
    text = tpl.sms.format(**_fields(kind, lang, tracking_id, booth, expires_at, code))
    if sms_size(text).parts > tpl.max_parts:
        raise ValueError(f"{kind} SMS longer than its budget")
    return text


def email_text(
    kind: str,
    language: str | None,
    tracking_id: str,
    booth: str,
    expires_at: datetime,
    code: str | None = None,
) -> tuple[str, str]:
    """(subject, plain-text body) of the e-mail of kind."""
    tpl = template(kind, language)
    lang = language if language in LANGUAGES else "bn"
    fields = _fields(kind, lang, tracking_id, booth, expires_at, code)
    return tpl.subject.format(**fields), tpl.body.format(**fields)


def ready_text(tracking_id: str, booth: str, code: str, expires_at: datetime) -> str:
    """The Bengali 'ready for collection' SMS; the code is the only run of six ASCII digits."""
    return sms_text("ready", "bn", tracking_id, booth, expires_at, code)


def mask_code(text: str, code: str) -> str:
    """The text with the collection code replaced, fit for a log."""
    return text.replace(code, "******")
