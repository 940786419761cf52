"""Messages from the hub applied to the store: manifests and booth config."""

from __future__ import annotations

import logging

from kiosk.services.context import Context
from kiosk.store import booth_config, manifests, parcels
from parcel.messages import BoothConfig, Manifest
from parcel.money import format_taka

log = logging.getLogger(__name__)


def apply_manifest(ctx: Context, manifest: Manifest) -> bool:
    """Store a manifest; complete an unannounced parcel received here. True when one was completed."""
    now = ctx.now().isoformat()
    completed = False
    with ctx.store.transaction() as tx:
        manifests.put(tx, manifest, now)
        row = parcels.get(tx, manifest.tracking_id)
        if (
            row is not None
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


def apply_config(ctx: Context, config: BoothConfig) -> None:
    """Store the hub's config (serial blocks, tariff)."""
    with ctx.store.transaction() as tx:
        booth_config.put(tx, config, ctx.now().isoformat())
    log.info("config from the hub: %d serial blocks", len(config.serial_blocks))
