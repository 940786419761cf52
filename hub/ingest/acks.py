"""The cumulative ack of a booth: the highest seq up to which every event is settled at the hub."""

from __future__ import annotations

from sqlalchemy import Connection, select

from hub.db.schema import booths, dead_letters, events


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
