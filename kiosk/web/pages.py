"""Server-rendered pages for the clerk: login, home, language, devices; the counter forms live in counter.py."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlparse

from flask import Blueprint, Response, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue

from kiosk.services import auth, cashup, returns, status
from kiosk.services.errors import ServiceError
from kiosk.web import session as sess
from kiosk.web.i18n import COOKIE, LANGUAGES
from kiosk.web.messages import error_text

bp = Blueprint("pages", __name__, template_folder="templates")


@bp.app_context_processor
def _globals() -> dict[str, Any]:
    return {"csrf_token": sess.csrf_token, "clerk": sess.current, "status_bar": _status_bar}


def _status_bar() -> dict[str, Any]:
    """Device and uplink states for the bar at the top of every page."""
    ctx = sess.context()
    return {
        "booth": ctx.booth_id,
        "devices": status.devices(ctx),
        "online": ctx.uplink_connected(),
    }


@bp.get("/")
def index() -> ResponseReturnValue:
    """Home: the counter actions and what waits today."""
    if sess.current() is None:
        return redirect(url_for("pages.login"))
    ctx = sess.context()
    return render_template("home.html", day=cashup.day(ctx), overdue=len(returns.overdue(ctx)))


@bp.route("/login", methods=["GET", "POST"])
def login() -> ResponseReturnValue:
    """Clerk login form."""
    if request.method == "GET":
        return render_template("login.html")
    try:
        clerk = auth.login(sess.context(), request.form.get("clerk", ""), request.form.get("pin", ""))
    except ServiceError as exc:
        return render_template("login.html", error=error_text(exc)), exc.http_status
    sess.begin(clerk)
    return redirect(url_for("pages.index"))


@bp.post("/logout")
def logout() -> ResponseReturnValue:
    """Log out (CSRF-checked)."""
    try:
        sess.check_csrf(request.form.get("csrf_token"))
    except ServiceError as exc:
        return error_text(exc), exc.http_status
    sess.end()
    return redirect(url_for("pages.login"))


@bp.get("/lang/<code>")
def switch_language(code: str) -> ResponseReturnValue:
    """Switch the page language (a cookie) and go back to the page the clerk was on."""
    back = request.referrer or url_for("pages.index")
    parsed = urlparse(back)
    target = (parsed.path or "/") + (f"?{parsed.query}" if parsed.query else "")
    response: Response = redirect(target)  # type: ignore[assignment]
    if code in LANGUAGES:
        response.set_cookie(COOKIE, code, max_age=365 * 86400, samesite="Strict", httponly=True)
    return response


@bp.get("/devices")
def devices_page() -> ResponseReturnValue:
    """Device states."""
    if sess.current() is None:
        return redirect(url_for("pages.login"))
    return render_template("devices.html", devices=status.devices(sess.context()))
