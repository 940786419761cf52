"""The public tracking page (Bengali by default, English on the switch)."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, redirect, render_template, request, url_for
from flask_babel import gettext as _

from hub.tracking import track
from hub.web import context
from hub.web.errors import ApiError
from parcel.s10 import InvalidTrackingNumber, normalise

bp = Blueprint("pages", __name__)


@bp.get("/track")
def track_form() -> Any:
    """The tracking form; a submitted number redirects to its page."""
    raw = request.args.get("tracking_id", "").strip()
    if raw:
        return redirect(url_for("pages.track_page", tracking_id=normalise(raw)[:40]))
    return render_template("track.html", view=None, error=None)


@bp.get("/track/<tracking_id>")
def track_page(tracking_id: str) -> Any:
    """Status and timeline of one parcel."""
    ctx = context()
    if not ctx.track_limit.allow(request.remote_addr or "?"):
        raise ApiError(429, "rate_limited", _("Too many requests: try again in a moment."))
    try:
        with ctx.reads.connect() as conn:
            view = track(conn, tracking_id)
    except InvalidTrackingNumber:
        return render_template("track.html", view=None, error="invalid"), 400
    if view is None:
        return render_template("track.html", view=None, error="unknown"), 404
    return render_template("track.html", view=view, error=None)
