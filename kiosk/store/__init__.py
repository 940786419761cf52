"""The kiosk's local SQLite store: one module per table group over one guarded connection."""

from kiosk.store.db import Store

__all__ = ["Store"]
