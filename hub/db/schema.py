"""Tables of the hub database (SQLAlchemy Core). Migrations in hub/db/migrations create them."""

from __future__ import annotations

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    Column,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    MetaData,
    Numeric,
    String,
    Table,
    Text,
    UniqueConstraint,
    literal,
    text,
)

from hub.db.types import UtcDateTime

metadata = MetaData()

booths = Table(
    "booths",
    metadata,
    Column("booth_id", String(16), primary_key=True),
    Column("state", String(16), nullable=False, server_default="unknown"),
    Column("status_at", UtcDateTime),
    Column("last_seen", UtcDateTime),
    Column("health", JSON),
    Column("ack_upto", BigInteger, nullable=False, server_default="0"),
    Column("registered_at", UtcDateTime, nullable=False),
)

events = Table(
    "events",
    metadata,
    Column("id", String(36), primary_key=True),
    Column("booth", String(16), nullable=False),
    Column("seq", BigInteger, nullable=False),
    Column("type", String(32), nullable=False),
    Column("at", UtcDateTime, nullable=False),
    Column("tracking_id", String(13)),
    Column("data", JSON, nullable=False),
    Column("received_at", UtcDateTime, nullable=False),
    UniqueConstraint("booth", "seq", name="uq_events_booth_seq"),
    Index("ix_events_tracking_id", "tracking_id"),
)

parcels = Table(
    "parcels",
    metadata,
    Column("tracking_id", String(13), primary_key=True),
    Column("status", String(16), nullable=False),
    Column("origin", String(16)),
    Column("destination", String(16)),
    Column("recipient_name", String(200)),
    Column("recipient_phone", String(16)),
    Column("cod_amount", Numeric(12, 2)),
    Column("fee", Numeric(12, 2)),
    Column("weight_g", Integer),
    Column("updated_at", UtcDateTime, nullable=False),
    Column("accepted_event", String(36)),  # the acceptance the columns above were taken from
    Column("derivation", JSON),  # the checkpoint derivation resumes from (parcel.lifecycle)
    Index("ix_parcels_destination_status", "destination", "status"),
)

anomalies = Table(
    "anomalies",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("event_id", String(36), ForeignKey("events.id"), nullable=False),
    Column("tracking_id", String(13), nullable=False),
    Column("reason", Text, nullable=False),
    Index("ix_anomalies_tracking_id", "tracking_id"),
)

dead_letters = Table(
    "dead_letters",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("topic", String(256), nullable=False),
    Column("booth", String(16)),
    Column("seq", BigInteger),
    Column("payload", LargeBinary, nullable=False),
    Column("reason", Text, nullable=False),
    Column("received_at", UtcDateTime, nullable=False),
    Index("ix_dead_letters_booth_seq", "booth", "seq"),
)

notifications = Table(
    "notifications",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("cause", String(80), nullable=False, unique=True),
    Column("channel", String(16), nullable=False),
    Column("to", String(254)),
    Column("tracking_id", String(13)),
    Column("booth", String(16)),
    Column("code", String(6)),
    Column("expires_at", UtcDateTime),
    Column("status", String(16), nullable=False),
    Column("attempts", Integer, nullable=False, server_default="0"),
    Column("next_attempt_at", UtcDateTime, nullable=False),
    Column("sent_at", UtcDateTime),
    Column("last_error", Text),
    Column("provider_id", String(128)),
    Column("created_at", UtcDateTime, nullable=False),
    # Migration 0004: what the message says, in which language, and what the network reported.
    Column("kind", String(16)),
    Column("language", String(2)),
    Column("delivery_status", String(16)),
    Column("delivered_at", UtcDateTime),
    Index("ix_notifications_status_next", "status", "next_attempt_at"),
    Index("ix_notifications_tracking_id", "tracking_id"),
)

# --- notifications: contacts, reminder schedule, delivery reports (migration 0004) ---------------

# How a pre-advised recipient wants to be told: language and an optional e-mail address.
notify_contacts = Table(
    "notify_contacts",
    metadata,
    Column("tracking_id", String(13), primary_key=True),
    Column("language", String(2), nullable=False),
    Column("email", String(254)),
    Column("created_at", UtcDateTime, nullable=False),
)

# One row per parcel waiting at its booth: when it became ready, when its code expires and when the
# reminder round should next look at it. The round reads only rows that are due (by index).
notify_schedule = Table(
    "notify_schedule",
    metadata,
    Column("tracking_id", String(13), primary_key=True),
    Column("booth", String(16), nullable=False),
    Column("ready_at", UtcDateTime, nullable=False),
    Column("expires_at", UtcDateTime, nullable=False),
    Column("due_at", UtcDateTime, nullable=False),
    Index("ix_notify_schedule_due", "due_at"),
)

