"""Notifications: kinds and languages, e-mail addresses, delivery reports and the reminder schedule.

Revision ID: 0004
Revises: 0001
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from hub.db.types import UtcDateTime

revision = "0004"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    """Add the notification columns and tables, and the indexes the sender and the round use."""
    with op.batch_alter_table("notifications") as batch:
        # E-mail addresses go in `to` as well as phone numbers.
        batch.alter_column("to", existing_type=sa.String(32), type_=sa.String(254))
        batch.add_column(sa.Column("kind", sa.String(16)))
        batch.add_column(sa.Column("language", sa.String(2)))
        batch.add_column(sa.Column("delivery_status", sa.String(16)))
        batch.add_column(sa.Column("delivered_at", UtcDateTime()))
    op.create_index("ix_notifications_tracking_id", "notifications", ["tracking_id"])
    notifications = sa.table("notifications", sa.column("cause", sa.String), sa.column("kind", sa.String))
    op.execute(notifications.update().where(notifications.c.cause.like("ready:%")).values(kind="ready"))
    op.execute(notifications.update().where(notifications.c.cause.like("alert:%")).values(kind="alert"))
    op.create_table(
        "notify_contacts",
        sa.Column("tracking_id", sa.String(13), primary_key=True),
        sa.Column("language", sa.String(2), nullable=False),
        sa.Column("email", sa.String(254)),
        sa.Column("created_at", UtcDateTime(), nullable=False),
    )
    op.create_table(
        "notify_schedule",
        sa.Column("tracking_id", sa.String(13), primary_key=True),
        sa.Column("booth", sa.String(16), nullable=False),
        sa.Column("ready_at", UtcDateTime(), nullable=False),
        sa.Column("expires_at", UtcDateTime(), nullable=False),
        sa.Column("due_at", UtcDateTime(), nullable=False),
    )
    op.create_index("ix_notify_schedule_due", "notify_schedule", ["due_at"])
    op.create_table(
        "delivery_parts",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column("provider_id", sa.String(128), nullable=False, unique=True),
        sa.Column("notification_id", sa.Integer(), sa.ForeignKey("notifications.id")),
        sa.Column("status", sa.String(16)),
        sa.Column("reported_at", UtcDateTime()),
        sa.Column("received_at", UtcDateTime(), nullable=False),
    )
    op.create_index("ix_delivery_parts_notification", "delivery_parts", ["notification_id"])


def downgrade() -> None:
    """Drop what upgrade added."""
    op.drop_table("delivery_parts")
    op.drop_table("notify_schedule")
    op.drop_table("notify_contacts")
    op.drop_index("ix_notifications_tracking_id", "notifications")
    with op.batch_alter_table("notifications") as batch:
        for name in ("delivered_at", "delivery_status", "language", "kind"):
            batch.drop_column(name)
        batch.alter_column("to", existing_type=sa.String(254), type_=sa.String(32))
