"""Errors as JSON {"error": {"code", "message"}} for the API, small pages elsewhere."""

from __future__ import annotations

from typing import Any

from flask import Flask, Response, jsonify, render_template, request
from werkzeug.exceptions import HTTPException


class ApiError(HTTPException):
    """An API error with a machine code and a human message."""

    def __init__(
        self, status: int, code: str, message: str, items: list[dict[str, Any]] | None = None
    ) -> None:
        super().__init__(description=message)
        self.code = status
        self.error_code = code
        self.items = items


def error_response(
    status: int, code: str, message: str, items: list[dict[str, Any]] | None = None
) -> Response:
    """The JSON error body with its status (and, for a batch, which items were refused and why)."""
    body: dict[str, Any] = {"code": code, "message": message}
    if items is not None:
        body["items"] = items
    resp = jsonify({"error": body})
    resp.status_code = status
    return resp


def init_app(app: Flask) -> None:
    """Register the error handlers."""

    @app.errorhandler(HTTPException)
    def _http(exc: HTTPException) -> Response | tuple[str, int]:
        status = exc.code or 500
        code = getattr(exc, "error_code", None) or (exc.name or "error").lower().replace(" ", "_")
        if request.path.startswith("/api/") or request.path == "/healthz":
            return error_response(status, code, exc.description or exc.name, getattr(exc, "items", None))
        return render_template("error.html", status=status, message=exc.description or exc.name), status

    @app.errorhandler(Exception)
    def _unexpected(exc: Exception) -> Response | tuple[str, int]:
        app.logger.exception("unhandled error on %s", request.path)
        if request.path.startswith("/api/") or request.path == "/healthz":
            return error_response(500, "internal_error", "internal error")
        return render_template("error.html", status=500, message="internal error"), 500
