"""S10 serial ranges: one counter per service indicator hands out non-overlapping ranges to booths and merchants.

Ranges come from CP first and then from the other parcel service indicators in `PARCEL_SERVICES`
order, so the national fleet never runs out (26 × 90 million serials).
"""

from __future__ import annotations

from sqlalchemy import Connection, select

from hub.db.schema import serial_allocation
from parcel.s10 import PARCEL_SERVICES

SERVICE = "CP"
FIRST_SERIAL = 10_000_000
LIMIT = 100_000_000


class SerialsExhausted(RuntimeError):
    """Every parcel service indicator's serials are handed out."""


def claim_range(conn: Connection, size: int) -> tuple[str, int]:
    """Reserve `size` consecutive serials; return (service, first). Atomic on both databases (row lock)."""
    for service in PARCEL_SERVICES:
        top = conn.execute(
            serial_allocation.update()
            .where(serial_allocation.c.service == service, serial_allocation.c.top + size <= LIMIT)
            .values(top=serial_allocation.c.top + size)
            .returning(serial_allocation.c.top)
        ).scalar_one_or_none()
        if top is not None:
            return service, int(top) - size
        known = conn.execute(
            select(serial_allocation.c.service).where(serial_allocation.c.service == service)
        )
        if known.first() is None:
            conn.execute(serial_allocation.insert().values(service=service, top=FIRST_SERIAL + size))
            return service, FIRST_SERIAL
    raise SerialsExhausted(f"no parcel service indicator has {size} serials left")
