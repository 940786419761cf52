"""The booth directory: destinations a clerk can pick by postcode or by name."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from kiosk.services.context import Context
from kiosk.services.errors import ServiceError
from kiosk.store import booth_config
from parcel.topics import is_booth_id


@dataclass(frozen=True)
class Destination:
    """A booth a parcel can be sent to."""

    booth_id: str
    name: str

    @property
    def postcode(self) -> str:
        """The booth's postcode (the 4 digits of its id)."""
        return self.booth_id[3:7]


def _from_settings(settings: dict[str, Any]) -> list[Destination]:
    found = []
    for item in settings.get("booths") or []:
        if isinstance(item, dict):
            booth_id, name = item.get("booth_id") or item.get("id"), item.get("name")
            if isinstance(booth_id, str) and is_booth_id(booth_id):
                found.append(Destination(booth_id, name if isinstance(name, str) and name else booth_id))
    return found


def booths(ctx: Context) -> list[Destination]:
    """Every known destination: the hub's `settings.booths` first, then the booth's own config list."""
    with ctx.store.read() as tx:
        config = booth_config.get(tx)
    known: dict[str, Destination] = {}
    for entry in _from_settings(config.settings if config else {}):
        known.setdefault(entry.booth_id, entry)
    for item in ctx.counter.booths:
        known.setdefault(item.id, Destination(item.id, item.name))
    return sorted(known.values(), key=lambda d: d.booth_id)


def search(ctx: Context, query: str) -> list[Destination]:
    """Destinations whose id or postcode starts with query, or whose name contains it."""
    q = (query or "").strip().casefold()
    if not q:
        return booths(ctx)
    return [
        d
        for d in booths(ctx)
        if d.booth_id.casefold().startswith(q) or d.postcode.startswith(q) or q in d.name.casefold()
    ]


def resolve(ctx: Context, value: Any) -> str:
    """A booth id from a booth id, a postcode or a name; one match is needed."""
    if not isinstance(value, str) or not value.strip():
        raise ServiceError("invalid_destination", "choose the destination booth")
    text = value.strip()
    if is_booth_id(text.upper()):
        return text.upper()
    matches = search(ctx, text)
    exact = [d for d in matches if d.name.casefold() == text.casefold() or d.postcode == text]
    if len(exact) == 1:
        return exact[0].booth_id
    if len(matches) == 1:
        return matches[0].booth_id
    if not matches:
        raise ServiceError(
            "invalid_destination", f"no booth matches {text[:40]!r}: use a booth id like BD-1000-01"
        )
    raise ServiceError("ambiguous_destination", f"{len(matches)} booths match {text[:40]!r}: choose one")
