"""JSON API: public tracking, booths for the monitoring cell, health."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, jsonify, request

from hub.ingest.gaps import gaps
from hub.monitoring import booth_list
from hub.tracking import track
from hub.web import context
from hub.web.auth import require_role
from hub.web.errors import ApiError
from parcel.s10 import InvalidTrackingNumber

bp = Blueprint("api", __name__)


def _read() -> Any:
    """A connection for reading (WebContext.reads)."""
    return context().reads.connect()


@bp.get("/api/v1/track/<tracking_id>")
def track_parcel(tracking_id: str) -> Any:
    """A parcel's status and timeline; no personal data."""
    if not context().track_limit.allow(request.remote_addr or "?"):
        raise ApiError(
            429, "rate_limited", "too many requests; try again shortly", headers={"Retry-After": "1"}
        )
    try:
        with _read() as conn:
            view = track(conn, tracking_id)
    except InvalidTrackingNumber as exc:
        raise ApiError(400, "invalid_tracking_id", str(exc)) from None
    if view is None:
        raise ApiError(404, "not_found", "no parcel with this tracking number")
    return jsonify(view)


@bp.get("/api/v1/booths")
@require_role("monitor", "admin")
def booths() -> Any:
    """Every booth with its online state, last contact, devices and outbox backlog."""
    with _read() as conn:
        return jsonify(booth_list(conn))


@bp.get("/api/v1/booths/gaps")
@require_role("monitor", "admin")
def booth_gaps() -> Any:
    """Booths with events missing between their cumulative ack and the highest seq the hub has seen."""
    with _read() as conn:
        return jsonify(gaps(conn))


@bp.get("/healthz")
def healthz() -> Any:
    """Liveness with the broker connection state."""
    return jsonify({"ok": True, "mqtt": bool(context().mqtt_connected())})
