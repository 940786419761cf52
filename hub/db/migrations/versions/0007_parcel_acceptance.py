"""Which acceptance a parcel row's origin, recipient and charges were taken from.

Derivation then rewrites those columns (and queues the manifest) only when the counted acceptance
changes, instead of reading every acceptance's data back at each event.

Revision ID: 0007
Revises: 0001
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    """Add parcels.accepted_event (empty: the next derivation of each parcel fills it)."""
    with op.batch_alter_table("parcels") as batch:
        batch.add_column(sa.Column("accepted_event", sa.String(36), nullable=True))


def downgrade() -> None:
    """Drop parcels.accepted_event."""
    with op.batch_alter_table("parcels") as batch:
        batch.drop_column("accepted_event")
