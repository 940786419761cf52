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
    Column("to", String(32)),
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
    Index("ix_notifications_status_next", "status", "next_attempt_at"),
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
