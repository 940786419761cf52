"""Input checks shared by the counter services; each raises ServiceError with a stable code."""

from __future__ import annotations

import re
from decimal import Decimal
from typing import Any

from kiosk.services.errors import ServiceError
from parcel import s10
from parcel.money import InvalidAmount, parse_taka
from parcel.phone import BENGALI_DIGITS, InvalidPhone, normalise_mobile
from parcel.topics import is_booth_id

SUBMISSION = re.compile(r"^[A-Za-z0-9_-]{8,64}$")


def tracking_id(value: Any) -> str:
    """A canonical BD S10 number, or invalid_tracking_id."""
    try:
        return s10.validate(value)
    except s10.InvalidTrackingNumber as exc:
        raise ServiceError("invalid_tracking_id", str(exc)) from None


def booth(value: Any, field: str = "destination") -> str:
    """A booth id, or invalid_<field>."""
    if not isinstance(value, str) or not is_booth_id(value.strip()):
        raise ServiceError(f"invalid_{field}", f"{field} must be a booth id like BD-1000-01")
    return value.strip()


def amount(value: Any, field: str) -> Decimal:
    """An exact taka amount in the API's grammar (parcel.money), or invalid_amount naming the field.

    The counter's forms turn what a clerk types (Bengali digits, grouping) into that grammar first.
    """
    try:
        return parse_taka(value)
    except InvalidAmount as exc:
        raise ServiceError("invalid_amount", f"{field}: {exc}", field=field) from None


def recipient(value: Any) -> tuple[str, str]:
    """(name, E.164 phone) of a recipient object."""
    if not isinstance(value, dict) or set(value) - {"name", "phone"}:
        raise ServiceError("invalid_recipient", "recipient must be an object with name and phone")
    name = value.get("name")
    if not isinstance(name, str) or not name.strip() or len(name.strip()) > 200:
        raise ServiceError("invalid_recipient", "recipient name is required (at most 200 characters)")
    try:
        phone = normalise_mobile(value.get("phone"))  # type: ignore[arg-type]
    except InvalidPhone as exc:
        raise ServiceError("invalid_phone", str(exc)) from None
    return name.strip(), phone


def weight(value: Any) -> int:
    """A weight in grams, 1..100000."""
    if isinstance(value, bool) or not isinstance(value, int) or not 0 < value <= 100_000:
        raise ServiceError("invalid_weight", "weight_g must be a whole number of grams from 1 to 100000")
    return value


def code(value: Any) -> str:
    """A typed collection code: 6 digits, Bengali digits accepted."""
    if not isinstance(value, str):
        raise ServiceError("invalid_code", "the collection code is 6 digits")
    digits = "".join(value.split()).translate(BENGALI_DIGITS)
    if len(digits) != 6 or not digits.isascii() or not digits.isdigit():
        raise ServiceError("invalid_code", "the collection code is 6 digits")
    return digits


def shelf(value: Any) -> str | None:
    """A shelf location (up to 40 letters, digits, '-' or '/'), or None when not given."""
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    text = value.strip().upper() if isinstance(value, str) else ""
    if not text or len(text) > 40 or not all(c.isalnum() or c in "-/ " for c in text):
        raise ServiceError("invalid_shelf", "a shelf is up to 40 letters, digits, '-' or '/'")
    return text


def reason(value: Any, field: str = "reason", required: bool = True) -> str | None:
    """A free-text reason (1-500 characters), or None when optional and empty."""
    text = value.strip() if isinstance(value, str) else ""
    if not text:
        if required:
            raise ServiceError(f"{field}_required", f"a {field} is required")
        return None
    if len(text) > 500:
        raise ServiceError(f"invalid_{field}", f"the {field} is at most 500 characters")
    return text


def submission(value: Any) -> str | None:
    """A form's submission key (8-64 letters, digits, '-' or '_'), or None when not given."""
    if value is None or value == "":
        return None
    if not isinstance(value, str) or not SUBMISSION.match(value):
        raise ServiceError("invalid_submission", "the submission key is 8-64 letters, digits, '-' or '_'")
    return value
