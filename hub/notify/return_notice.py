"""The notice to a parcel's sender that its return is back at the sender's booth (kind `returned`).

Its texts live with the others in the hub's catalogue (hub/notify/templates.py); this module renders
them with what the notice knows: the tracking number and the booth. It carries no code and no date:
the sender collects on an identity document.
"""

from __future__ import annotations

from hub.notify import templates
from hub.notify.sms import sms_size
from hub.notify.templates import LANGUAGES, Template

KIND = "returned"
TEMPLATES: dict[tuple[str, str], Template] = {
    (KIND, lang): templates.TEMPLATES[(KIND, lang)] for lang in LANGUAGES
}


def template(language: str | None) -> Template:
    """The returned-notice template in language (Bengali when none or unknown is given)."""
    return templates.template(KIND, language)


def sms_text(language: str | None, tracking_id: str, booth: str) -> str:
    """The SMS telling the sender the parcel is back; ValueError if it would exceed its part budget."""
    tpl = template(language)
    text = tpl.sms.format(tracking_id=tracking_id, booth=booth)
    if sms_size(text).parts > tpl.max_parts:
        raise ValueError(f"{KIND} SMS longer than its budget")
    return text


def email_text(language: str | None, tracking_id: str, booth: str) -> tuple[str, str]:
    """(subject, plain-text body) of the e-mail telling the sender the parcel is back."""
    tpl = template(language)
    return (
        tpl.subject.format(tracking_id=tracking_id, booth=booth),
        tpl.body.format(tracking_id=tracking_id, booth=booth),
    )