# Each SMS part the network took, by the provider's message id; a delivery report may arrive before
# the sender recorded the part (notification_id then stays empty until it does).
delivery_parts = Table(
    "delivery_parts",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("provider_id", String(128), nullable=False, unique=True),
    Column("notification_id", Integer, ForeignKey("notifications.id")),
    Column("status", String(16)),
    Column("reported_at", UtcDateTime),
    Column("received_at", UtcDateTime, nullable=False),
    Index("ix_delivery_parts_notification", "notification_id"),
)

mqtt_outbox = Table(
    "mqtt_outbox",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("cause", String(80), nullable=False, unique=True),
    Column("topic", String(256), nullable=False),
    Column("payload", LargeBinary, nullable=False),
    Column("qos", Integer, nullable=False),
    Column("retain", Boolean, nullable=False),
    Column("status", String(16), nullable=False),
    Column("created_at", UtcDateTime, nullable=False),
    Column("sent_at", UtcDateTime),
    Index("ix_mqtt_outbox_status_id", "status", "id"),
)

serial_blocks = Table(
    "serial_blocks",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("booth_id", String(16), ForeignKey("booths.booth_id"), nullable=False),
    Column("service", String(2), nullable=False),
    Column("start", BigInteger, nullable=False),
    Column("end", BigInteger, nullable=False),
    Column("allocated_at", UtcDateTime, nullable=False),
    UniqueConstraint("service", "start", name="uq_serial_blocks_service_start"),
    Index("ix_serial_blocks_booth", "booth_id"),
)

api_keys = Table(
    "api_keys",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("name", String(100), nullable=False),
    Column("role", String(16), nullable=False),
    Column("key_sha256", String(64), nullable=False, unique=True),
    Column("created_at", UtcDateTime, nullable=False),
)

# --- merchant API, webhooks and COD (migration 0002) ---

serial_allocation = Table(
    "serial_allocation",
    metadata,
    Column("service", String(2), primary_key=True),
    Column("top", BigInteger, nullable=False),
)

merchant_blocks = Table(
    "merchant_blocks",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("merchant", String(100), nullable=False),
    Column("service", String(2), nullable=False),
    Column("start", BigInteger, nullable=False),
    Column("end", BigInteger, nullable=False),
    Column("next", BigInteger, nullable=False),
    Column("allocated_at", UtcDateTime, nullable=False),
    UniqueConstraint("service", "start", name="uq_merchant_blocks_service_start"),
    Index("ix_merchant_blocks_merchant", "merchant", "id"),
)

preadvices = Table(
    "preadvices",
    metadata,
    Column("tracking_id", String(13), primary_key=True),
    Column("merchant", String(100), nullable=False),
    Column("reference", String(100)),
    Column("destination", String(16), nullable=False),
    Column("recipient_name", String(200), nullable=False),
    Column("recipient_phone", String(16), nullable=False),
    Column("cod_amount", Numeric(12, 2), nullable=False),
    Column("weight_g", Integer),
    Column("created_at", UtcDateTime, nullable=False),
    Column("origin", String(16)),  # where the merchant hands it in, when the pre-advice says (0005)
    Index("ix_preadvices_merchant_created", "merchant", "created_at", "tracking_id"),
    Index("ix_preadvices_merchant_reference", "merchant", "reference"),
    Index("ix_preadvices_recipient_phone", "recipient_phone"),
)

webhooks = Table(
    "webhooks",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("merchant", String(100), nullable=False),
    Column("url", String(2000), nullable=False),
    Column("secret", String(100), nullable=False),
    Column("active", Boolean, nullable=False),
    Column("created_at", UtcDateTime, nullable=False),
    Index("ix_webhooks_merchant_active", "merchant", "active"),
)

webhook_outbox = Table(
    "webhook_outbox",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("cause", String(120), nullable=False, unique=True),
    Column("webhook_id", Integer, ForeignKey("webhooks.id"), nullable=False),
    Column("body", Text, nullable=False),
    Column("status", String(16), nullable=False),
    Column("attempts", Integer, nullable=False, server_default="0"),
    Column("next_attempt_at", UtcDateTime, nullable=False),
    Column("sent_at", UtcDateTime),
    Column("last_error", Text),
    Column("created_at", UtcDateTime, nullable=False),
    Index("ix_webhook_outbox_status_next", "status", "next_attempt_at"),
    Index("ix_webhook_outbox_webhook", "webhook_id", "id"),
)

remittances = Table(
    "remittances",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("status", String(16), nullable=False),
    Column("total", Numeric(14, 2), nullable=False),
    Column("items", Integer, nullable=False),
    Column("created_at", UtcDateTime, nullable=False),
    Column("remitted_at", UtcDateTime),
    Column("transfer_ref", String(100)),
    Index("ix_remittances_status", "status", "id"),
)

