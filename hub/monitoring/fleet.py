"""The fleet view's rows: every booth from the registry and from ingest, with what the cell watches."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Connection, Text, and_, func, literal, select, type_coerce

from hub.db.schema import CASH_CLOSED, alerts, booth_sites, booths, events, parcels
from hub.db.types import UtcDateTime
from hub.monitoring.geo import place_of, postcode_of

# A booth reports health at least every 30 s; past this it counts as silent even if "online".
STALE_AFTER_S = 60.0
WAITING = ("arrived", "ready")
CASH_LOOKBACK = timedelta(days=30)


@dataclass
class BoothRaw:
    """One booths row as read for the fleet: the health JSON kept as text until it changes."""

    state: str
    last_seen: datetime | None
    health_text: str | None
    seen_text: str | None = None


def read_booths(conn: Connection, previous: dict[str, BoothRaw] | None = None) -> dict[str, BoothRaw]:
    """Every booths row with its state, last seen and raw health text.

    With previous, health is re-read only for booths whose state or last_seen moved (every health
    message moves last_seen): at 10,000 booths that keeps a poll to a narrow scan.
    """
    rows = conn.execute(
        select(booths.c.booth_id, booths.c.state, type_coerce(booths.c.last_seen, Text))
    ).all()
    out: dict[str, BoothRaw] = {}
    stale: list[str] = []
    for booth_id, state, seen in rows:
        prev = (previous or {}).get(booth_id)
        if prev is not None and prev.state == state and prev.seen_text == seen:
            out[booth_id] = prev
        else:
            out[booth_id] = BoothRaw(state, datetime.fromisoformat(seen) if seen else None, None, seen)
            stale.append(booth_id)
    if previous is None:
        stale = list(out)
    for i in range(0, len(stale), 500):
        chunk = stale[i : i + 500]
        found = conn.execute(
            select(booths.c.booth_id, type_coerce(booths.c.health, Text)).where(booths.c.booth_id.in_(chunk))
        ).all()
        for booth_id, text in found:
            out[booth_id].health_text = text
    return out


def read_sites(conn: Connection) -> dict[str, dict[str, Any]]:
    """Registry facts of every booth: name, postcode, district, division."""
    rows = conn.execute(select(booth_sites)).all()
    return {
        r.booth_id: {"name": r.name, "postcode": r.postcode, "district": r.district, "division": r.division}
        for r in rows
    }


def read_slow(conn: Connection, now: datetime) -> dict[str, dict[str, Any]]:
    """Per booth, slowly changing figures: parcels waiting (and since when), cash held, open alerts."""
    out: dict[str, dict[str, Any]] = {}
    waiting = conn.execute(
        select(parcels.c.destination, func.count(), func.min(parcels.c.updated_at))
        .where(parcels.c.status.in_(WAITING))
        .group_by(parcels.c.destination)
    ).all()
    for dest, count, oldest in waiting:
        if dest:
            out.setdefault(dest, {})["wait"] = int(count)
            out[dest]["wait_since"] = _epoch(oldest)
    closed = (
        select(events.c.booth, func.max(events.c.at).label("closed"))
        .where(CASH_CLOSED)
        .group_by(events.c.booth)
        .subquery()
    )
    since = literal(now - CASH_LOOKBACK, UtcDateTime)
    cash = conn.execute(
        select(parcels.c.destination, func.sum(parcels.c.cod_amount))
        .select_from(parcels.outerjoin(closed, closed.c.booth == parcels.c.destination))
        .where(
            and_(
                parcels.c.status == "delivered",
                parcels.c.updated_at > func.coalesce(closed.c.closed, since),
            )
        )
        .group_by(parcels.c.destination)
    ).all()
    for dest, total in cash:
        if dest and total:
            out.setdefault(dest, {})["cash"] = float(total)
    open_alerts = conn.execute(
        select(alerts.c.booth_id, func.count())
        .where(alerts.c.status != "resolved")
        .group_by(alerts.c.booth_id)
    ).all()
    for booth_id, count in open_alerts:
        out.setdefault(booth_id, {})["alerts"] = int(count)
    return out


def derive_state(raw: BoothRaw | None, now: datetime) -> str:
    """online, silent (online but no heartbeat for STALE_AFTER_S), offline, or never (not seen yet)."""
    if raw is None or raw.last_seen is None:
        return "never"
    if raw.state != "online":
        return "offline"
    if (now - raw.last_seen).total_seconds() > STALE_AFTER_S:
        return "silent"
    return "online"


def health_fields(text: str | None) -> dict[str, Any]:
    """The fleet's fields from a stored health JSON text."""
    if not text:
        return {"devices": {}, "ob": None, "oba": None, "ver": None, "skew": None, "disk": None}
    try:
        h = json.loads(text)
    except ValueError:
        return health_fields(None)
    devices = {
        name: {"state": d.get("state", "?"), "detail": str(d.get("detail", ""))[:120]}
        for name, d in (h.get("devices") or {}).items()
        if isinstance(d, dict)
    }
    outbox = h.get("outbox") or {}
    skew = None
    if h.get("at") and h.get("received_at"):
        try:
            skew = round(
                (datetime.fromisoformat(h["at"]) - datetime.fromisoformat(h["received_at"])).total_seconds(),
                1,
            )
        except ValueError:
            skew = None
    return {
        "devices": devices,
        "ob": outbox.get("depth"),
        "oba": outbox.get("oldest_age_s"),
        "ver": h.get("version"),
        "skew": skew,
        "disk": h.get("disk_free_bytes"),
    }


def make_row(
    booth_id: str,
    raw: BoothRaw | None,
    site: dict[str, Any] | None,
    slow: dict[str, Any] | None,
    health: dict[str, Any],
    now: datetime,
) -> dict[str, Any]:
    """One booth as the fleet view shows it (short keys: 10,000 of them travel to the browser)."""
    site = site or {}
    postcode = site.get("postcode") or postcode_of(booth_id)
    place = place_of(postcode)
    slow = slow or {}
    return {
        "id": booth_id,
        "name": site.get("name") or "",
        "district": site.get("district") or place.district,
        "division": site.get("division") or place.division,
        "lat": place.lat,
        "lon": place.lon,
        "state": derive_state(raw, now),
        "seen": _epoch(raw.last_seen) if raw else None,
        **health,
        "wait": slow.get("wait", 0),
        "wait_since": slow.get("wait_since"),
        "cash": slow.get("cash", 0.0),
        "alerts": slow.get("alerts", 0),
    }


def _epoch(value: datetime | str | None) -> float | None:
    if value is None:
        return None
    if isinstance(value, str):
        value = datetime.fromisoformat(value)
    return round(value.timestamp(), 1)
