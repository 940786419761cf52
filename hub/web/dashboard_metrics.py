"""GET /metrics for Prometheus: a monitor or admin API key (bearer), or a logged-in cell user."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, Response, abort, request
from prometheus_client import CONTENT_TYPE_LATEST
from sqlalchemy import select

from hub.apikeys import key_hash
from hub.db.schema import api_keys
from hub.metrics import render
from hub.web.dashboard_auth import current_user, reader

bp = Blueprint("cell_metrics", __name__)


def _key_role(key: str) -> str | None:
    with reader().connect() as conn:
        return conn.execute(select(api_keys.c.role).where(api_keys.c.key_sha256 == key_hash(key))).scalar()


@bp.get("/metrics")
def metrics() -> Any:
    """The hub's metrics in the Prometheus text format."""
    scheme, _, key = request.headers.get("Authorization", "").partition(" ")
    allowed = current_user() is not None
    if not allowed and scheme.lower() == "bearer" and key.strip():
        allowed = _key_role(key.strip()) in ("monitor", "admin")
    if not allowed:
        abort(401)
    return Response(render(reader()), mimetype=CONTENT_TYPE_LATEST)
