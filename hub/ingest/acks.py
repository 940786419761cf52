"""The cumulative ack of a booth: the highest seq up to which every event is settled at the hub."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Connection, bindparam, case, func, select, union

from hub.db.schema import booths, dead_letters, events
from hub.db.sql import member
from hub.ingest.gaps import record_gaps


def cumulative_acks(conn: Connection, booth_ids: list[str], now: datetime) -> dict[str, int]:
    """Advance and return each booth's ack (every seq 1..n stored as an event or dead-lettered), and
    record its seq gaps; a handful of statements for the whole batch.

    The database numbers the settled seqs above the stored ack in order: while seq - row number still
    equals the stored ack the run is unbroken, so the new ack is the last such seq. Only one row per
    booth comes back, however many events wait behind a gap (read row by row, a booth with a gap made
    every later batch read all its events again). Never goes down: the stored value only moves
    forward, so concurrent workers agree.
    """
    if not booth_ids:
        return {}
    stored = {
        r.booth_id: int(r.ack_upto)
        for r in conn.execute(
            select(booths.c.booth_id, booths.c.ack_upto).where(member(conn, booths.c.booth_id, booth_ids))
        )
    }
    settled = union(
        select(events.c.booth.label("booth"), events.c.seq.label("seq"))
        .join(booths, booths.c.booth_id == events.c.booth)
        .where(member(conn, events.c.booth, booth_ids), events.c.seq > booths.c.ack_upto),
        select(dead_letters.c.booth.label("booth"), dead_letters.c.seq.label("seq"))
        .join(booths, booths.c.booth_id == dead_letters.c.booth)
        .where(member(conn, dead_letters.c.booth, booth_ids), dead_letters.c.seq > booths.c.ack_upto),
    ).subquery()
    numbered = select(
        settled.c.booth,
        settled.c.seq,
        func.row_number().over(partition_by=settled.c.booth, order_by=settled.c.seq).label("rn"),
    ).subquery()
    base = booths.c.ack_upto
    summary = (
        select(
            numbered.c.booth,
            func.max(case((numbered.c.seq - numbered.c.rn == base, numbered.c.seq))).label("run"),
            func.max(numbered.c.seq).label("top"),
            func.count().label("n"),
        )
        .join(booths, booths.c.booth_id == numbered.c.booth)
        .group_by(numbered.c.booth, base)
    )
    acks = {b: stored.get(b, 0) for b in booth_ids}
    moved: list[dict[str, object]] = []
    gaps: dict[str, tuple[int, int]] = {}
    for r in conn.execute(summary):
        before = stored[r.booth]
        upto = int(r.run) if r.run is not None else before
        acks[r.booth] = upto
        if upto > before:
            moved.append({"b_id": r.booth, "b_upto": upto})
        top = int(r.top)
        if top > upto:
            gaps[r.booth] = (top, top - before - int(r.n))
    if moved:
        conn.execute(
            booths.update()
            .where(booths.c.booth_id == bindparam("b_id"), booths.c.ack_upto < bindparam("b_upto"))
            .values(ack_upto=bindparam("b_upto")),
            moved,
        )
    record_gaps(conn, acks, gaps, now)
    return acks
