"""The cumulative ack of a booth: the highest seq up to which every event is settled at the hub."""

from __future__ import annotations

import functools
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, Select, Subquery, and_, bindparam, case, func, select, true, union

from hub.db.bulk import update_rows
from hub.db.schema import booths, dead_letters, events
from hub.db.sql import in_list, listed
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
    chosen, summary = _statements(conn.dialect.name)
    booth_list = {"booths": listed(conn, booth_ids)}
    stored = {r.booth_id: int(r.ack_upto) for r in conn.execute(chosen, booth_list)}
    acks = {b: stored.get(b, 0) for b in booth_ids}
    moved: list[dict[str, object]] = []
    gaps: dict[str, tuple[int, int]] = {}
    for r in conn.execute(summary, booth_list):
        before = int(r.base)  # the ack the run was counted from
        upto = int(r.run) if r.run is not None else before
        acks[r.booth] = upto
        if upto > before:
            moved.append({"booth_id": r.booth, "ack_upto": upto})
        top = int(r.top)
        if top > upto:
            gaps[r.booth] = (top, top - before - int(r.n))
    update_rows(conn, booths, "booth_id", moved, forward="ack_upto")
    record_gaps(conn, acks, gaps, now)
    return acks


@functools.cache
def _statements(dialect: str) -> tuple[Select[Any], Select[Any]]:
    """The booths' stored acks, and per booth the run of settled seqs above it (booth, base, run,
    top, n), both for the booth ids bound as "booths" (hub.db.sql.listed); built once per dialect."""
    chosen = select(booths.c.booth_id, booths.c.ack_upto).where(
        in_list(dialect, booths.c.booth_id, bindparam("booths"))
    )
    settled = _settled_above(dialect, chosen.subquery("chosen"))
    numbered = select(
        settled.c.booth,
        settled.c.seq,
        settled.c.base,
        func.row_number().over(partition_by=settled.c.booth, order_by=settled.c.seq).label("rn"),
    ).subquery()
    summary = select(
        numbered.c.booth,
        numbered.c.base,
        func.max(case((numbered.c.seq - numbered.c.rn == numbered.c.base, numbered.c.seq))).label("run"),
        func.max(numbered.c.seq).label("top"),
        func.count().label("n"),
    ).group_by(numbered.c.booth, numbered.c.base)
    return chosen, summary


def _settled_above(dialect: str, chosen: Subquery) -> Subquery:
    """(booth, seq, base): every seq stored as an event or dead-lettered above each chosen booth's
    ack (base), found by an index range on (booth, seq) per booth.

    On PostgreSQL the range is a LATERAL subquery per booth. A plain join lets the planner hash the
    booths and read every event the booths ever sent, dropping those at or below the ack afterwards:
    a cost that grew with each booth's history (3 to 7 ms a batch of 500 at 2,000 events a booth).
    SQLite always joins by nested loops, so the plain join already takes the range there.
    """
    if dialect == "postgresql":
        above = union(
            *(
                select(table.c.seq).where(table.c.booth == chosen.c.booth_id, table.c.seq > chosen.c.ack_upto)
                for table in (events, dead_letters)
            )
        ).lateral("above")
        return (
            select(chosen.c.booth_id.label("booth"), above.c.seq, chosen.c.ack_upto.label("base"))
            .select_from(chosen.join(above, true()))
            .subquery()
        )
    return union(
        *(
            select(chosen.c.booth_id.label("booth"), table.c.seq, chosen.c.ack_upto.label("base")).join(
                table, and_(table.c.booth == chosen.c.booth_id, table.c.seq > chosen.c.ack_upto)
            )
            for table in (events, dead_letters)
        )
    ).subquery()
