"""The clerk's web layer: a thin adapter from HTTP (JSON API and pages) to the counter services."""

from __future__ import annotations

from datetime import timedelta

from flask import Flask

from kiosk.services import auth
from kiosk.services.context import Context


def create_app(ctx: Context) -> Flask:
    """Build the Flask app over a services context (opens nothing itself)."""
    app = Flask(__name__)
    app.config.update(
        SECRET_KEY=auth.session_secret(ctx),
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Strict",
        SESSION_COOKIE_NAME="dakbooth_kiosk",
        PERMANENT_SESSION_LIFETIME=timedelta(minutes=ctx.counter.session_timeout_min),
        MAX_CONTENT_LENGTH=64 * 1024,
        JSON_SORT_KEYS=False,
    )
    app.extensions["kiosk"] = ctx

    from kiosk.web import api, counter, errors, i18n, pages

    i18n.init_app(app)
    app.register_blueprint(api.bp)
    app.register_blueprint(pages.bp)
    app.register_blueprint(counter.bp)
    from kiosk.web import printing, scans

    app.register_blueprint(printing.bp)
    app.register_blueprint(scans.bp)

    errors.init_app(app)

    @app.get("/healthz")
    def healthz() -> dict[str, str]:
        return {"status": "ok"}

    return app
