"""Merchant API: pre-advice (single, bulk JSON/CSV), labels, shipment queries, webhooks, COD statement."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, Response, jsonify, request
from pydantic import Field, ValidationError

from hub.clock import utcnow
from hub.merchant import cod, fields, preadvice, shipments, webhooks
from hub.merchant.labels import render_label
from hub.web import context, params
from hub.web.auth import caller, require_role
from hub.web.errors import ApiError
from parcel import s10
from parcel.messages import Strict
from parcel.money import format_taka

bp = Blueprint("merchant_api", __name__, url_prefix="/api/v1/merchant")

MAX_UPLOAD = 2 * 1024 * 1024


class WebhookIn(Strict):
    """A webhook registration."""

    url: str = Field(
        pattern=r"^https?://[^\x00]+$",
        max_length=2000,
        description="https:// (or http://) and a host that resolves to public addresses only; no credentials",
    )


class PayoutIn(Strict):
    """Where the merchant's COD is paid."""

    account_name: fields.Name
    account_number: fields.Account


def _json() -> Any:
    body = request.get_json(silent=True)
    if body is None:
        raise ApiError(400, "invalid_json", "the body must be JSON (Content-Type: application/json)")
    return body


def _model(model: type[Strict]) -> Any:
    try:
        return model.model_validate(_json())
    except ValidationError as exc:
        first = exc.errors()[0]
        raise ApiError(422, "invalid", f"{'.'.join(str(p) for p in first['loc'])}: {first['msg']}") from None


def _tracking_id(raw: str) -> str:
    try:
        return s10.validate(raw)
    except s10.InvalidTrackingNumber as exc:
        raise ApiError(400, "invalid_tracking_id", str(exc)) from None


def _created(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [
        {
            "tracking_id": r["tracking_id"],
            "reference": r["reference"],
            "destination": r["destination"],
            "origin": r["origin"],
            "cod_amount": format_taka(r["cod_amount"]),
            "status": shipments.PRE_ADVISED,
            "label_url": f"/api/v1/merchant/shipments/{r['tracking_id']}/label.png",
        }
        for r in rows
    ]


def _preadvise(raw_items: list[Any]) -> list[dict[str, Any]]:
    try:
        items = preadvice.parse_items(raw_items)
        with context().engine.begin() as conn:
            rows = preadvice.create(conn, caller(), items, utcnow())
    except preadvice.PreAdviceError as exc:
        items = [p.as_dict() for p in exc.problems]
        raise ApiError(422, "invalid_shipments", str(exc), items) from None
    return _created(rows)


@bp.post("/shipments")
@require_role("merchant")
def create_shipment() -> Any:
    """Pre-advise one shipment: returns its S10 tracking number and label URL."""
    body = _json()
    if not isinstance(body, dict):
        raise ApiError(400, "invalid_json", "expected one shipment object")
    return jsonify(_preadvise([body])[0]), 201


@bp.post("/shipments/bulk")
@require_role("merchant")
def create_shipments_bulk() -> Any:
    """Pre-advise many shipments at once, from JSON {"shipments": [...]} or a CSV upload; all or nothing."""
    if (request.content_length or 0) > MAX_UPLOAD:
        raise ApiError(413, "too_large", "upload at most 2 MB per request")
    if request.mimetype == "text/csv":
        try:
            text = request.get_data(as_text=False).decode("utf-8")
        except UnicodeDecodeError:
            raise ApiError(400, "invalid_csv", "the CSV must be UTF-8") from None
        try:
            raw = preadvice.csv_to_items(text)
        except preadvice.PreAdviceError as exc:
            raise ApiError(422, "invalid_shipments", str(exc), [p.as_dict() for p in exc.problems]) from None
    else:
        body = _json()
        if (
            not isinstance(body, dict)
            or set(body) != {"shipments"}
            or not isinstance(body["shipments"], list)
        ):
            raise ApiError(400, "invalid_json", 'expected {"shipments": [...]} and nothing else')
        raw = body["shipments"]
    return jsonify({"shipments": _preadvise(raw)}), 201


@bp.get("/shipments")
@require_role("merchant")
def list_shipments() -> Any:
    """The merchant's shipments with their current status, oldest first, paged."""
    since = params.instant("since")
    limit = params.whole_number("limit", 100, 1, shipments.MAX_PAGE)
    with context().reads.connect() as conn:
        return jsonify(
            shipments.page(
                conn,
                caller(),
                since=since,
                reference=request.args.get("reference"),
                after=request.args.get("after"),
                limit=limit,
            )
        )


@bp.get("/shipments/<s10:tracking_id>")
@require_role("merchant")
def get_shipment(tracking_id: str) -> Any:
    """One shipment with its full timeline."""
    with context().reads.connect() as conn:
        view = shipments.get(conn, caller(), _tracking_id(tracking_id))
    if view is None:
        raise ApiError(404, "not_found", "no shipment of yours with this tracking number")
    return jsonify(view)


@bp.get("/shipments/<s10:tracking_id>/label.png")
@require_role("merchant")
def shipment_label(tracking_id: str) -> Any:
    """The shipment's label as a PNG (Code128 and QR of the tracking number, Bengali text)."""
    with context().reads.connect() as conn:
        view = shipments.get(conn, caller(), _tracking_id(tracking_id))
    if view is None:
        raise ApiError(404, "not_found", "no shipment of yours with this tracking number")
    png = render_label(
        tracking_id=view["tracking_id"],
        recipient_name=view["recipient"]["name"],
        recipient_phone=view["recipient"]["phone"],
        destination=view["destination"],
        cod_amount=view["cod_amount"],
        merchant=caller(),
        reference=view["reference"],
    )
    return Response(png, mimetype="image/png", headers={"Cache-Control": "private, max-age=86400"})


@bp.post("/webhooks")
@require_role("merchant")
def create_webhook() -> Any:
    """Register a URL for signed tracking events; the secret is shown only here."""
    hook = _model(WebhookIn)
    refusal = context().webhook_policy.check_url(hook.url)
    if refusal is not None:
        raise ApiError(422, "invalid_url", f"url: {refusal}")
    try:
        with context().engine.begin() as conn:
            return jsonify(webhooks.register(conn, caller(), hook.url, utcnow())), 201
    except ValueError as exc:
        raise ApiError(409, "limit", str(exc)) from None


@bp.get("/webhooks")
@require_role("merchant")
def list_webhooks() -> Any:
    """The merchant's active webhooks."""
    with context().reads.connect() as conn:
        return jsonify({"webhooks": webhooks.listing(conn, caller())})


@bp.delete("/webhooks/<id:webhook_id>")
@require_role("merchant")
def delete_webhook(webhook_id: int) -> Any:
    """Stop a webhook; its undelivered events are dropped."""
    with context().engine.begin() as conn:
        if not webhooks.deactivate(conn, caller(), webhook_id):
            raise ApiError(404, "not_found", "no such webhook")
    return "", 204


@bp.get("/cod")
@require_role("merchant")
def cod_statement() -> Any:
    """COD collected for the merchant, what was remitted, and what is outstanding."""
    with context().reads.connect() as conn:
        return jsonify(cod.merchant_statement(conn, caller()))


@bp.put("/payout-account")
@require_role("merchant")
def put_payout_account() -> Any:
    """Set the account COD remittances are paid to."""
    body = _model(PayoutIn)
    with context().engine.begin() as conn:
        cod.set_payout_account(conn, caller(), body.account_name, body.account_number, utcnow())
    return jsonify({"account_name": body.account_name, "account_number": body.account_number})
