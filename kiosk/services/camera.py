"""Photos at the counter through the photo service when it is installed; none otherwise."""

from __future__ import annotations

import importlib
import logging

from kiosk.services.context import Context

log = logging.getLogger(__name__)


def photo(ctx: Context, kind: str, tracking_id: str) -> str | None:
    """Take a photo (parcel or proof of delivery) and return its SHA-256, or None if none was taken."""
    try:
        photos = importlib.import_module("kiosk.services.photos")
    except ImportError:
        return None
    try:
        result = photos.take_photo(ctx, kind, tracking_id)
    except Exception as exc:  # a failed photo never blocks the counter; it is logged and left empty
        log.warning("no %s photo of %s: %s", kind, tracking_id, exc)
        return None
    digest = result if isinstance(result, str) else getattr(result, "sha256", None)
    return digest if isinstance(digest, str) and len(digest) == 64 else None
