"""The kiosk JSON API (contract): /api/v1/..."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, jsonify, request
from flask.typing import ResponseReturnValue
from werkzeug.exceptions import HTTPException

from kiosk.services import auth, cashup, directory, return_leg, status
from kiosk.services.dispatch import dispatch
from kiosk.services.errors import ServiceError
from kiosk.services.handover import find, handover, handover_by_document
from kiosk.services.intake import intake, preadvice
from kiosk.services.receive import forward, receive
from kiosk.services.returns import overdue, return_parcel
from kiosk.services.unlock import unlock_parcel
from kiosk.web import errors
from kiosk.web import session as sess
from parcel.messages import has_unstorable_text

bp = Blueprint("api", __name__, url_prefix="/api/v1")


def _error(code: str, message: str, http_status: int) -> ResponseReturnValue:
    return jsonify({"error": {"code": code, "message": message}}), http_status


@bp.errorhandler(ServiceError)
def _service_error(exc: ServiceError) -> ResponseReturnValue:
    return _error(exc.code, exc.message, exc.http_status)  # the message names a wrong field


@bp.errorhandler(HTTPException)
def _http_error(exc: HTTPException) -> ResponseReturnValue:
    body, status = _error(errors.error_code(exc), exc.description or errors.error_code(exc), exc.code or 400)
    return body, status, errors.kept_headers(exc)


def _body() -> dict[str, Any]:
    try:
        data = request.get_json(silent=True)
    except RecursionError:  # nested deeper than the parser goes
        data = None
    if not isinstance(data, dict):
        raise ServiceError("malformed_json", "the request body must be a JSON object")
    if has_unstorable_text(data):
        raise ServiceError("invalid_text", "text must not hold NUL characters or lone surrogates")
    return data


def _clerk_for_change() -> str:
    clerk = sess.require()
    sess.check_csrf(request.headers.get("X-CSRF-Token"))
    return clerk.id


def _approver(body: dict[str, Any]) -> auth.Clerk | None:
    """The supervisor approving this call: the logged-in supervisor, or `approval` {supervisor, pin}."""
    clerk = sess.require()
    if clerk.role == "supervisor":
        return clerk
    approval = body.get("approval")
    if approval is None:
        return None
    if not isinstance(approval, dict):
        raise ServiceError("supervisor_required", "approval is {supervisor, pin}", 403)
    return auth.approve(sess.context(), approval.get("supervisor"), approval.get("pin"))


@bp.post("/session")
def login() -> ResponseReturnValue:
    """Log a clerk in: a session cookie and the CSRF token."""
    body = _body()
    clerk = auth.login(sess.context(), body.get("clerk"), body.get("pin"))  # type: ignore[arg-type]
    token = sess.begin(clerk)
    return {"clerk": clerk.id, "role": clerk.role, "csrf_token": token}


@bp.delete("/session")
def logout() -> ResponseReturnValue:
    """Log out."""
    _clerk_for_change()
    sess.end()
    return {"status": "logged_out"}


@bp.post("/intake")
def api_intake() -> ResponseReturnValue:
    """Take a parcel in."""
    clerk = _clerk_for_change()
    body = _body()
    result = intake(
        sess.context(),
        clerk,
        recipient=body.get("recipient"),
        destination=body.get("destination"),
        cod_amount=body.get("cod_amount"),
        tracking_id=body.get("tracking_id"),
        weight_g=body.get("weight_g"),
        approver=_approver(body) if body.get("weight_g") is not None else None,
        submission=body.get("submission"),
        sender=body.get("sender"),
    )
    return {
        "tracking_id": result.tracking_id,
        "weight_g": result.weight_g,
        "fee": f"{result.fee:f}",
        "printed": result.printed,
    }


@bp.post("/dispatch")
def api_dispatch() -> ResponseReturnValue:
    """Mark a parcel accepted here as dispatched."""
    clerk = _clerk_for_change()
    body = _body()
    tid, result = dispatch(sess.context(), clerk, body.get("tracking_id"))
    return {"tracking_id": tid, "status": result}


@bp.post("/receive")
def api_receive() -> ResponseReturnValue:
    """Receive a parcel at this (destination) booth: it becomes ready and the code goes out by SMS."""
    clerk = _clerk_for_change()
    body = _body()
    tid, result = receive(sess.context(), clerk, body.get("tracking_id"), body.get("shelf"))
    return {"tracking_id": tid, "status": result}


@bp.post("/forward")
def api_forward() -> ResponseReturnValue:
    """Send a misrouted parcel on to its destination booth."""
    clerk = _clerk_for_change()
    tid, target = forward(sess.context(), clerk, _body().get("tracking_id"))
    return {"tracking_id": tid, "status": "dispatched", "destination": target}


@bp.post("/handover")
def api_handover() -> ResponseReturnValue:
    """Hand a parcel over against its collection code and the COD."""
    clerk = _clerk_for_change()
    body = _body()
    result = handover(
        sess.context(), clerk, body.get("tracking_id"), body.get("code"), body.get("cod_collected")
    )
    return {"status": result}


@bp.post("/handover/document")
def api_handover_document() -> ResponseReturnValue:
    """Hand a parcel over on an identity document (supervisor approval)."""
    clerk = _clerk_for_change()
    body = _body()
    result = handover_by_document(
        sess.context(),
        clerk,
        _approver(body),
        body.get("tracking_id"),
        body.get("document_kind"),
        body.get("document_number"),
        body.get("cod_collected"),
    )
    return {"status": result, "verified_by": "id_document"}


@bp.get("/parcels")
def api_find() -> ResponseReturnValue:
    """Parcels for collection here by tracking number or recipient phone (?q=)."""
    sess.require()
    return {"parcels": find(sess.context(), request.args.get("q", ""))}


@bp.get("/preadvice/<tracking_id>")
def api_preadvice(tracking_id: str) -> ResponseReturnValue:
    """The pre-advice of a scanned label, to fill in the intake."""
    sess.require()
    found = preadvice(sess.context(), tracking_id)
    if found is None:
        raise ServiceError("not_found", "no pre-advice for this parcel", 404)
    return found


@bp.get("/destinations")
def api_destinations() -> ResponseReturnValue:
    """Destination booths matching ?q= (postcode, booth id or name)."""
    sess.require()
    found = directory.search(sess.context(), request.args.get("q", ""))
    return {"booths": [{"booth_id": d.booth_id, "name": d.name} for d in found]}


@bp.post("/returns")
def api_return() -> ResponseReturnValue:
    """Return a parcel waiting here to its sender's booth."""
    clerk = _clerk_for_change()
    body = _body()
    origin = return_parcel(
        sess.context(), clerk, body.get("tracking_id"), body.get("reason"), body.get("note")
    )
    return {"tracking_id": body.get("tracking_id"), "status": "returned", "origin": origin or None}


