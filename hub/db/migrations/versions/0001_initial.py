"""Initial schema: booths, events, parcels, anomalies, dead letters, outboxes, serial blocks, API keys.

Revision ID: 0001
Revises:
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from hub.db.types import UtcDateTime

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    """Create every table of the first schema with the indexes its queries use."""
    op.create_table(
        "booths",
        sa.Column("booth_id", sa.String(16), primary_key=True),
        sa.Column("state", sa.String(16), nullable=False, server_default="unknown"),
        sa.Column("status_at", UtcDateTime()),
        sa.Column("last_seen", UtcDateTime()),
        sa.Column("health", sa.JSON()),
        sa.Column("ack_upto", sa.BigInteger(), nullable=False, server_default="0"),
        sa.Column("registered_at", UtcDateTime(), nullable=False),
    )
    op.create_table(
        "events",
        sa.Column("id", sa.String(36), primary_key=True),
        sa.Column("booth", sa.String(16), nullable=False),
        sa.Column("seq", sa.BigInteger(), nullable=False),
        sa.Column("type", sa.String(32), nullable=False),
        sa.Column("at", UtcDateTime(), nullable=False),
        sa.Column("tracking_id", sa.String(13)),
        sa.Column("data", sa.JSON(), nullable=False),
        sa.Column("received_at", UtcDateTime(), nullable=False),
        sa.UniqueConstraint("booth", "seq", name="uq_events_booth_seq"),
    )
    op.create_index("ix_events_tracking_id", "events", ["tracking_id"])
    op.create_table(
        "parcels",
        sa.Column("tracking_id", sa.String(13), primary_key=True),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("origin", sa.String(16)),
        sa.Column("destination", sa.String(16)),
        sa.Column("recipient_name", sa.String(200)),
        sa.Column("recipient_phone", sa.String(16)),
        sa.Column("cod_amount", sa.Numeric(12, 2)),
        sa.Column("fee", sa.Numeric(12, 2)),
        sa.Column("weight_g", sa.Integer()),
        sa.Column("updated_at", UtcDateTime(), nullable=False),
    )
    op.create_index("ix_parcels_destination_status", "parcels", ["destination", "status"])
    op.create_table(
        "anomalies",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column("event_id", sa.String(36), sa.ForeignKey("events.id"), nullable=False),
        sa.Column("tracking_id", sa.String(13), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
    )
    op.create_index("ix_anomalies_tracking_id", "anomalies", ["tracking_id"])
    op.create_table(
        "dead_letters",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column("topic", sa.String(256), nullable=False),
        sa.Column("booth", sa.String(16)),
        sa.Column("seq", sa.BigInteger()),
        sa.Column("payload", sa.LargeBinary(), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("received_at", UtcDateTime(), nullable=False),
    )
    op.create_index("ix_dead_letters_booth_seq", "dead_letters", ["booth", "seq"])
    op.create_table(
        "notifications",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column("cause", sa.String(80), nullable=False, unique=True),
        sa.Column("channel", sa.String(16), nullable=False),
        sa.Column("to", sa.String(32)),
        sa.Column("tracking_id", sa.String(13)),
        sa.Column("booth", sa.String(16)),
        sa.Column("code", sa.String(6)),
        sa.Column("expires_at", UtcDateTime()),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False, server_default="0"),
        sa.Column("next_attempt_at", UtcDateTime(), nullable=False),
        sa.Column("sent_at", UtcDateTime()),
        sa.Column("last_error", sa.Text()),
        sa.Column("provider_id", sa.String(128)),
        sa.Column("created_at", UtcDateTime(), nullable=False),
    )
    op.create_index("ix_notifications_status_next", "notifications", ["status", "next_attempt_at"])
    op.create_table(
        "mqtt_outbox",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column("cause", sa.String(80), nullable=False, unique=True),
        sa.Column("topic", sa.String(256), nullable=False),
        sa.Column("payload", sa.LargeBinary(), nullable=False),
        sa.Column("qos", sa.Integer(), nullable=False),
        sa.Column("retain", sa.Boolean(), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("created_at", UtcDateTime(), nullable=False),
        sa.Column("sent_at", UtcDateTime()),
    )
    op.create_index("ix_mqtt_outbox_status_id", "mqtt_outbox", ["status", "id"])
    op.create_table(
        "serial_blocks",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column("booth_id", sa.String(16), sa.ForeignKey("booths.booth_id"), nullable=False),
        sa.Column("service", sa.String(2), nullable=False),
        sa.Column("start", sa.BigInteger(), nullable=False),
        sa.Column("end", sa.BigInteger(), nullable=False),
        sa.Column("allocated_at", UtcDateTime(), nullable=False),
        sa.UniqueConstraint("service", "start", name="uq_serial_blocks_service_start"),
    )
    op.create_index("ix_serial_blocks_booth", "serial_blocks", ["booth_id"])
    op.create_table(
        "api_keys",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column("name", sa.String(100), nullable=False),
        sa.Column("role", sa.String(16), nullable=False),
        sa.Column("key_sha256", sa.String(64), nullable=False, unique=True),
        sa.Column("created_at", UtcDateTime(), nullable=False),
    )


def downgrade() -> None:
    """Drop every table of the first schema."""
    for name in (
        "api_keys",
        "serial_blocks",
        "mqtt_outbox",
        "notifications",
        "dead_letters",
        "anomalies",
        "parcels",
        "events",
        "booths",
    ):
        op.drop_table(name)
