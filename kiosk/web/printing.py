"""Print jobs in the clerk's page: list, reprint, and a PNG preview of exactly what prints."""

from __future__ import annotations

from flask import Blueprint, Response, jsonify, request
from flask.typing import ResponseReturnValue

from kiosk.services import printing
from kiosk.services.errors import ServiceError
from kiosk.web import session as sess

bp = Blueprint("printing", __name__, url_prefix="/api/v1")


@bp.errorhandler(ServiceError)
def _service_error(exc: ServiceError) -> ResponseReturnValue:
    return jsonify({"error": {"code": exc.code, "message": exc.message}}), exc.http_status


@bp.get("/print-jobs")
def list_jobs() -> ResponseReturnValue:
    """The newest print jobs (?status=failed for those waiting for a reprint, ?limit=)."""
    sess.require()
    limit = request.args.get("limit", default=50, type=int) or 50
    jobs = printing.jobs(sess.context(), limit=limit, status=request.args.get("status"))
    return {"jobs": jobs}


@bp.post("/print-jobs/<int(max=9223372036854775807):job_id>/reprint")
def reprint(job_id: int) -> ResponseReturnValue:
    """Print a kept job again; 200 with printed false when the printer still cannot print."""
    sess.require()
    sess.check_csrf(request.headers.get("X-CSRF-Token"))
    result = printing.reprint(sess.context(), job_id)
    return {"job_id": result.job_id, "printed": result.printed, "detail": result.detail}


@bp.get("/print-jobs/<int(max=9223372036854775807):job_id>/preview.png")
def preview(job_id: int) -> ResponseReturnValue:
    """The job rendered as the printer gets it, as PNG."""
    sess.require()
    png = printing.preview(sess.context(), job_id)
    return Response(png, mimetype="image/png", headers={"Cache-Control": "private, max-age=60"})