@bp.get("/returns/overdue")
def api_overdue() -> ResponseReturnValue:
    """Parcels uncollected for longer than the configured days."""
    sess.require()
    return {"parcels": overdue(sess.context())}


@bp.post("/returns/arrive")
def api_return_arrive() -> ResponseReturnValue:
    """Scan a returned parcel back in at its sender's booth (this one) and shelve it."""
    clerk = _clerk_for_change()
    body = _body()
    a = return_leg.arrive(sess.context(), clerk, body.get("tracking_id"), body.get("shelf"))
    return {
        "tracking_id": a.tracking_id,
        "status": a.status,
        "unannounced": a.unannounced,
        "shelf": a.shelf,
        "printed": a.printed,
    }


@bp.post("/returns/collect")
def api_return_collect() -> ResponseReturnValue:
    """Hand a returned parcel back to its sender on an identity document (no COD); a collector
    who does not match the recorded sender needs a supervisor's approval."""
    clerk = _clerk_for_change()
    body = _body()
    matches = body.get("matches_sender")
    c = return_leg.collect(
        sess.context(),
        clerk,
        body.get("tracking_id"),
        body.get("collected_by"),
        body.get("name"),
        body.get("document_kind"),
        body.get("document_number"),
        matches_sender=matches,
        approver=_approver(body) if matches is not True else None,
    )
    return {
        "tracking_id": c.tracking_id,
        "status": c.status,
        "printed": c.printed,
        "sender_match": c.sender_match,
    }


@bp.get("/returns/incoming")
def api_returns_incoming() -> ResponseReturnValue:
    """Returns announced to this booth, and returns back here waiting for their sender."""
    sess.require()
    ctx = sess.context()
    return {"incoming": return_leg.incoming(ctx), "waiting": return_leg.waiting(ctx)}


@bp.get("/cash")
def api_cash() -> ResponseReturnValue:
    """Today's (or ?date=) COD expected and whether the day is closed."""
    sess.require()
    d = cashup.day(sess.context(), request.args.get("date"))
    return {
        "business_date": d.business_date,
        "expected": f"{d.expected:f}",
        "parcels": d.parcels,
        "closed": d.closed is not None,
    }


@bp.post("/cash/close")
def api_cash_close() -> ResponseReturnValue:
    """Close the day's cash (a discrepancy needs a reason and a supervisor)."""
    clerk = _clerk_for_change()
    body = _body()
    d = cashup.close_day(
        sess.context(),
        clerk,
        body.get("counted"),
        body.get("reason"),
        _approver(body),
        body.get("business_date"),
    )
    closed = d.closed or {}
    return {
        "business_date": d.business_date,
        "expected": f"{d.expected:f}",
        "counted": closed.get("counted"),
        "parcels": d.parcels,
        "status": "closed",
    }


@bp.post("/unlock")
def api_unlock() -> ResponseReturnValue:
    """Unlock a parcel locked by wrong codes (supervisor)."""
    clerk = sess.require()
    sess.check_csrf(request.headers.get("X-CSRF-Token"))
    tid = unlock_parcel(sess.context(), clerk, _body().get("tracking_id"))
    return {"tracking_id": tid, "status": "unlocked"}


@bp.get("/devices")
def api_devices() -> ResponseReturnValue:
    """State of every device."""
    sess.require()
    return {kind: h.model_dump(mode="json") for kind, h in status.devices(sess.context()).items()}


@bp.get("/uplink")
def api_uplink() -> ResponseReturnValue:
    """Uplink state (no login needed, no personal data)."""
    return status.uplink(sess.context())
