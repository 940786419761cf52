"""The sender of a parcel at the counter: an optional walk-in name and mobile, or the pre-advising merchant."""

from __future__ import annotations

from typing import Any

from kiosk.services.errors import ServiceError
from parcel.messages import Sender
from parcel.phone import InvalidPhone, local_form, normalise_mobile


def walk_in(value: Any) -> tuple[str | None, str | None]:
    """(name, E.164 mobile) of an optional walk-in sender {"name"?, "phone"?}; blanks are None."""
    if value is None:
        return None, None
    if not isinstance(value, dict) or set(value) - {"name", "phone"}:
        raise ServiceError("invalid_sender", "sender must be an object with an optional name and phone")
    raw_name, raw_phone = value.get("name"), value.get("phone")
    if raw_name is not None and not isinstance(raw_name, str):
        raise ServiceError("invalid_sender", "the sender's name must be text")
    name = " ".join(raw_name.split()) if raw_name else ""
    if len(name) > 200:
        raise ServiceError("invalid_sender", "the sender's name is at most 200 characters")
    phone = None
    if raw_phone not in (None, "") and not (isinstance(raw_phone, str) and not raw_phone.strip()):
        try:
            phone = normalise_mobile(raw_phone)
        except InvalidPhone as exc:
            raise ServiceError("invalid_sender_phone", f"sender's mobile: {exc}") from None
    return name or None, phone


def on_the_wire(merchant: str | None, name: str | None, phone: str | None) -> Sender | None:
    """The sender carried in parcel.accepted: the merchant, the walk-in, or None when unknown."""
    if merchant is not None:
        return Sender(kind="merchant", name=merchant)
    if name is None and phone is None:
        return None
    return Sender(kind="walk_in", name=name, phone=phone)


def receipt_line(merchant: str | None, name: str | None, phone: str | None) -> str | None:
    """The sender as the intake receipt prints it: the merchant, or the walk-in's name and mobile
    (in the 11-digit form people read); None when no sender is known."""
    if merchant is not None:
        return merchant
    return ", ".join(part for part in (name, phone and local_form(phone)) if part) or None


def recorded(row: dict[str, Any]) -> dict[str, Any] | None:
    """The sender recorded for a parcel row, for the clerk: kind, name, phone; None when none was."""
    if row.get("merchant"):
        return {"kind": "merchant", "name": row["merchant"], "phone": None}
    if row.get("sender_name") or row.get("sender_phone"):
        return {"kind": "walk_in", "name": row.get("sender_name"), "phone": row.get("sender_phone")}
    return None


def match_answer(value: Any) -> bool:
    """The clerk's answer to "does the collector match the recorded sender?": only true is a yes."""
    if value is None or isinstance(value, bool):
        return bool(value)
    raise ServiceError("invalid_sender_match", "matches_sender is true or false")
