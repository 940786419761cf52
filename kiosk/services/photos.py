"""Parcel and proof-of-delivery photos from the counter camera, kept as resized JPEG in the store."""

from __future__ import annotations

import hashlib
import logging

from kiosk.devices.camera.jpeg import encode_jpeg
from kiosk.services.context import Context
from kiosk.services.errors import ServiceError
from kiosk.store import photos

log = logging.getLogger(__name__)

KINDS = ("parcel", "delivery")


def take_photo(ctx: Context, kind: str, tracking_id: str | None) -> str | None:
    """Photograph the counter now; store the resized JPEG and return its sha256 (None without a frame).

    kind is "parcel" (intake) or "delivery" (proof of delivery). A missing or failed camera never
    blocks the counter action: the caller records the event without a photo hash.
    """
    if kind not in KINDS:
        raise ServiceError("invalid_photo_kind", f"photo kind must be one of {', '.join(KINDS)}", 400)
    frame = ctx.devices.snapshot()
    if frame is None:
        log.info("no camera frame for %s photo of %s", kind, tracking_id)
        return None
    data, width, height = encode_jpeg(frame, ctx.devices.photo_max_px)
    digest = hashlib.sha256(data).hexdigest()
    photo = photos.Photo(digest, kind, tracking_id, width, height, ctx.now().isoformat())
    with ctx.store.write() as tx:  # the counter may call this inside its own transaction
        photos.add(tx, photo, data)
    return digest


def photo_jpeg(ctx: Context, sha256: str) -> bytes | None:
    """The stored JPEG of a photo, or None."""
    with ctx.store.read() as tx:
        return photos.jpeg(tx, sha256)