cod_ledger = Table(
    "cod_ledger",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("tracking_id", String(13), nullable=False, unique=True),
    Column("merchant", String(100), nullable=False),
    Column("event_id", String(36), nullable=False),
    Column("booth", String(16), nullable=False),
    Column("amount", Numeric(12, 2), nullable=False),
    Column("delivered_at", UtcDateTime, nullable=False),
    Column("business_date", String(10), nullable=False),
    Column("remittance_id", Integer, ForeignKey("remittances.id")),
    Index("ix_cod_ledger_merchant_id", "merchant", "id"),
    Index("ix_cod_ledger_remittance", "remittance_id", "merchant"),
    Index("ix_cod_ledger_date_booth", "business_date", "booth"),
)

payout_accounts = Table(
    "payout_accounts",
    metadata,
    Column("merchant", String(100), primary_key=True),
    Column("account_name", String(200), nullable=False),
    Column("account_number", String(40), nullable=False),
    Column("updated_at", UtcDateTime, nullable=False),
)

# Reconciliation reads the cash-ups of a few days, the fleet view each booth's last one. No other type
# is read by time, so these indexes hold only cash-ups: one entry a booth a day, none for the parcel
# events that make up ingest. A query must name the type as a literal (CASH_CLOSED) to use them.
_CASH_UP = "cash.closed"
CASH_CLOSED = events.c.type == literal(_CASH_UP, literal_execute=True)
_ONLY_CASH_UPS = text(f"type = '{_CASH_UP}'")
_WHERE_CASH_UP = {"sqlite_where": _ONLY_CASH_UPS, "postgresql_where": _ONLY_CASH_UPS}
Index("ix_events_cash_closed_at", events.c.at, **_WHERE_CASH_UP)
Index("ix_events_cash_closed_booth", events.c.booth, events.c.at, **_WHERE_CASH_UP)

# --- the monitoring cell -------------------------------------------------------------------------

users = Table(
    "users",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("name", String(64), nullable=False, unique=True),
    Column("role", String(16), nullable=False),
    Column("password_hash", String(256), nullable=False),
    Column("created_at", UtcDateTime, nullable=False),
)

booth_sites = Table(
    "booth_sites",
    metadata,
    Column("booth_id", String(16), primary_key=True),
    Column("name", String(200)),
    Column("postcode", String(8)),
    Column("district", String(40)),
    Column("division", String(40)),
    Column("updated_at", UtcDateTime, nullable=False),
)

status_changes = Table(
    "status_changes",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("booth_id", String(16), nullable=False),
    Column("state", String(16), nullable=False),
    Column("at", UtcDateTime, nullable=False),
    Column("received_at", UtcDateTime, nullable=False),
    Index("ix_status_changes_booth_at", "booth_id", "at"),
)

commands = Table(
    "commands",
    metadata,
    Column("id", String(36), primary_key=True),
    Column("booth_id", String(16), nullable=False),
    Column("name", String(64), nullable=False),
    Column("args", JSON, nullable=False),
    Column("actor", String(64), nullable=False),
    Column("status", String(16), nullable=False),
    Column("created_at", UtcDateTime, nullable=False),
    Column("expires_at", UtcDateTime, nullable=False),
    Column("done_at", UtcDateTime),
    Column("ok", Boolean),
    Column("detail", Text),
    Index("ix_commands_booth_created", "booth_id", "created_at"),
    Index("ix_commands_status_expires", "status", "expires_at"),
)

alerts = Table(
    "alerts",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("booth_id", String(16), nullable=False),
    Column("kind", String(32), nullable=False),
    Column("detail", Text, nullable=False),
    Column("status", String(16), nullable=False),
    Column("opened_at", UtcDateTime, nullable=False),
    Column("acked_at", UtcDateTime),
    Column("acked_by", String(64)),
    Column("resolved_at", UtcDateTime),
    Index("ix_alerts_status", "status"),
    Index("ix_alerts_booth_kind_status", "booth_id", "kind", "status"),
)

audit_log = Table(
    "audit_log",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("at", UtcDateTime, nullable=False),
    Column("actor", String(64), nullable=False),
    Column("action", String(64), nullable=False),
    Column("booth_id", String(16)),
    Column("detail", Text, nullable=False),
)

# Per-booth seq gaps seen at ingest (migration 0002): a row while events between ack_upto and
# max_seq are missing; removed once the booth's ack catches up. Read by the monitoring cell.
seq_gaps = Table(
    "seq_gaps",
    metadata,
    Column("booth_id", String(16), primary_key=True),
    Column("ack_upto", BigInteger, nullable=False),
    Column("max_seq", BigInteger, nullable=False),
    Column("missing", BigInteger, nullable=False),
    Column("since", UtcDateTime, nullable=False),
    Column("updated_at", UtcDateTime, nullable=False),
)

# Customer care finds a customer's parcels by phone (migration 0002).
Index("ix_parcels_recipient_phone", parcels.c.recipient_phone)

# Secrets the hub makes for itself once and every hub process shares (e.g. the staff session key).
hub_secrets = Table(
    "hub_secrets",
    metadata,
    Column("name", String(64), primary_key=True),
    Column("value", Text, nullable=False),
    Column("created_at", UtcDateTime, nullable=False),
)
