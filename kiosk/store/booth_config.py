"""The last `config` the hub sent (serial blocks, tariff) and the serial cursor."""

from __future__ import annotations

import sqlite3

from kiosk.store.db import get_meta, set_meta
from parcel.control import BoothConfig
from parcel.s10 import SerialBlock


def put(tx: sqlite3.Connection, config: BoothConfig, at: str) -> None:
    """Store the hub's config, replacing the previous one."""
    tx.execute(
        "INSERT OR REPLACE INTO booth_config (id, payload, received_at) VALUES (1, ?, ?)",
        (config.model_dump_json(), at),
    )


def get(tx: sqlite3.Connection) -> BoothConfig | None:
    """The hub's config, or None before the first one arrived."""
    row = tx.execute("SELECT payload FROM booth_config WHERE id = 1").fetchone()
    return BoothConfig.model_validate_json(row[0]) if row else None


def blocks(tx: sqlite3.Connection) -> list[SerialBlock]:
    """The serial blocks this booth may issue from, in order."""
    config = get(tx)
    if config is None:
        return []
    return sorted(
        (SerialBlock(b.service, b.start, b.end) for b in config.serial_blocks),
        key=lambda b: b.ordinal(b.start),
    )


def remaining(tx: sqlite3.Connection) -> int:
    """How many serials are left to issue."""
    cursor = int(get_meta(tx, "next_serial"))  # an ordinal: service rank and serial in one number
    return sum(max(0, b.ordinal(b.end) - max(b.ordinal(b.start), cursor)) for b in blocks(tx))


def take_serial(tx: sqlite3.Connection) -> tuple[SerialBlock, int] | None:
    """Reserve the next serial (the cursor only moves forward), or None when the blocks are used up."""
    cursor = int(get_meta(tx, "next_serial"))  # an ordinal, so blocks of any service indicator line up
    for block in blocks(tx):
        if block.ordinal(block.end) > cursor:
            position = max(cursor, block.ordinal(block.start))
            set_meta(tx, "next_serial", position + 1)
            return block, position - block.ordinal(0)
    return None
