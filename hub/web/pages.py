"""The public tracking page (Bengali and English)."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, current_app, redirect, render_template, request, url_for

from hub.tracking import track
from hub.web.errors import ApiError
from parcel.s10 import InvalidTrackingNumber, normalise

bp = Blueprint("pages", __name__)

LABELS: dict[str, tuple[str, str]] = {
    "accepted": ("গৃহীত", "Accepted"),
    "dispatched": ("পাঠানো হয়েছে", "Dispatched"),
    "arrived": ("বুথে পৌঁছেছে", "Arrived"),
    "ready": ("সংগ্রহের জন্য প্রস্তুত", "Ready for collection"),
    "delivered": ("হস্তান্তরিত", "Delivered"),
    "returned": ("ফেরত পাঠানো হয়েছে", "Returned"),
    "return_arrived": ("প্রেরকের বুথে ফেরত এসেছে", "Back at the sender's booth"),
    "return_collected": ("প্রেরককে ফেরত দেওয়া হয়েছে", "Returned to the sender"),
    "handover_failed": ("হস্তান্তর হয়নি", "Handover failed"),
}


def label(value: str) -> tuple[str, str]:
    """Bengali and English labels for a status or an event type."""
    key = value.removeprefix("parcel.")
    return LABELS.get(key, (key, key))


@bp.get("/track")
def track_form() -> Any:
    """The tracking form; a submitted number redirects to its page."""
    raw = request.args.get("tracking_id", "").strip()
    if raw:
        return redirect(url_for("pages.track_page", tracking_id=normalise(raw)[:40]))
    return render_template("track.html", view=None, error=None, label=label)


@bp.get("/track/<tracking_id>")
def track_page(tracking_id: str) -> Any:
    """Status and timeline of one parcel."""
    ctx = current_app.extensions["hub"]
    if not ctx.track_limit.allow(request.remote_addr or "?"):
        raise ApiError(429, "rate_limited", "too many requests; try again shortly")
    try:
        with (ctx.reader or ctx.engine).connect() as conn:
            view = track(conn, tracking_id)
    except InvalidTrackingNumber:
        return render_template("track.html", view=None, error="invalid", label=label), 400
    if view is None:
        return render_template("track.html", view=None, error="unknown", label=label), 404
    return render_template("track.html", view=view, error=None, label=label)
