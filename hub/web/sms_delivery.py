"""Delivery reports from the HTTP SMS gateway: POST /api/v1/sms/delivery with a shared token.

The gateway sends `Authorization: Bearer <[sms] callback_token>` and `{"id": "<the id it gave when it
took the SMS>", "status": "delivered" | "undelivered" | "expired" | "rejected" | "unknown"}` (SMPP
words such as DELIVRD are understood too). Without a configured token the route does not exist.
"""

from __future__ import annotations

import hmac
from typing import Any

from flask import Blueprint, jsonify, request

from hub.clock import utcnow
from hub.notify.delivery import record_report, status_word
from hub.notify.smpp_parts import Receipt
from hub.web import context
from hub.web.errors import ApiError

bp = Blueprint("sms_delivery", __name__)


def _authorised(token: str) -> bool:
    given = request.headers.get("Authorization", "")
    scheme, _, value = given.partition(" ")
    # Compared in constant time, so the answer's timing says nothing about the token.
    return scheme.lower() == "bearer" and hmac.compare_digest(value.strip().encode(), token.encode())


def _report() -> Receipt:
    body = request.get_json(silent=True)
    if not isinstance(body, dict):
        raise ApiError(400, "bad_request", 'expected a JSON object {"id", "status"}')
    unknown = sorted(set(body) - {"id", "status"})
    if unknown:
        raise ApiError(400, "bad_request", f"unknown field(s) {', '.join(unknown)}")
    provider_id, word = body.get("id"), body.get("status")
    if not isinstance(provider_id, str) or not 0 < len(provider_id.strip()) <= 128:
        raise ApiError(400, "bad_request", "id must be the gateway's message id (1 to 128 characters)")
    status = status_word(word) if isinstance(word, str) else None
    if status is None:
        raise ApiError(
            400, "bad_request", "status must be delivered, undelivered, expired, rejected or unknown"
        )
    return Receipt(provider_id.strip(), status)


@bp.post("/api/v1/sms/delivery")
def delivery_report() -> Any:
    """Record one delivery report; 401 without the gateway's token, 400 for a bad body."""
    ctx = context()
    token = getattr(ctx, "sms_callback_token", None)
    if not token:
        raise ApiError(404, "not_found", "delivery reports are not enabled on this hub")
    if not _authorised(token):
        raise ApiError(401, "unauthorized", "missing or wrong delivery report token")
    receipt = _report()
    with ctx.engine.begin() as conn:
        matched = record_report(conn, receipt, utcnow())
    return jsonify({"id": receipt.provider_id, "status": receipt.status, "matched": matched})
