"""Booth registration, S10 serial block allocation and the retained booth config."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import Connection, func, select

from hub.db.schema import booths, commands, serial_blocks
from hub.db.sql import chunks, member
from hub.ingest.outbox import enqueue, enqueue_many
from hub.serials import claim_range
from parcel import topics
from parcel.control import BoothConfig, SerialBlockMsg
from parcel.tariff import DEFAULT_TARIFF, Tariff

FIRST_SERIAL = 10_000_000
# Small blocks, topped up on demand: 10,000 booths take 20 million serials to start, not 100 million.
BLOCK_SIZE = 2_000
TOP_UP_BELOW = 500
# A booth keeps reporting a low count until its new config arrives; do not allocate again meanwhile.
TOP_UP_QUIET = timedelta(minutes=2)


def ensure_booth(conn: Connection, booth_id: str, now: datetime) -> bool:
    """Register booth_id if unknown (with a first serial block and its config); True when new."""
    return bool(register_booths(conn, {booth_id}, now))


def register_booths(conn: Connection, booth_ids: set[str], now: datetime) -> list[str]:
    """Register every booth in booth_ids the hub does not know yet, each with a first serial block and
    its config, in a few statements however many there are; return the new ones.

    A whole fleet meets the hub at once (its first start, or a new hub): one by one, ten thousand
    registrations held every report behind them for seconds.
    """
    if not booth_ids:
        return []
    known: set[str] = set()
    ordered = sorted(booth_ids)
    for part in chunks(ordered):
        known.update(
            conn.execute(select(booths.c.booth_id).where(member(conn, booths.c.booth_id, part))).scalars()
        )
    new = [b for b in ordered if b not in known]
    if not new:
        return []
    conn.execute(booths.insert(), [{"booth_id": b, "registered_at": now} for b in new])
    blocks = []
    for booth_id in new:
        service, start = claim_range(conn, BLOCK_SIZE)
        blocks.append(
            {
                "booth_id": booth_id,
                "service": service,
                "start": start,
                "end": start + BLOCK_SIZE,
                "allocated_at": now,
            }
        )
    conn.execute(serial_blocks.insert(), blocks)
    block_ids: dict[str, int] = {}
    for part in chunks(new):
        query = select(serial_blocks.c.booth_id, serial_blocks.c.id).where(
            member(conn, serial_blocks.c.booth_id, part)
        )
        block_ids.update({r.booth_id: int(r.id) for r in conn.execute(query)})
    tariffs = _pushed_tariffs(conn, new)
    configs = []
    for block in blocks:
        booth_id = block["booth_id"]
        block_id = block_ids[booth_id]
        config = BoothConfig(
            serial_blocks=[SerialBlockMsg(service=block["service"], start=block["start"], end=block["end"])],
            tariff=tariffs.get(booth_id) or DEFAULT_TARIFF,
        )
        topic = topics.booth_topic(booth_id, topics.CONFIG)
        configs.append((f"config:{booth_id}:{block_id}", topic, config.model_dump_json().encode()))
    enqueue_many(conn, configs, now, qos=1, retain=True)
    return new


def _pushed_tariffs(conn: Connection, booth_ids: list[str]) -> dict[str, Tariff]:
    """The newest pushed tariff of each booth that has one (a push may precede a booth's first contact)."""
    found: dict[str, Tariff] = {}
    for part in chunks(booth_ids):
        rows = conn.execute(
            select(commands.c.booth_id, commands.c.args)
            .where(member(conn, commands.c.booth_id, part), commands.c.name == "push_config")
            .order_by(commands.c.created_at.desc())
        )
        for booth_id, args in rows:
            if booth_id not in found and isinstance(args, dict) and "tariff" in args:
                found[booth_id] = Tariff.model_validate(args["tariff"])
    return found


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
    return _pushed_tariffs(conn, [booth_id]).get(booth_id)


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
