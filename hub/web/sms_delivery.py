"""Delivery reports from the HTTP SMS gateway: POST /api/v1/sms/delivery with a shared token.

The gateway sends `Authorization: Bearer <[sms] callback_token>` and `{"id": "<the id it gave when it
took the SMS>", "status": "delivered" | "undelivered" | "expired" | "rejected" | "unknown"}` (SMPP
words such as DELIVRD are understood too). Without a configured token the route does not exist.
"""

from __future__ import annotations

import hmac
from typing import Any, Literal

from flask import Blueprint, jsonify, request
from pydantic import Field, ValidationError

from hub.clock import utcnow
from hub.merchant.fields import TEXT_PATTERN
from hub.notify.delivery import REPORT_WORDS, record_report, status_word
from hub.notify.smpp_parts import Receipt
from hub.web import context
from hub.web.errors import ApiError
from parcel.messages import Strict

bp = Blueprint("sms_delivery", __name__)


def _authorised(token: str) -> bool:
    given = request.headers.get("Authorization", "")
    scheme, _, value = given.partition(" ")
    # Compared in constant time, so the answer's timing says nothing about the token.
    return scheme.lower() == "bearer" and hmac.compare_digest(value.strip().encode(), token.encode())


class DeliveryReport(Strict):
    """A delivery report as the HTTP gateway posts it."""

    id: str = Field(
        min_length=1,
        max_length=128,
        pattern=TEXT_PATTERN,
        description="the id the gateway gave when it took the SMS",
    )
    status: Literal[REPORT_WORDS] = Field(  # type: ignore[valid-type]
        description="delivered, undelivered, expired, rejected or unknown, or the SMPP word (DELIVRD, ...)"
    )


def _report() -> Receipt:
    body = request.get_json(silent=True)
    try:
        report = DeliveryReport.model_validate(body)
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(p) for p in first["loc"]) or "body"
        raise ApiError(400, "bad_request", f"{where}: {first['msg']}") from None
    status = status_word(report.status)
    assert status is not None  # every word of REPORT_WORDS has a status
    return Receipt(report.id, status)


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
