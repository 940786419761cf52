"""Display names of the hub's codes (parcel statuses, event types, states, commands) in the page's language.

The codes stay as they are in the data, the API and the CSS classes; only what a person reads is
translated.
"""

from __future__ import annotations

from typing import Any

from flask_babel import LazyString
from flask_babel import lazy_gettext as _l

from hub.commands import EXPIRED_DETAIL
from hub.web.i18n import language, taka

STATUS: dict[str, LazyString] = {
    "pre_advised": _l("Pre-advised"),
    "accepted": _l("Accepted"),
    "dispatched": _l("Dispatched"),
    "arrived": _l("Arrived"),
    "ready": _l("Ready for collection"),
    "delivered": _l("Delivered"),
    "returned": _l("Returned"),
    "return_arrived": _l("Back at the sender's booth"),
    "return_collected": _l("Returned to the sender"),
    "handover_failed": _l("Handover failed"),
}

STATE: dict[str, LazyString] = {
    # booths and devices
    "online": _l("online"),
    "offline": _l("offline"),
    "silent": _l("silent"),
    "never": _l("never seen"),
    "ok": _l("ok"),
    "warning": _l("warning"),
    "error": _l("error"),
    "absent": _l("absent"),
    "printer": _l("printer"),
    "scale": _l("scale"),
    "scanner": _l("scanner"),
    "camera": _l("camera"),
    # alerts
    "open": _l("open"),
    "acknowledged": _l("acknowledged"),
    "resolved": _l("resolved"),
    # commands
    "pending": _l("pending"),
    "done": _l("done"),
    "expired": _l("expired"),
    "failed": _l("failed"),
    # staff roles
    "viewer": _l("viewer"),
    "operator": _l("operator"),
    "admin": _l("admin"),
    # notifications and their delivery reports
    "sent": _l("sent"),
    "delivered": _l("delivered"),
    "undelivered": _l("undelivered"),
    "rejected": _l("rejected"),
    "unknown": _l("unknown"),
    "sms": _l("SMS"),
    "email": _l("e-mail"),
    "ready": _l("ready"),
    "reminder": _l("reminder"),
    "final": _l("last notice"),
}

COMMAND: dict[str, LazyString] = {
    "test_print": _l("print a test page on the booth's printer"),
    "reprint": _l("reprint a parcel's label (needs the tracking id)"),
    "restart_device": _l("restart one device (needs the device)"),
    "fetch_photo": _l("fetch a parcel's proof photo (needs the tracking id)"),
    "reissue_code": _l("issue a new collection code (needs the tracking id); the old one stops"),
    "push_config": _l("send the booth its config and tariff again"),
}


# A care request to a booth, as the parcel's file lists it.
CARE_REQUEST: dict[str, LazyString] = {
    "fetch_photo": _l("Proof-of-delivery photo"),
    "reissue_code": _l("New collection code"),
}

# What a booth answered to a care request: done, by request; refused, by the refusal's code (the
# text before the first colon of the result's detail), or the hub's own word for no answer.
CARE_DONE: dict[str, LazyString] = {
    "reissue_code": _l("a new code was issued; the recipient gets it by SMS"),
}
CARE_REFUSAL: dict[str, LazyString] = {
    "no_photo": _l("the booth has no photo of this parcel"),
    "not_ready": _l("the parcel is not waiting for collection at the booth"),
    "unknown_parcel": _l("the booth does not know this parcel"),
    "too_large": _l("the photo is too large to send"),
    "expired": _l("the booth did not answer in time"),
    EXPIRED_DETAIL: _l("the booth did not answer in time"),
}


DETAIL: dict[str, LazyString] = {
    "reason": _l("reason"),
    "cod_collected": _l("COD collected"),
    "verified_by": _l("checked by"),
    "shelf": _l("shelf"),
    "unannounced": _l("not on a manifest"),
    "collected_by": _l("collected by"),
    "collector_name": _l("collector"),
    "document_kind": _l("document"),
    "document_tail": _l("document number ends"),
    "sender_match": _l("matches the recorded sender"),
    "approved_by": _l("approved by"),
}

DETAIL_VALUE: dict[str, LazyString] = {
    "code": _l("collection code"),
    "id_document": _l("identity document"),
    "merchant": _l("the merchant"),
    "sender": _l("the sender"),
    "nid": _l("National ID"),
    "passport": _l("passport"),
    "birth_certificate": _l("birth certificate"),
    "driving_licence": _l("driving licence"),
    "trade_licence": _l("trade licence"),
}


def _say(names: dict[str, LazyString], code: str, fallback: str) -> str:
    """The display name of code in the page's language, or fallback when it has none."""
    text = names.get(code)
    return str(text) if text is not None else fallback


def detail(pairs: list[tuple[str, Any]]) -> str:
    """An event's details for a person: each field's name and value in the page's language (yes or
    no for a flag, taka for money), joined by commas."""
    return ", ".join(f"{_say(DETAIL, key, key)}: {_detail_value(key, value)}" for key, value in pairs)


def _detail_value(key: str, value: Any) -> str:
    if isinstance(value, bool):
        return str(_l("yes") if value else _l("no"))
    if key == "cod_collected":
        return taka(value)
    return _say(DETAIL_VALUE, str(value), str(value))


def label(value: str) -> str:
    """The display name of a parcel status or an event type (`parcel.ready` or `ready`)."""
    key = value.removeprefix("parcel.")
    return _say(STATUS, key, key)


def state(value: object) -> str:
    """The display name of a booth, device, alert, command or notification state (the code if unknown)."""
    return _say(STATE, str(value), str(value))


def command(name: str, fallback: str = "") -> str:
    """What a booth command does, in the page's language (fallback when the command is new)."""
    return _say(COMMAND, name, fallback)


def care_request(name: str) -> str:
    """The display name of a care request to a booth (the code if unknown)."""
    return _say(CARE_REQUEST, name, name)


def care_answer(name: str, ok: bool | None, answer: str) -> str:
    """What the booth answered to a care request, in the page's language: a known outcome in words,
    anything else as the booth put it."""
    if ok:
        return _say(CARE_DONE, name, answer)
    return _say(CARE_REFUSAL, answer.split(":", 1)[0].strip(), answer)


def script_texts() -> dict[str, object]:
    """The texts the dashboard's scripts show, in the page's language (placeholders as %(name)s)."""
    texts: dict[str, LazyString] = dict(STATE)
    texts.update(
        {
            "all": _l("all"),
            "just_now": _l("< 1 min ago"),
            "ago": _l("%(age)s ago"),
            "never_seen": _l("never"),
            "seconds_ago": _l("%(seconds)s s ago"),
            "age_s": _l("%(n)s s"),
            "age_min": _l("%(n)s min"),
            "age_h": _l("%(n)s h"),
            "age_d": _l("%(n)s d"),
            "shown": _l("Showing %(shown)s of %(total)s booths (problems first)."),
            "district_online": _l("%(district)s (%(division)s): %(online)s of %(booths)s online"),
            "cannot_load": _l("cannot load the fleet (%(status)s)"),
            "live": _l("live"),
            "reconnecting": _l("reconnecting…"),
        }
    )
    return {"bengali_digits": language() == "bn", "texts": {k: str(v) for k, v in texts.items()}}
