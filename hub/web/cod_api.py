"""COD administration (admin keys): reconciliation with booth cash-ups, remittance batches and their CSV."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, Response, jsonify, request
from pydantic import Field, ValidationError

from hub.clock import utcnow
from hub.merchant import cod
from hub.merchant.fields import TEXT_PATTERN
from hub.web import context, params
from hub.web.auth import require_role
from hub.web.errors import ApiError
from parcel.messages import Strict

bp = Blueprint("cod_api", __name__, url_prefix="/api/v1/admin")


class RemittedIn(Strict):
    """The transfer service's reference for a paid batch."""

    transfer_ref: str = Field(min_length=1, max_length=100, pattern=TEXT_PATTERN)


@bp.get("/cod/reconciliation")
@require_role("admin")
def reconciliation() -> Any:
    """Per booth for ?date=YYYY-MM-DD: the booth's cash-up (expected, counted) beside the merchant COD ledger."""
    day = params.business_day("date").isoformat()
    with context().reads.connect() as conn:
        return jsonify({"business_date": day, "booths": cod.reconciliation(conn, day)})


@bp.post("/remittances")
@require_role("admin")
def create_remittance() -> Any:
    """Put every unremitted COD line (of merchants with a payout account) into a new batch."""
    with context().engine.begin() as conn:
        made = cod.create_batch(conn, utcnow())
    if made is None:
        raise ApiError(409, "nothing_to_remit", "no unremitted COD with a payout account")
    return jsonify(made), 201


@bp.get("/remittances/<id:batch_id>")
@require_role("admin")
def get_remittance(batch_id: int) -> Any:
    """One remittance batch with its payees."""
    with context().reads.connect() as conn:
        found = cod.batch(conn, batch_id)
    if found is None:
        raise ApiError(404, "not_found", "no such remittance batch")
    return jsonify(found)


@bp.get("/remittances/<id:batch_id>/export.csv")
@require_role("admin")
def export_remittance(batch_id: int) -> Any:
    """The batch as CSV for the electronic money transfer service."""
    try:
        with context().reads.connect() as conn:
            text = cod.export_csv(conn, batch_id)
    except cod.RemittanceError as exc:
        raise ApiError(404, "not_found", str(exc)) from None
    return Response(
        text,
        mimetype="text/csv",
        headers={"Content-Disposition": f'attachment; filename="dak-cod-remittance-{batch_id}.csv"'},
    )


@bp.post("/remittances/<id:batch_id>/remitted")
@require_role("admin")
def mark_remitted(batch_id: int) -> Any:
    """Record that the batch was paid; a batch is marked remitted only once."""
    raw = request.get_json(silent=True)
    if not isinstance(raw, dict):
        raise ApiError(400, "invalid_json", 'the body must be a JSON object {"transfer_ref": ...}')
    try:
        body = RemittedIn.model_validate(raw)
    except ValidationError as exc:
        first = exc.errors()[0]
        raise ApiError(422, "invalid", f"{'.'.join(str(p) for p in first['loc'])}: {first['msg']}") from None
    try:
        with context().engine.begin() as conn:
            return jsonify(cod.mark_remitted(conn, batch_id, body.transfer_ref, utcnow()))
    except cod.NoSuchBatch as exc:
        raise ApiError(404, "not_found", str(exc)) from None
    except cod.RemittanceError as exc:
        raise ApiError(409, "conflict", str(exc)) from None
