"""SMPP message bytes, no I/O: a text split into concatenated parts, and delivery receipts parsed.

GSM-7 texts go unpacked in the SMSC default alphabet (data_coding 0), 160 septets in one part and
153 per part with a concatenation header; anything else goes as UCS-2 (data_coding 8), 70 units in
one part and 67 per part — the same rule sms.sms_size() counts by.
"""

from __future__ import annotations

import re
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime

from smpplib.gsm import gsm_encode  # type: ignore[import-untyped]

from hub.notify.sms import sms_size

DC_DEFAULT = 0x00
DC_UCS2 = 0x08
ESM_UDHI = 0x40
ESM_RECEIPT = 0x04
ESCAPE = 0x1B

# Receipt `stat:` words (SMPP 3.4 appendix B) and what the hub records.
RECEIPT_STATES = {
    "DELIVRD": "delivered",
    "UNDELIV": "undelivered",
    "EXPIRED": "expired",
    "REJECTD": "rejected",
    "DELETED": "undelivered",
    "UNKNOWN": "unknown",
    "ACCEPTD": "accepted",
    "ENROUTE": "enroute",
}
_RECEIPT = re.compile(r"id:(?P<id>\S+).*?stat:(?P<stat>[A-Z]+)", re.S)
_DONE = re.compile(r"done date:(?P<done>\d{10,12})")


@dataclass(frozen=True)
class Encoded:
    """A text ready for submit_sm: its data_coding, esm_class and one short_message per part."""

    data_coding: int
    esm_class: int
    parts: list[bytes]


@dataclass(frozen=True)
class Receipt:
    """A delivery report: the provider's message id, the hub's status word and when it happened."""

    provider_id: str
    status: str
    at: datetime | None = None


def _units(text: str) -> tuple[list[bytes], int, int, int]:
    """Each character's encoded bytes, the data_coding, and the part sizes (single, multi) in units."""
    if sms_size(text).encoding == "gsm7":
        return [gsm_encode(c) for c in text], DC_DEFAULT, 160, 153
    raw = text.encode("utf-16-be")
    # One entry per UTF-16 code unit; a surrogate pair is kept together below.
    units = [raw[i : i + 2] for i in range(0, len(raw), 2)]
    return units, DC_UCS2, 70, 67


def encode(text: str, reference: int | None = None) -> Encoded:
    """Split text into parts with an 8-bit concatenation header (05 00 03 ref total seq) when needed."""
    chars, coding, single, multi = _units(text)
    size = sum(len(c) for c in chars) // (2 if coding == DC_UCS2 else 1)
    if size <= single:
        return Encoded(coding, 0, [b"".join(chars)])
    width = 2 if coding == DC_UCS2 else 1
    chunks: list[bytes] = []
    current = b""
    for c in chars:
        # Never split a GSM escape pair or a UTF-16 surrogate pair between two parts.
        if len(current) + len(c) > multi * width or (
            coding == DC_UCS2 and len(current) == multi * width - 2 and 0xD8 <= c[0] <= 0xDB
        ):
            chunks.append(current)
            current = b""
        current += c
    chunks.append(current)
    if len(chunks) > 255:
        raise ValueError("text too long for one concatenated SMS")
    ref = secrets.randbelow(256) if reference is None else reference
    header = bytes([0x05, 0x00, 0x03, ref, len(chunks)])
    return Encoded(coding, ESM_UDHI, [header + bytes([i]) + chunk for i, chunk in enumerate(chunks, 1)])


def _done_at(text: str) -> datetime | None:
    found = _DONE.search(text)
    if not found:
        return None
    digits = found.group("done")
    fmt = "%y%m%d%H%M%S" if len(digits) == 12 else "%y%m%d%H%M"
    try:
        return datetime.strptime(digits, fmt).replace(tzinfo=UTC)
    except ValueError:
        return None


def parse_receipt(text: str, receipted_id: str | None = None) -> Receipt | None:
    """The receipt in a deliver_sm's text ("id:... stat:DELIVRD ..."), or None when it is not one."""
    found = _RECEIPT.search(text)
    if not found:
        return None
    status = RECEIPT_STATES.get(found.group("stat"), "unknown")
    return Receipt(receipted_id or found.group("id"), status, _done_at(text))
