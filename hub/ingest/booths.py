"""Booth registration, S10 serial block allocation and the retained booth config."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import Connection, func, select

from hub.db.schema import booths, commands, serial_blocks
from hub.ingest.outbox import enqueue
from hub.serials import claim_range
from parcel import topics
from parcel.messages import BoothConfig, SerialBlockMsg
from parcel.tariff import DEFAULT_TARIFF, Tariff

FIRST_SERIAL = 10_000_000
# Small blocks, topped up on demand: 10,000 booths take 20 million serials to start, not 100 million.
BLOCK_SIZE = 2_000
TOP_UP_BELOW = 500
# A booth keeps reporting a low count until its new config arrives; do not allocate again meanwhile.
TOP_UP_QUIET = timedelta(minutes=2)


def ensure_booth(conn: Connection, booth_id: str, now: datetime) -> bool:
    """Register booth_id if unknown (with a first serial block and its config); True when new."""
    if conn.execute(select(booths.c.booth_id).where(booths.c.booth_id == booth_id)).first():
        return False
    conn.execute(booths.insert().values(booth_id=booth_id, registered_at=now))
    allocate_block(conn, booth_id, now)
    return True


def allocate_block(conn: Connection, booth_id: str, now: datetime) -> int:
    """Give booth_id the next free block of serials and queue its config; return the block id."""
    # One counter for booth and merchant blocks, so that they never overlap.
    service, start = claim_range(conn, BLOCK_SIZE)
    block_id = conn.execute(
        serial_blocks.insert().values(
            booth_id=booth_id, service=service, start=start, end=start + BLOCK_SIZE, allocated_at=now
        )
    ).inserted_primary_key[0]
    send_config(conn, booth_id, now, f"config:{booth_id}:{block_id}")
    return int(block_id)


def booth_config(conn: Connection, booth_id: str) -> BoothConfig:
    """The config a booth should hold: all its serial blocks and the tariff."""
    rows = conn.execute(
        select(serial_blocks.c.service, serial_blocks.c.start, serial_blocks.c.end)
        .where(serial_blocks.c.booth_id == booth_id)
        .order_by(serial_blocks.c.start)
    ).all()
    blocks = [SerialBlockMsg(service=r.service, start=r.start, end=r.end) for r in rows]
    return BoothConfig(serial_blocks=blocks, tariff=pushed_tariff(conn, booth_id) or DEFAULT_TARIFF)


def pushed_tariff(conn: Connection, booth_id: str) -> Tariff | None:
    """The tariff in the newest push_config command for this booth (the command log is the audit)."""
    rows = conn.execute(
        select(commands.c.args)
        .where(commands.c.booth_id == booth_id, commands.c.name == "push_config")
        .order_by(commands.c.created_at.desc())
    )
    for (args,) in rows:
        if isinstance(args, dict) and "tariff" in args:
            return Tariff.model_validate(args["tariff"])
    return None


def send_config(conn: Connection, booth_id: str, now: datetime, cause: str) -> None:
    """Queue the booth's current config as a retained QoS 1 message."""
    payload = booth_config(conn, booth_id).model_dump_json().encode()
    enqueue(conn, cause, topics.booth_topic(booth_id, topics.CONFIG), payload, now, qos=1, retain=True)


def maybe_top_up(conn: Connection, booth_id: str, serial_remaining: int | None, now: datetime) -> bool:
    """Allocate one more block when the booth reports few serials left; True when allocated."""
    if serial_remaining is None or serial_remaining >= TOP_UP_BELOW:
        return False
    last = conn.execute(
        select(func.max(serial_blocks.c.allocated_at)).where(serial_blocks.c.booth_id == booth_id)
    ).scalar()
    if last is not None and now - _aware(last) < TOP_UP_QUIET:
        return False
    allocate_block(conn, booth_id, now)
    return True


def _aware(value: datetime | str) -> datetime:
    # func.max() loses the column type, so the value may come back as stored text.
    return datetime.fromisoformat(value) if isinstance(value, str) else value
