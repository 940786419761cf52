"""The cumulative ack of a booth: the highest seq up to which every event is settled at the hub."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Connection, and_, bindparam, or_, select

from hub.db.schema import booths, dead_letters, events
from hub.db.sql import member
from hub.ingest.gaps import record_gaps


def cumulative_ack(conn: Connection, booth_id: str) -> int:
    """Advance and return the booth's ack: every seq 1..n stored as an event or dead-lettered.

    Never goes down: the stored value only moves forward, so concurrent workers agree.
    """
    stored = conn.execute(select(booths.c.ack_upto).where(booths.c.booth_id == booth_id)).scalar()
    upto = int(stored or 0)
    seqs = set(
        conn.execute(select(events.c.seq).where(events.c.booth == booth_id, events.c.seq > upto)).scalars()
    )
    seqs.update(
        conn.execute(
            select(dead_letters.c.seq).where(
                dead_letters.c.booth == booth_id, dead_letters.c.seq.is_not(None), dead_letters.c.seq > upto
            )
        ).scalars()
    )
    while upto + 1 in seqs:
        upto += 1
    if stored is not None and upto > stored:
        conn.execute(
            booths.update()
            .where(booths.c.booth_id == booth_id, booths.c.ack_upto < upto)
            .values(ack_upto=upto)
        )
    return upto


def cumulative_acks(conn: Connection, booth_ids: list[str], now: datetime) -> dict[str, int]:
    """cumulative_ack() for many booths with a handful of statements, and their seq gaps recorded."""
    if not booth_ids:
        return {}
    stored = {
        r.booth_id: int(r.ack_upto)
        for r in conn.execute(
            select(booths.c.booth_id, booths.c.ack_upto).where(member(conn, booths.c.booth_id, booth_ids))
        )
    }
    above_events = or_(*(and_(events.c.booth == b, events.c.seq > stored.get(b, 0)) for b in booth_ids))
    above_dead = or_(
        *(and_(dead_letters.c.booth == b, dead_letters.c.seq > stored.get(b, 0)) for b in booth_ids)
    )
    seqs: dict[str, set[int]] = {b: set() for b in booth_ids}
    for r in conn.execute(select(events.c.booth, events.c.seq).where(above_events)):
        seqs[r.booth].add(int(r.seq))
    for r in conn.execute(select(dead_letters.c.booth, dead_letters.c.seq).where(above_dead)):
        seqs[r.booth].add(int(r.seq))
    acks: dict[str, int] = {}
    moved: list[dict[str, object]] = []
    gaps: dict[str, tuple[int, int]] = {}
    for booth_id in booth_ids:
        upto = stored.get(booth_id, 0)
        mine = seqs[booth_id]
        while upto + 1 in mine:
            upto += 1
        acks[booth_id] = upto
        if booth_id in stored and upto > stored[booth_id]:
            moved.append({"b_id": booth_id, "b_upto": upto})
        top = max(mine, default=0)
        if top > upto:
            gaps[booth_id] = (top, top - upto - sum(1 for s in mine if s > upto))
    if moved:
        conn.execute(
            booths.update()
            .where(booths.c.booth_id == bindparam("b_id"), booths.c.ack_upto < bindparam("b_upto"))
            .values(ack_upto=bindparam("b_upto")),
            moved,
        )
    record_gaps(conn, acks, gaps, now)
    return acks
