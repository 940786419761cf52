"""The monitoring cell: users, booth sites, status changes, commands, alerts and the audit log.

Revision ID: 0003
Revises: 0001
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from hub.db.types import UtcDateTime

revision = "0003"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    """Create the monitoring cell's tables."""
    op.create_table(
        "users",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column("name", sa.String(64), nullable=False, unique=True),
        sa.Column("role", sa.String(16), nullable=False),
        sa.Column("password_hash", sa.String(256), nullable=False),
        sa.Column("created_at", UtcDateTime(), nullable=False),
    )
    op.create_table(
        "booth_sites",
        sa.Column("booth_id", sa.String(16), primary_key=True),
        sa.Column("name", sa.String(200)),
        sa.Column("postcode", sa.String(8)),
        sa.Column("district", sa.String(40)),
        sa.Column("division", sa.String(40)),
        sa.Column("updated_at", UtcDateTime(), nullable=False),
    )
    op.create_table(
        "status_changes",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column("booth_id", sa.String(16), nullable=False),
        sa.Column("state", sa.String(16), nullable=False),
        sa.Column("at", UtcDateTime(), nullable=False),
        sa.Column("received_at", UtcDateTime(), nullable=False),
    )
    op.create_index("ix_status_changes_booth_at", "status_changes", ["booth_id", "at"])
    op.create_table(
        "commands",
        sa.Column("id", sa.String(36), primary_key=True),
        sa.Column("booth_id", sa.String(16), nullable=False),
        sa.Column("name", sa.String(64), nullable=False),
        sa.Column("args", sa.JSON(), nullable=False),
        sa.Column("actor", sa.String(64), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("created_at", UtcDateTime(), nullable=False),
        sa.Column("expires_at", UtcDateTime(), nullable=False),
        sa.Column("done_at", UtcDateTime()),
        sa.Column("ok", sa.Boolean()),
        sa.Column("detail", sa.Text()),
    )
    op.create_index("ix_commands_booth_created", "commands", ["booth_id", "created_at"])
    op.create_index("ix_commands_status_expires", "commands", ["status", "expires_at"])
    op.create_table(
        "alerts",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column("booth_id", sa.String(16), nullable=False),
        sa.Column("kind", sa.String(32), nullable=False),
        sa.Column("detail", sa.Text(), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("opened_at", UtcDateTime(), nullable=False),
        sa.Column("acked_at", UtcDateTime()),
        sa.Column("acked_by", sa.String(64)),
        sa.Column("resolved_at", UtcDateTime()),
    )
    op.create_index("ix_alerts_status", "alerts", ["status"])
    op.create_index("ix_alerts_booth_kind_status", "alerts", ["booth_id", "kind", "status"])
    op.create_table(
        "audit_log",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column("at", UtcDateTime(), nullable=False),
        sa.Column("actor", sa.String(64), nullable=False),
        sa.Column("action", sa.String(64), nullable=False),
        sa.Column("booth_id", sa.String(16)),
        sa.Column("detail", sa.Text(), nullable=False),
    )


def downgrade() -> None:
    """Drop the monitoring cell's tables."""
    for table in ("audit_log", "alerts", "commands", "status_changes", "booth_sites", "users"):
        op.drop_table(table)
