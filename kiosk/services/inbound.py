"""Messages from the hub applied to the store: manifests and booth config."""

from __future__ import annotations

import logging
import sqlite3
from typing import Any

from kiosk.services.context import Context
from kiosk.store import booth_config, manifests, parcels
from parcel.control import BoothConfig, Manifest
from parcel.lifecycle import Status
from parcel.money import format_taka

log = logging.getLogger(__name__)


def apply_manifest(ctx: Context, manifest: Manifest) -> bool:
    """Store a manifest; complete an unannounced parcel received here. True when one was completed.

    A return manifest is kept over an older kind for the same parcel (a late pre-advice never hides
    that the parcel is coming back), and completes a return scanned in here before it came.
    """
    now = ctx.now().isoformat()
    completed = False
    with ctx.store.transaction() as tx:
        stored = manifests.get(tx, manifest.tracking_id)
        if stored is None or stored.purpose != "return" or manifest.purpose == "return":
            manifests.put(tx, manifest, now)
        row = parcels.get(tx, manifest.tracking_id)
        if manifest.purpose == "return":
            completed = _complete_return(tx, ctx, manifest, row, now)
        elif (
            row is not None
            and manifest.purpose is None
            and not row["announced"]
            and manifest.destination == ctx.booth_id
            and row["destination"] == ctx.booth_id
        ):
            parcels.update(
                tx,
                manifest.tracking_id,
                origin=manifest.origin,
                recipient_name=manifest.recipient.name,
                recipient_phone=manifest.recipient.phone,
                cod_amount=format_taka(manifest.cod_amount),
                weight_g=manifest.weight_g,
                announced=1,
                updated_at=now,
            )
            completed = True
    log.info(
        "manifest for %s%s", manifest.tracking_id, " completed an unannounced parcel" if completed else ""
    )
    return completed


def _complete_return(
    tx: sqlite3.Connection, ctx: Context, manifest: Manifest, row: dict[str, Any] | None, now: str
) -> bool:
    """Fill in a return scanned in here before its manifest came; True when one was completed."""
    if row is None or row["announced"] or row["origin"] != ctx.booth_id:
        return False
    if row["status"] not in (Status.RETURN_ARRIVED, Status.RETURN_COLLECTED):
        return False
    parcels.update(
        tx,
        manifest.tracking_id,
        destination=manifest.destination,
        recipient_name=manifest.recipient.name,
        recipient_phone=manifest.recipient.phone,
        cod_amount=format_taka(manifest.cod_amount),
        weight_g=manifest.weight_g,
        merchant=manifest.merchant,
        return_reason=manifest.return_reason,
        announced=1,
        updated_at=now,
    )
    return True


def apply_config(ctx: Context, config: BoothConfig) -> None:
    """Store the hub's config (serial blocks, tariff)."""
    with ctx.store.transaction() as tx:
        booth_config.put(tx, config, ctx.now().isoformat())
    log.info("config from the hub: %d serial blocks", len(config.serial_blocks))
