"""The return leg: a pre-advice may name the booth where the merchant hands the parcel in.

Revision ID: 0005
Revises: 0002

A branch of its own off the merchant tables, like 0003 off 0001: the hub upgrades to every head,
so it stays independent of the other branches.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    """Add the optional origin booth to pre-advices."""
    with op.batch_alter_table("preadvices") as batch:
        batch.add_column(sa.Column("origin", sa.String(16), nullable=True))


def downgrade() -> None:
    """Drop what upgrade added."""
    with op.batch_alter_table("preadvices") as batch:
        batch.drop_column("origin")
