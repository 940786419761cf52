"""The hub's web layer: Flask app factory, blueprints for the API and the tracking page."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from flask import Flask
from sqlalchemy import Engine

from hub.web.ratelimit import TokenBuckets


@dataclass
class WebContext:
    """What the views need: the database and the state of the broker link."""

    engine: Engine
    mqtt_connected: Callable[[], bool] = lambda: False
    track_limit: TokenBuckets = field(default_factory=lambda: TokenBuckets(capacity=30, per_second=1.0))


def create_app(ctx: WebContext) -> Flask:
    """Build the hub's Flask app around ctx; nothing is opened here."""
    from hub.web import api, errors, pages

    app = Flask(__name__)
    app.json.ensure_ascii = False  # type: ignore[attr-defined]
    app.extensions["hub"] = ctx
    app.register_blueprint(api.bp)
    app.register_blueprint(pages.bp)
    errors.init_app(app)
    return app
