"""The kiosk JSON API (contract): /api/v1/..."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, jsonify, request
from flask.typing import ResponseReturnValue
from werkzeug.exceptions import HTTPException

from kiosk.services import auth, status
from kiosk.services.dispatch import dispatch
from kiosk.services.errors import ServiceError
from kiosk.services.handover import handover
from kiosk.services.intake import intake
from kiosk.services.receive import receive
from kiosk.services.unlock import unlock_parcel
from kiosk.web import session as sess

bp = Blueprint("api", __name__, url_prefix="/api/v1")


def _error(code: str, message: str, http_status: int) -> ResponseReturnValue:
    return jsonify({"error": {"code": code, "message": message}}), http_status


@bp.errorhandler(ServiceError)
def _service_error(exc: ServiceError) -> ResponseReturnValue:
    return _error(exc.code, exc.message, exc.http_status)


@bp.errorhandler(HTTPException)
def _http_error(exc: HTTPException) -> ResponseReturnValue:
    code = (exc.name or "error").lower().replace(" ", "_")
    return _error(code, exc.description or code, exc.code or 400)


def _body() -> dict[str, Any]:
    data = request.get_json(silent=True)
    if not isinstance(data, dict):
        raise ServiceError("malformed_json", "the request body must be a JSON object")
    return data


def _clerk_for_change() -> str:
    clerk = sess.require()
    sess.check_csrf(request.headers.get("X-CSRF-Token"))
    return clerk.id


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
    tid, result = receive(sess.context(), clerk, body.get("tracking_id"))
    return {"tracking_id": tid, "status": result}


@bp.post("/handover")
def api_handover() -> ResponseReturnValue:
    """Hand a parcel over against its collection code and the COD."""
    clerk = _clerk_for_change()
    body = _body()
    result = handover(
        sess.context(), clerk, body.get("tracking_id"), body.get("code"), body.get("cod_collected")
    )
    return {"status": result}


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
