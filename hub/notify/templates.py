"""Notification texts in Bengali and English; each SMS template states the most parts it may take.

Kinds: `ready` (with the collection code), `reminder` (still waiting, no code: the hub no longer
has it), `final` (the last day before the parcel goes back). Bengali texts show dates in Bengali
digits and travel as UCS-2 (70 characters in one part, 67 per part); English texts stay in GSM-7.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta, timezone

from hub.notify.sms import sms_size

DHAKA = timezone(timedelta(hours=6), "Asia/Dhaka")  # Bangladesh keeps no daylight saving
BENGALI_DIGITS = str.maketrans("0123456789", "০১২৩৪৫৬৭৮৯")
LANGUAGES = ("bn", "en")
KINDS = ("ready", "reminder", "final")


@dataclass(frozen=True)
class Template:
    """One kind of message in one language: the SMS, its part budget, and the e-mail."""

    sms: str
    max_parts: int
    subject: str
    body: str


READY = "ডাকবুথ: আপনার পার্সেল {tracking_id} {booth} বুথে সংগ্রহের জন্য প্রস্তুত। সংগ্রহ কোড {code}। মেয়াদ {date}।"
# Longest inputs: a 13-character S10 number, a 10-character booth id, a dd/mm/yyyy date.
READY_MAX_PARTS = 2

_BN_FOOTER = "\n\nধন্যবাদ,\nডাকবুথ, বাংলাদেশ ডাক বিভাগ\n(এই ই-মেইলের উত্তর দেবেন না।)\n"
_EN_FOOTER = "\n\nThank you,\nDakBooth, Bangladesh Post Office\n(Please do not reply to this e-mail.)\n"

TEMPLATES: dict[tuple[str, str], Template] = {
    ("ready", "bn"): Template(
        sms=READY,
        max_parts=READY_MAX_PARTS,
        subject="ডাকবুথ: পার্সেল {tracking_id} সংগ্রহের জন্য প্রস্তুত",
        body="আপনার পার্সেল {tracking_id} {booth} বুথে সংগ্রহের জন্য প্রস্তুত।\n\n"
        "সংগ্রহ কোড: {code}\nমেয়াদ: {date}\n\nকোডটি বুথে দেখান; কাউকে জানাবেন না।" + _BN_FOOTER,
    ),
    ("ready", "en"): Template(
        sms="DakBooth: parcel {tracking_id} is ready at booth {booth}. Collection code {code}, "
        "valid until {date}.",
        max_parts=1,
        subject="DakBooth: parcel {tracking_id} is ready for collection",
        body="Your parcel {tracking_id} is ready for collection at booth {booth}.\n\n"
        "Collection code: {code}\nValid until: {date}\n\n"
        "Show the code at the booth; do not share it with anyone." + _EN_FOOTER,
    ),
    ("reminder", "bn"): Template(
        sms="ডাকবুথ: পার্সেল {tracking_id} {booth} বুথে অপেক্ষায়। আগের SMS-এর কোড দিয়ে {date}-এর "
        "মধ্যে নিন; কোড হারালে বুথে নতুন কোড চান।",
        max_parts=2,
        subject="ডাকবুথ: পার্সেল {tracking_id} আপনার অপেক্ষায়",
        body="আপনার পার্সেল {tracking_id} এখনও {booth} বুথে অপেক্ষা করছে।\n\n"
        "আগে পাঠানো সংগ্রহ কোড দিয়ে {date}-এর মধ্যে সংগ্রহ করুন। কোড হারিয়ে গেলে বুথে "
        "নতুন কোড চান।" + _BN_FOOTER,
    ),
    ("reminder", "en"): Template(
        sms="DakBooth: parcel {tracking_id} is waiting at booth {booth}. Collect it by {date} with the "
        "code we sent you; lost it? Ask the booth for a new one.",
        max_parts=1,
        subject="DakBooth: parcel {tracking_id} is waiting for you",
        body="Your parcel {tracking_id} is still waiting at booth {booth}.\n\n"
        "Collect it by {date} with the collection code we sent you. If you lost the code, ask the "
        "booth for a new one." + _EN_FOOTER,
    ),
    ("final", "bn"): Template(
        sms="ডাকবুথ: শেষ দিন {date}! পার্সেল {tracking_id} {booth} বুথ থেকে না নিলে প্রেরকের কাছে "
        "ফেরত যাবে। আগের কোড দেখান বা নতুন কোড চান।",
        max_parts=2,
        subject="ডাকবুথ: পার্সেল {tracking_id} সংগ্রহের শেষ দিন {date}",
        body="আপনার পার্সেল {tracking_id} {booth} বুথে আছে। {date} তারিখের মধ্যে সংগ্রহ না করলে "
        "পার্সেলটি প্রেরকের কাছে ফেরত যাবে।\n\nআগে পাঠানো কোড দেখান, অথবা বুথে নতুন কোড "
        "চান।" + _BN_FOOTER,
    ),
    ("final", "en"): Template(
        sms="DakBooth: last day {date}! Collect parcel {tracking_id} at booth {booth} or it goes back "
        "to the sender. Show your code or ask the booth for a new one.",
        max_parts=1,
        subject="DakBooth: last day to collect parcel {tracking_id}",
        body="Your parcel {tracking_id} is at booth {booth}. If it is not collected by {date} it goes "
        "back to the sender.\n\nShow the code we sent you, or ask the booth for a new one." + _EN_FOOTER,
    ),
}


def bengali_date(value: datetime) -> str:
    """The date in Dhaka as dd/mm/yyyy in Bengali digits (no run of six digits, unlike the code)."""
    return value.astimezone(DHAKA).strftime("%d/%m/%Y").translate(BENGALI_DIGITS)


def local_date(value: datetime, language: str) -> str:
    """The date in Dhaka as dd/mm/yyyy, in Bengali digits for Bengali texts."""
    text = value.astimezone(DHAKA).strftime("%d/%m/%Y")
    return text.translate(BENGALI_DIGITS) if language == "bn" else text


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
