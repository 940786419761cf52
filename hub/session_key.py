"""The key that signs staff sessions: made once, kept in the database, shared by every hub process.

A key made at each start logged every member of the monitoring cell out whenever the hub restarted,
and two hub processes behind one address would refuse each other's sessions.
"""

from __future__ import annotations

import secrets

from sqlalchemy import Engine, select
from sqlalchemy.exc import IntegrityError

from hub.clock import utcnow
from hub.db.schema import hub_secrets

NAME = "session_key"


def session_key(engine: Engine) -> str:
    """The deployment's session key, created on first use (two processes starting at once agree)."""
    with engine.begin() as conn:
        found = conn.execute(select(hub_secrets.c.value).where(hub_secrets.c.name == NAME)).scalar()
    if found is not None:
        return str(found)
    try:
        with engine.begin() as conn:
            value = secrets.token_hex(32)
            conn.execute(hub_secrets.insert().values(name=NAME, value=value, created_at=utcnow()))
            return value
    except IntegrityError:  # another process made it first: use theirs
        with engine.begin() as conn:
            return str(
                conn.execute(select(hub_secrets.c.value).where(hub_secrets.c.name == NAME)).scalar_one()
            )
