"""Attach the monitoring cell's blueprints and session settings to the hub app."""

from __future__ import annotations

from typing import Any

from flask import Flask


def init_app(app: Flask, ctx: Any) -> None:
    """Register login, fleet, actions and metrics; sign sessions with ctx.secret_key."""
    from hub.web import dashboard, dashboard_actions, dashboard_auth, dashboard_metrics

    app.secret_key = ctx.secret_key
    app.config.update(SESSION_COOKIE_HTTPONLY=True, SESSION_COOKIE_SAMESITE="Lax")
    app.register_blueprint(dashboard_auth.bp)
    app.register_blueprint(dashboard.bp)
    app.register_blueprint(dashboard_actions.bp)
    app.register_blueprint(dashboard_metrics.bp)
