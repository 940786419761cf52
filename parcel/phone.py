"""Bangladeshi mobile numbers: 01[3-9] and 8 digits, +880 accepted, stored as +8801XXXXXXXXX."""

from __future__ import annotations

import re

BENGALI_DIGITS = str.maketrans("০১২৩৪৫৬৭৮৯", "0123456789")
LOCAL = re.compile(r"^01[3-9][0-9]{8}$")
SEPARATORS = re.compile(r"[\s\-().]")


class InvalidPhone(ValueError):
    """Raised when a value is not a Bangladeshi mobile number."""


def normalise_mobile(raw: str) -> str:
    """Return the E.164 form (+8801XXXXXXXXX) of a Bangladeshi mobile number or raise InvalidPhone."""
    if not isinstance(raw, str) or len(raw) > 32:
        raise InvalidPhone("not a phone number")
    digits = SEPARATORS.sub("", raw.translate(BENGALI_DIGITS))
    if digits.startswith("+880"):
        digits = "0" + digits[4:]
    elif digits.startswith("880"):
        digits = "0" + digits[3:]
    if not LOCAL.fullmatch(digits):
        raise InvalidPhone("a mobile number is 01[3-9] followed by 8 digits")
    return "+88" + digits


def local_form(e164: str) -> str:
    """The 11-digit form a Bangladeshi reads (01XXXXXXXXX)."""
    return e164[3:] if e164.startswith("+880") else e164
