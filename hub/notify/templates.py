"""SMS texts. Bengali, so UCS-2; each template states the longest text it can produce."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

from hub.notify.sms import sms_size

DHAKA = timezone(timedelta(hours=6), "Asia/Dhaka")  # Bangladesh keeps no daylight saving
BENGALI_DIGITS = str.maketrans("0123456789", "০১২৩৪৫৬৭৮৯")

READY = "ডাকবুথ: আপনার পার্সেল {tracking_id} {booth} বুথে সংগ্রহের জন্য প্রস্তুত। সংগ্রহ কোড {code}। মেয়াদ {date}।"
# Longest inputs: a 13-character S10 number, a 10-character booth id, a dd/mm/yyyy date.
READY_MAX_PARTS = 2


def bengali_date(value: datetime) -> str:
    """The date in Dhaka as dd/mm/yyyy in Bengali digits (no run of six digits, unlike the code)."""
    return value.astimezone(DHAKA).strftime("%d/%m/%Y").translate(BENGALI_DIGITS)


def ready_text(tracking_id: str, booth: str, code: str, expires_at: datetime) -> str:
    """The 'ready for collection' SMS; the code is the only run of six ASCII digits."""
    text = READY.format(tracking_id=tracking_id, booth=booth, code=code, date=bengali_date(expires_at))
    if sms_size(text).parts > READY_MAX_PARTS:
        raise ValueError("ready SMS longer than its budget")
    return text


def mask_code(text: str, code: str) -> str:
    """The text with the collection code replaced, fit for a log."""
    return text.replace(code, "******")
