"""Errors as JSON {"error": {"code", "message"}} for the API, small pages elsewhere."""

from __future__ import annotations

from typing import Any

from flask import Flask, Response, jsonify, render_template, request
from flask_babel import LazyString
from flask_babel import lazy_gettext as _l
from werkzeug.exceptions import HTTPException

# What a person reads on an error page when the view gave no message of its own.
PAGE_MESSAGES: dict[int, LazyString] = {
    400: _l("The request was not understood."),
    401: _l("Please log in."),
    403: _l("You are not allowed to do this."),
    404: _l("This page does not exist."),
    405: _l("This page cannot be used this way."),
    409: _l("This cannot be done now."),
    429: _l("Too many requests: try again in a moment."),
    500: _l("Something went wrong on our side. Please try again later."),
    503: _l("This service is not available right now."),
}


def page_message(exc: HTTPException) -> str:
    """The text of an error page: the view's own message, else a translated one for the status."""
    status = exc.code or 500
    own = exc.description if exc.description != type(exc).description else None
    fallback = PAGE_MESSAGES.get(status) or PAGE_MESSAGES[500 if status >= 500 else 400]
    return str(own or fallback)


class ApiError(HTTPException):
    """An API error with a machine code and a human message."""

    def __init__(
        self,
        status: int,
        code: str,
        message: str,
        items: list[dict[str, Any]] | None = None,
        headers: dict[str, str] | None = None,
    ) -> None:
        super().__init__(description=message)
        self.code = status
        self.error_code = code
        self.items = items
        self.extra_headers = dict(headers or {})
        if status == 401:  # RFC 9110: a 401 says how to authenticate
            self.extra_headers.setdefault("WWW-Authenticate", 'Bearer realm="dakbooth"')

    def get_headers(self, environ: Any = None, scope: Any = None) -> list[tuple[str, str]]:
        """The error's headers, with those the raiser added."""
        return [*super().get_headers(environ, scope), *self.extra_headers.items()]


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


def kept_headers(exc: HTTPException) -> dict[str, str]:
    """The headers of an error worth keeping in our own answer: a 405's Allow (RFC 9110), a 401's
    WWW-Authenticate, a 429's or 503's Retry-After."""
    keep = {"allow", "www-authenticate", "retry-after"}
    return {name: value for name, value in exc.get_headers() if name.lower() in keep}


def init_app(app: Flask) -> None:
    """Register the error handlers."""

    @app.errorhandler(HTTPException)
    def _http(exc: HTTPException) -> Response:
        status = exc.code or 500
        code = getattr(exc, "error_code", None) or (exc.name or "error").lower().replace(" ", "_")
        if request.path.startswith("/api/") or request.path == "/healthz":
            resp = error_response(status, code, exc.description or exc.name, getattr(exc, "items", None))
        else:
            resp = Response(render_template("error.html", status=status, message=page_message(exc)), status)
        resp.headers.update(kept_headers(exc))
        return resp

    @app.errorhandler(Exception)
    def _unexpected(exc: Exception) -> Response | tuple[str, int]:
        app.logger.exception("unhandled error on %s", request.path)
        if request.path.startswith("/api/") or request.path == "/healthz":
            return error_response(500, "internal_error", "internal error")
        return render_template("error.html", status=500, message=str(PAGE_MESSAGES[500])), 500
