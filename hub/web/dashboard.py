"""The monitoring cell's pages: fleet grid and map, live stream (SSE), booth history, alerts."""

from __future__ import annotations

import base64
import gzip
import json
import time
from collections.abc import Iterator
from typing import Any

from flask import Blueprint, Response, abort, jsonify, render_template, request
from flask_babel import gettext as _

from hub import commands as commands_svc
from hub.alerts import store as alert_store
from hub.clock import utcnow
from hub.commands import COMMANDS
from hub.monitoring import history
from hub.monitoring.geo import DIVISIONS
from hub.web import context
from hub.web.dashboard_auth import login_required, reader
from parcel import topics

bp = Blueprint("cell", __name__, url_prefix="/dashboard")

STREAM_WAIT_S = 2.0  # also how soon a closed browser tab frees its server thread
STREAM_LIFETIME_S = 300.0  # EventSource reconnects by itself; this bounds a stuck connection


def _fleet() -> Any:
    fleet = context().fleet
    if fleet is None:
        abort(503, _("The fleet view is not running in this process."))
    return fleet


@bp.get("/")
@login_required()
def fleet() -> Any:
    """The fleet page: a small shell; the rows come from fleet.json and then the stream."""
    return render_template("dashboard/fleet.html", divisions=DIVISIONS)


@bp.get("/fleet.json")
@login_required()
def fleet_json() -> Any:
    """Every booth's row and the version the stream continues from."""
    body = _fleet().snapshot_gzip()
    headers = {"Cache-Control": "no-store", "X-Server-Time": f"{time.time():.3f}", "Vary": "Accept-Encoding"}
    if "gzip" in request.headers.get("Accept-Encoding", ""):
        headers["Content-Encoding"] = "gzip"
    else:
        body = gzip.decompress(body)
    return Response(body, mimetype="application/json", headers=headers)


@bp.get("/stream")
@login_required()
def stream() -> Any:
    """Server-sent events: `delta` with changed rows, `reset` when the client must reload."""
    fleet = _fleet()
    try:
        since = int(request.headers.get("Last-Event-ID") or request.args.get("since", "0"))
    except ValueError:
        since = 0

    def events() -> Iterator[str]:
        version = since
        yield "retry: 2000\n\n"
        deadline = time.monotonic() + STREAM_LIFETIME_S
        while time.monotonic() < deadline and not fleet.stopping.is_set():
            latest, rows = fleet.changes_since(version, STREAM_WAIT_S)
            if rows is None:
                yield f"id: {latest}\nevent: reset\ndata: {{}}\n\n"
                return
            if not rows:
                yield ": keep-alive\n\n"
                continue
            version = latest
            data = json.dumps({"version": latest, "now": time.time(), "booths": rows}, separators=(",", ":"))
            yield f"id: {latest}\nevent: delta\ndata: {data}\n\n"

    headers = {"Cache-Control": "no-store", "X-Accel-Buffering": "no"}
    return Response(events(), mimetype="text/event-stream", headers=headers)


@bp.get("/booth/<booth_id>")
@login_required()
def booth(booth_id: str) -> Any:
    """One booth: live row, uptime timeline, incidents, recent events, commands."""
    if not topics.is_booth_id(booth_id):
        abort(404)
    fleet = context().fleet
    row = fleet.row(booth_id) if fleet is not None else None
    now = utcnow()
    with reader().connect() as conn:
        view = {
            "uptime": history.uptime(conn, booth_id, now),
            "changes": history.changes(conn, booth_id),
            "incidents": history.incidents(conn, booth_id),
            "events": history.recent_events(conn, booth_id),
            "commands": history.recent_commands(conn, booth_id),
        }
    if row is None and not view["changes"] and not view["events"]:
        abort(404)
    return render_template(
        "dashboard/booth.html", booth_id=booth_id, row=row, view=view, commands=COMMANDS, now=time.time()
    )


@bp.get("/booth/<booth_id>.json")
@login_required()
def booth_json(booth_id: str) -> Any:
    """One booth's live row as JSON."""
    row = _fleet().row(booth_id)
    if row is None:
        abort(404)
    return jsonify(row)


@bp.get("/command/<command_id>/photo.jpg")
@login_required()
def command_photo(command_id: str) -> Any:
    """The JPEG a fetch_photo command brought back."""
    with reader().connect() as conn:
        command = commands_svc.get(conn, command_id[:64])
    if command is None or command["name"] != "fetch_photo" or not command["ok"]:
        abort(404)
    try:
        data = base64.b64decode(json.loads(command["detail"])["jpeg_base64"], validate=True)
    except (ValueError, KeyError, TypeError):
        abort(404)
    return Response(data, mimetype="image/jpeg", headers={"Cache-Control": "private, max-age=3600"})


@bp.get("/alerts")
@login_required()
def alerts() -> Any:
    """Open and acknowledged alerts, then the latest resolved ones."""
    with reader().connect() as conn:
        active = alert_store.active(conn)
        resolved = alert_store.recently_resolved(conn)
    return render_template("dashboard/alerts.html", active=active, resolved=resolved)
