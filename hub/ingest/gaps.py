"""Per-booth seq gaps: events missing between a booth's cumulative ack and the highest seq seen."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Connection, select

from hub.db.schema import seq_gaps


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
    """Write the gaps found for the booths in acks (found: booth -> (max_seq, missing)); clear the rest."""
    current = set(
        conn.execute(select(seq_gaps.c.booth_id).where(seq_gaps.c.booth_id.in_(list(acks)))).scalars()
    )
    cleared = [b for b in acks if b in current and b not in found]
    if cleared:
        conn.execute(seq_gaps.delete().where(seq_gaps.c.booth_id.in_(cleared)))
    for booth_id, (top, missing) in found.items():
        values = {"ack_upto": acks[booth_id], "max_seq": top, "missing": max(missing, 1), "updated_at": now}
        if booth_id in current:
            conn.execute(seq_gaps.update().where(seq_gaps.c.booth_id == booth_id).values(**values))
        else:
            conn.execute(seq_gaps.insert().values(booth_id=booth_id, since=now, **values))
