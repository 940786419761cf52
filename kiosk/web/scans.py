"""Scans pushed to the clerk's page as server-sent events: GET /api/v1/scans/stream."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator

from flask import Blueprint, Response, current_app, jsonify
from flask.typing import ResponseReturnValue

from kiosk.services import scanning
from kiosk.services.errors import ServiceError
from kiosk.web import session as sess

bp = Blueprint("scans", __name__, url_prefix="/api/v1")

# A comment line every second: a page the clerk has left is noticed (the write fails) within a
# second, so its server thread is free again; navigating fast can't use up the thread pool.
KEEPALIVE_S = 1.0
STREAM_MAX_S = 60.0  # then the stream ends and EventSource reconnects (frees the server thread)
RETRY_MS = 2000


@bp.errorhandler(ServiceError)
def _service_error(exc: ServiceError) -> ResponseReturnValue:
    return jsonify({"error": {"code": exc.code, "message": exc.message}}), exc.http_status


def _event(name: str, data: object) -> str:
    return f"event: {name}\ndata: {json.dumps(data, ensure_ascii=False)}\n\n"


@bp.get("/scans/stream")
def stream() -> ResponseReturnValue:
    """Every scan read by the kiosk's scanner or camera, as `scan` events; wedge settings first."""
    sess.require()
    ctx = sess.context()
    subscription = scanning.subscribe(ctx)
    wedge = scanning.wedge_settings(ctx)
    keepalive = float(current_app.config.get("SCANS_KEEPALIVE_S", KEEPALIVE_S))

    def events() -> Iterator[str]:
        try:
            yield f"retry: {RETRY_MS}\n\n"
            if wedge is not None:
                yield _event("config", wedge)
            deadline = time.monotonic() + STREAM_MAX_S
            while (left := deadline - time.monotonic()) > 0:
                scan = subscription.next(min(keepalive, left))
                yield ": keepalive\n\n" if scan is None else _event("scan", scan)
        finally:
            subscription.close()

    headers = {"Cache-Control": "no-cache", "X-Accel-Buffering": "no"}
    return Response(events(), mimetype="text/event-stream", headers=headers)
