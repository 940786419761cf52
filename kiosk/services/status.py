"""Read-only views of the booth's state: devices, uplink, health."""

from __future__ import annotations

import shutil
from typing import Any

from kiosk import __version__
from kiosk.services.context import Context
from kiosk.store import booth_config, outbox
from parcel.control import DeviceHealth, Health, OutboxHealth


def devices(ctx: Context) -> dict[str, DeviceHealth]:
    """Health of every device kind."""
    return ctx.devices.health()


def uplink(ctx: Context) -> dict[str, Any]:
    """Uplink state without personal data."""
    with ctx.store.read() as tx:
        depth, _ = outbox.depth(tx)
        return {
            "connected": ctx.uplink_connected(),
            "outbox_depth": depth,
            "acked_upto": outbox.acked_upto(tx),
            "last_seq": outbox.last_seq(tx),
            "serial_remaining": booth_config.remaining(tx),
            "config_received": booth_config.get(tx) is not None,
        }


def health(ctx: Context) -> Health:
    """The health message published to the hub."""
    with ctx.store.read() as tx:
        depth, oldest = outbox.depth(tx)
        acked = outbox.acked_upto(tx)
        remaining = booth_config.remaining(tx)
    try:
        free = shutil.disk_usage(ctx.store_dir).free if ctx.store_dir else None
    except OSError:
        free = None
    return Health(
        at=ctx.now(),
        version=__version__,
        devices=ctx.devices.health(),
        outbox=OutboxHealth(depth=depth, oldest_age_s=oldest),
        disk_free_bytes=free,
        serial_remaining=remaining,
        acked_upto=acked,
    )
