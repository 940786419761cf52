"""Import provisioning's registry.json: booth names and postcodes, placed by division and district."""

from __future__ import annotations

import json
from datetime import datetime
from pathlib import Path

from sqlalchemy import Connection, select

from hub.db.schema import booth_sites
from hub.monitoring.geo import place_of, postcode_of
from parcel import topics


class RegistryError(Exception):
    """The registry file cannot be read or is not provisioning's registry."""


def read_registry(path: Path) -> list[dict[str, str]]:
    """The active booths of a registry.json as [{booth_id, name, postcode}]."""
    try:
        raw = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise RegistryError(f"cannot read {path}: {exc}") from None
    booths = raw.get("booths") if isinstance(raw, dict) else None
    if not isinstance(booths, dict):
        raise RegistryError(f"{path} has no 'booths' object: not a provisioning registry")
    out = []
    for booth_id, rec in booths.items():
        if not topics.is_booth_id(booth_id) or not isinstance(rec, dict) or rec.get("state") == "revoked":
            continue
        postcode = str(rec.get("postcode") or postcode_of(booth_id))
        out.append({"booth_id": booth_id, "name": str(rec.get("name") or "")[:200], "postcode": postcode[:8]})
    return out


def upsert_sites(conn: Connection, entries: list[dict[str, str]], now: datetime) -> int:
    """Insert or update booth_sites for entries (division and district from the postcode)."""
    known = set(conn.execute(select(booth_sites.c.booth_id)).scalars())
    new, changed = [], []
    for e in entries:
        place = place_of(e["postcode"])
        row = dict(e, district=place.district, division=place.division, updated_at=now)
        (changed if e["booth_id"] in known else new).append(row)
    if new:
        conn.execute(booth_sites.insert(), new)
    for row in changed:
        conn.execute(booth_sites.update().where(booth_sites.c.booth_id == row["booth_id"]).values(**row))
    return len(new) + len(changed)


def import_registry(conn: Connection, path: Path, now: datetime) -> int:
    """Import path into booth_sites; return how many booths were written."""
    return upsert_sites(conn, read_registry(path), now)
