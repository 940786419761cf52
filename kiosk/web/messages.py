"""Clerk-facing texts for the services' error codes, in the page's language."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l

from kiosk.services.errors import ServiceError

ERRORS = {
    "invalid_credentials": _l("Wrong clerk or PIN."),
    "clerk_locked": _l("Too many wrong PINs: this clerk is locked for a while."),
    "csrf": _l("The form expired. Please try again."),
    "not_logged_in": _l("Please log in."),
    "forbidden": _l("Only a supervisor can do this."),
    "supervisor_required": _l("A supervisor must approve this (supervisor and PIN)."),
    "invalid_tracking_id": _l("This is not a valid tracking number."),
    "invalid_recipient": _l("Enter the recipient's name."),
    "invalid_phone": _l("Enter a Bangladeshi mobile number (01XXXXXXXXX)."),
    "invalid_sender": _l("The sender's name is at most 200 characters."),
    "invalid_sender_phone": _l(
        "The sender's mobile must be a Bangladeshi number (01XXXXXXXXX), or left blank."
    ),
    "sender_is_merchant": _l(
        "This parcel was pre-advised: its sender is the merchant. Leave the sender blank."
    ),
    "invalid_sender_match": _l("Say whether the person collecting matches the recorded sender."),
    "invalid_destination": _l("No booth matches this postcode or name: choose the destination booth."),
    "ambiguous_destination": _l("Several booths match: choose one from the list."),
    "invalid_amount": _l("Enter an exact amount in taka (at most two decimals)."),
    "invalid_weight": _l("Enter the weight as whole grams."),
    "no_scale": _l("No working scale: a supervisor can enter the weight."),
    "weight_unstable": _l("The weight is not stable yet: wait and try again."),
    "already_accepted": _l("This parcel was already taken in with other details."),
    "preadvice_mismatch": _l("The details do not match the merchant's pre-advice."),
    "no_serial_block": _l("No tracking numbers left: wait for the hub's settings."),
    "not_found": _l("This parcel is not known at this booth."),
    "invalid_state": _l("This cannot be done in the parcel's current state."),
    "misrouted": _l("This parcel belongs to another booth."),
    "not_misrouted": _l("This parcel is not for another booth."),
    "invalid_shelf": _l("A shelf is letters and digits (e.g. A-3)."),
    "not_ready": _l("This parcel is not ready for collection here."),
    "parcel_locked": _l("Too many wrong codes: a supervisor must unlock this parcel."),
    "code_expired": _l("The collection code has expired."),
    "invalid_code": _l("The collection code is 6 digits."),
    "wrong_code": _l("Wrong collection code."),
    "cod_unknown": _l("The COD due is not known yet: wait for the manifest."),
    "cod_mismatch": _l("The cash collected must equal the COD due exactly."),
    "not_locked": _l("This parcel is not locked."),
    "invalid_document": _l("Choose the document and enter its number (4-30 letters or digits)."),
    "invalid_query": _l("Scan the parcel, or type its tracking number or the recipient's mobile."),
    "invalid_reason": _l("Choose the reason for the return."),
    "note_required": _l("Write what happened."),
    "reason_required": _l("The cash does not match: write the reason."),
    "not_overdue": _l("This parcel has not waited long enough to be returned uncollected."),
    "conflict": _l("The parcel changed meanwhile: try again."),
    "day_closed": _l("This day is already closed."),
    "is_return": _l("This parcel is a return to this booth: receive it under Returns coming back."),
    "not_taken_in": _l("This parcel is pre-advised to be taken in here: use Take a parcel in."),
    "not_a_return": _l("This parcel was not sent from this booth: it does not come back here."),
    "invalid_collector": _l("Choose who collects the return: the merchant or the sender."),
    "invalid_name": _l("Enter the name of the person collecting."),
    "already_collected": _l("This return was already handed back to its sender."),
    "invalid_date": _l("This day cannot be closed."),
}


def error_text(exc: ServiceError) -> str:
    """The clerk's text for a refused action (the service's own message when none is known)."""
    text = ERRORS.get(exc.code)
    return str(text) if text is not None else exc.message
