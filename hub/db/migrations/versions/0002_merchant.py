"""Merchant API, webhooks and COD (pre-advices, merchant serial blocks, webhook outbox, ledger,
remittances) and the per-booth seq gap table.

Revision ID: 0002
Revises: 0001
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from hub.db.types import UtcDateTime

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None

SERVICE = "CP"
FIRST_SERIAL = 10_000_000


def upgrade() -> None:
    """Create the merchant tables and the serial allocation counter, seeded from booth blocks."""
    counter = op.create_table(
        "serial_allocation",
        sa.Column("service", sa.String(2), primary_key=True),
        sa.Column("top", sa.BigInteger(), nullable=False),
    )
    top = (
        op.get_bind()
        .execute(sa.text('SELECT max("end") FROM serial_blocks WHERE service = :s'), {"s": SERVICE})
        .scalar()
    )
    op.bulk_insert(counter, [{"service": SERVICE, "top": max(int(top or 0), FIRST_SERIAL)}])
    op.create_table(
        "merchant_blocks",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column("merchant", sa.String(100), nullable=False),
        sa.Column("service", sa.String(2), nullable=False),
        sa.Column("start", sa.BigInteger(), nullable=False),
        sa.Column("end", sa.BigInteger(), nullable=False),
        sa.Column("next", sa.BigInteger(), nullable=False),
        sa.Column("allocated_at", UtcDateTime(), nullable=False),
        sa.UniqueConstraint("service", "start", name="uq_merchant_blocks_service_start"),
    )
    op.create_index("ix_merchant_blocks_merchant", "merchant_blocks", ["merchant", "id"])
    op.create_table(
        "preadvices",
        sa.Column("tracking_id", sa.String(13), primary_key=True),
        sa.Column("merchant", sa.String(100), nullable=False),
        sa.Column("reference", sa.String(100)),
        sa.Column("destination", sa.String(16), nullable=False),
        sa.Column("recipient_name", sa.String(200), nullable=False),
        sa.Column("recipient_phone", sa.String(16), nullable=False),
        sa.Column("cod_amount", sa.Numeric(12, 2), nullable=False),
        sa.Column("weight_g", sa.Integer()),
        sa.Column("created_at", UtcDateTime(), nullable=False),
    )
    op.create_index("ix_preadvices_merchant_created", "preadvices", ["merchant", "created_at", "tracking_id"])
    op.create_index("ix_preadvices_merchant_reference", "preadvices", ["merchant", "reference"])
    op.create_index("ix_preadvices_recipient_phone", "preadvices", ["recipient_phone"])
    op.create_table(
        "webhooks",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column("merchant", sa.String(100), nullable=False),
        sa.Column("url", sa.String(2000), nullable=False),
        sa.Column("secret", sa.String(100), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("created_at", UtcDateTime(), nullable=False),
    )
    op.create_index("ix_webhooks_merchant_active", "webhooks", ["merchant", "active"])
    op.create_table(
        "webhook_outbox",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column("cause", sa.String(120), nullable=False, unique=True),
        sa.Column("webhook_id", sa.Integer(), sa.ForeignKey("webhooks.id"), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False, server_default="0"),
        sa.Column("next_attempt_at", UtcDateTime(), nullable=False),
        sa.Column("sent_at", UtcDateTime()),
        sa.Column("last_error", sa.Text()),
        sa.Column("created_at", UtcDateTime(), nullable=False),
    )
    op.create_index("ix_webhook_outbox_status_next", "webhook_outbox", ["status", "next_attempt_at"])
    op.create_index("ix_webhook_outbox_webhook", "webhook_outbox", ["webhook_id", "id"])
    op.create_table(
        "remittances",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("total", sa.Numeric(14, 2), nullable=False),
        sa.Column("items", sa.Integer(), nullable=False),
        sa.Column("created_at", UtcDateTime(), nullable=False),
        sa.Column("remitted_at", UtcDateTime()),
        sa.Column("transfer_ref", sa.String(100)),
    )
    op.create_index("ix_remittances_status", "remittances", ["status", "id"])
    op.create_table(
        "cod_ledger",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column("tracking_id", sa.String(13), nullable=False, unique=True),
        sa.Column("merchant", sa.String(100), nullable=False),
        sa.Column("event_id", sa.String(36), nullable=False),
        sa.Column("booth", sa.String(16), nullable=False),
        sa.Column("amount", sa.Numeric(12, 2), nullable=False),
        sa.Column("delivered_at", UtcDateTime(), nullable=False),
        sa.Column("business_date", sa.String(10), nullable=False),
        sa.Column("remittance_id", sa.Integer(), sa.ForeignKey("remittances.id")),
    )
    op.create_index("ix_cod_ledger_merchant_id", "cod_ledger", ["merchant", "id"])
    op.create_index("ix_cod_ledger_remittance", "cod_ledger", ["remittance_id", "merchant"])
    op.create_index("ix_cod_ledger_date_booth", "cod_ledger", ["business_date", "booth"])
    op.create_table(
        "payout_accounts",
        sa.Column("merchant", sa.String(100), primary_key=True),
        sa.Column("account_name", sa.String(200), nullable=False),
        sa.Column("account_number", sa.String(40), nullable=False),
        sa.Column("updated_at", UtcDateTime(), nullable=False),
    )
    op.create_index("ix_events_type_at", "events", ["type", "at"])
    op.create_index("ix_parcels_recipient_phone", "parcels", ["recipient_phone"])
    op.create_table(
        "seq_gaps",
        sa.Column("booth_id", sa.String(16), primary_key=True),
        sa.Column("ack_upto", sa.BigInteger(), nullable=False),
        sa.Column("max_seq", sa.BigInteger(), nullable=False),
        sa.Column("missing", sa.BigInteger(), nullable=False),
        sa.Column("since", UtcDateTime(), nullable=False),
        sa.Column("updated_at", UtcDateTime(), nullable=False),
    )


def downgrade() -> None:
    """Drop what upgrade created."""
    op.drop_index("ix_events_type_at", "events")
    op.drop_index("ix_parcels_recipient_phone", "parcels")
    for table in (
        "seq_gaps",
        "payout_accounts",
        "cod_ledger",
        "remittances",
        "webhook_outbox",
        "webhooks",
        "preadvices",
        "merchant_blocks",
        "serial_allocation",
    ):
        op.drop_table(table)
