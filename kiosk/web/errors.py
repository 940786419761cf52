"""The kiosk's own error answers: JSON under /api/, a page in the clerk's language elsewhere.

Both keep the headers the error carries (a 405's `Allow`, RFC 9110), and neither is the framework's
English default.
"""

from __future__ import annotations

from flask import Flask, Response, jsonify, render_template, request
from flask_babel import LazyString
from flask_babel import lazy_gettext as _l
from werkzeug.exceptions import HTTPException

# What a clerk reads on an error page, by status.
PAGE_MESSAGES: dict[int, LazyString] = {
    400: _l("The request was not understood."),
    403: _l("You are not allowed to do this."),
    404: _l("This page does not exist."),
    405: _l("This page cannot be used this way."),
    413: _l("The request is too large."),
    500: _l("Something went wrong. Please try again."),
}


def error_code(exc: HTTPException) -> str:
    """A machine code for an HTTP error: its name in snake case ("method_not_allowed")."""
    return (exc.name or "error").lower().replace(" ", "_")


def kept_headers(exc: HTTPException) -> dict[str, str]:
    """The headers of an error worth keeping in our own answer (Allow, WWW-Authenticate, Retry-After)."""
    keep = {"allow", "www-authenticate", "retry-after"}
    return {name: value for name, value in exc.get_headers() if name.lower() in keep}


def init_app(app: Flask) -> None:
    """Register the handler that answers every HTTP error the kiosk's way."""

    @app.errorhandler(HTTPException)
    def _http_error(exc: HTTPException) -> Response:
        status = exc.code or 500
        if request.path.startswith("/api/"):
            resp = jsonify(
                {"error": {"code": error_code(exc), "message": exc.description or error_code(exc)}}
            )
        else:
            message = PAGE_MESSAGES.get(status) or PAGE_MESSAGES[500 if status >= 500 else 400]
            resp = Response(render_template("error.html", status=status, message=str(message)))
        resp.status_code = status
        resp.headers.update(kept_headers(exc))
        return resp
