"""Where a parcel's derivation stands: which acceptance its origin, recipient and charges were taken
from, and the checkpoint derivation resumes from.

Derivation then rewrites those columns (and queues the manifest) only when the counted acceptance
changes, and continues from the checkpoint when new events come in lifecycle order, instead of
reading every event of the parcel back at each one.

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
    """Add parcels.accepted_event and parcels.derivation (empty: each parcel's next derivation, from
    all its events, fills them)."""
    with op.batch_alter_table("parcels") as batch:
        batch.add_column(sa.Column("accepted_event", sa.String(36), nullable=True))
        batch.add_column(sa.Column("derivation", sa.JSON(), nullable=True))


def downgrade() -> None:
    """Drop parcels.derivation and parcels.accepted_event."""
    with op.batch_alter_table("parcels") as batch:
        batch.drop_column("derivation")
        batch.drop_column("accepted_event")
