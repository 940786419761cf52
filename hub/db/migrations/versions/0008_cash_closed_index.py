"""Index only the cash-ups among the events: reconciliation reads the `cash.closed` events of a few
days, the fleet view each booth's last one, and no query reads another type through (type, at).

The index on (type, at) held an entry for every event, so every event ingested paid for a text index
it never used, and the fleet view still read every event through the (booth, seq) key. The partial
indexes hold one entry per booth per day.

Revision ID: 0008
Revises: 0002
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision = "0002"
branch_labels = None
depends_on = None

CASH_CLOSED = sa.text("type = 'cash.closed'")


def upgrade() -> None:
    """Replace ix_events_type_at by partial indexes on the cash-ups' times, and booths and times."""
    op.drop_index("ix_events_type_at", "events")
    for name, columns in (
        ("ix_events_cash_closed_at", ["at"]),
        ("ix_events_cash_closed_booth", ["booth", "at"]),
    ):
        op.create_index(name, "events", columns, sqlite_where=CASH_CLOSED, postgresql_where=CASH_CLOSED)


def downgrade() -> None:
    """Back to the index on (type, at) of every event."""
    op.drop_index("ix_events_cash_closed_booth", "events")
    op.drop_index("ix_events_cash_closed_at", "events")
    op.create_index("ix_events_type_at", "events", ["type", "at"])
