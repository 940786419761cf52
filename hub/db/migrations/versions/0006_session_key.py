"""The hub's own secrets, kept in its database: the key that signs staff sessions.

Revision ID: 0006
Revises: 0001
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from hub.db.types import UtcDateTime

revision = "0006"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    """Create hub_secrets."""
    op.create_table(
        "hub_secrets",
        sa.Column("name", sa.String(64), primary_key=True),
        sa.Column("value", sa.Text(), nullable=False),
        sa.Column("created_at", UtcDateTime(), nullable=False),
    )


def downgrade() -> None:
    """Drop hub_secrets."""
    op.drop_table("hub_secrets")
