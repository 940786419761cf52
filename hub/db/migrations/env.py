"""Alembic environment: runs on the connection the hub passes in config.attributes."""

from __future__ import annotations

from alembic import context

from hub.db.schema import metadata

connection = context.config.attributes.get("connection")
if connection is None:
    raise RuntimeError("run migrations through hub.db.engine.migrate()")
context.configure(connection=connection, target_metadata=metadata, render_as_batch=True)
with context.begin_transaction():
    context.run_migrations()
