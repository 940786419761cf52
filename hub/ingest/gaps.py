"""Per-booth seq gaps: events missing between a booth's cumulative ack and the highest seq seen."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Connection, select

from hub.db.bulk import insert_rows, update_rows
from hub.db.schema import seq_gaps
from hub.db.sql import member


def gaps(conn: Connection) -> list[dict[str, object]]:
    """Every booth with missing seqs, longest-standing first."""
    rows = conn.execute(select(seq_gaps).order_by(seq_gaps.c.since, seq_gaps.c.booth_id)).all()
    return [
        {
            "booth_id": r.booth_id,
            "ack_upto": r.ack_upto,
            "max_seq": r.max_seq,
            "missing": r.missing,
            "since": r.since.isoformat(),
        }
        for r in rows
    ]


def record_gaps(
    conn: Connection, acks: dict[str, int], found: dict[str, tuple[int, int]], now: datetime
) -> None:
    """Write the gaps found for the booths in acks (found: booth -> (max_seq, missing)); clear the rest.
    A few statements however many booths: with several workers, most batches leave some booths
    waiting for another worker's events."""
    current = set(
        conn.execute(select(seq_gaps.c.booth_id).where(member(conn, seq_gaps.c.booth_id, acks))).scalars()
    )
    cleared = [b for b in acks if b in current and b not in found]
    if cleared:
        conn.execute(seq_gaps.delete().where(member(conn, seq_gaps.c.booth_id, cleared)))
    rows = [
        {
            "booth_id": booth_id,
            "ack_upto": acks[booth_id],
            "max_seq": top,
            "missing": max(missing, 1),
            "updated_at": now,
        }
        for booth_id, (top, missing) in sorted(found.items())
    ]
    update_rows(conn, seq_gaps, "booth_id", [r for r in rows if r["booth_id"] in current])
    insert_rows(conn, seq_gaps, [r | {"since": now} for r in rows if r["booth_id"] not in current])
