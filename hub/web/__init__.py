"""The hub's web layer: Flask app factory, blueprints for the API and the tracking page."""

from __future__ import annotations

import secrets
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from flask import Flask, current_app
from sqlalchemy import Engine

from hub.merchant.webhook_targets import TargetPolicy
from hub.web.ratelimit import TokenBuckets


@dataclass
class WebContext:
    """What the views need: the database and the state of the broker link."""

    engine: Engine
    mqtt_connected: Callable[[], bool] = lambda: False
    track_limit: TokenBuckets = field(default_factory=lambda: TokenBuckets(capacity=30, per_second=1.0))
    fleet: Any = None  # hub.monitoring.live.FleetBroadcaster, when the fleet view is live
    reader: Engine | None = None  # read-only engine for dashboard queries (defaults to engine)
    secret_key: str = field(default_factory=lambda: secrets.token_hex(32))  # signs staff sessions
    login_limit: TokenBuckets = field(default_factory=lambda: TokenBuckets(capacity=10, per_second=0.1))
    sms_callback_token: str | None = None  # the HTTP SMS gateway's token for delivery reports
    webhook_policy: TargetPolicy = field(default_factory=TargetPolicy)  # where webhooks may point

    @property
    def reads(self) -> Engine:
        """The engine for reads: the query-only one, which on SQLite never waits behind ingest's
        writes; the main engine when there is none."""
        return self.reader or self.engine


def context() -> WebContext:
    """The WebContext of the app serving the current request."""
    ctx: WebContext = current_app.extensions["hub"]
    return ctx


def create_app(ctx: WebContext) -> Flask:
    """Build the hub's Flask app around ctx; nothing is opened here."""
    from hub.web import api, errors, i18n, inputs, labels, pages

    app = Flask(__name__)
    app.json.ensure_ascii = False  # type: ignore[attr-defined]
    app.extensions["hub"] = ctx
    inputs.init_app(app)  # before the blueprints: their routes use its converters
    i18n.init_app(app)
    app.jinja_env.globals.update(
        label=labels.label,
        state=labels.state,
        detail=labels.detail,
        care_request=labels.care_request,
        care_answer=labels.care_answer,
        command_label=labels.command,
        script_texts=labels.script_texts,
    )
    app.register_blueprint(api.bp)
    app.register_blueprint(pages.bp)
    from hub.web import cod_api, merchant_api, openapi

    app.register_blueprint(merchant_api.bp)
    app.register_blueprint(cod_api.bp)
    app.register_blueprint(openapi.bp)
    from hub.web import care

    app.register_blueprint(care.bp)
    from hub.web import sms_delivery

    app.register_blueprint(sms_delivery.bp)
    from hub.web import dashboard_setup

    dashboard_setup.init_app(app, ctx)
    errors.init_app(app)
    return app
