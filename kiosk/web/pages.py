"""Server-rendered pages for the clerk: the same operations as the JSON API."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from flask import Blueprint, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue

from kiosk.services import auth, status
from kiosk.services.dispatch import dispatch
from kiosk.services.errors import ServiceError
from kiosk.services.handover import handover
from kiosk.services.intake import intake
from kiosk.services.receive import receive
from kiosk.web import session as sess

bp = Blueprint("pages", __name__, template_folder="templates")


@bp.app_context_processor
def _globals() -> dict[str, Any]:
    return {"csrf_token": sess.csrf_token, "clerk": sess.current}


def _form_action(template: str, action: Callable[[str], str]) -> ResponseReturnValue:
    """Render a form page; on POST check the session and CSRF, run the action and show its outcome."""
    clerk = sess.current()
    if clerk is None:
        return redirect(url_for("pages.login"))
    if request.method == "GET":
        return render_template(template)
    try:
        sess.check_csrf(request.form.get("csrf_token"))
        message = action(clerk.id)
    except ServiceError as exc:
        return render_template(template, error=exc.message, form=request.form), exc.http_status
    return render_template(template, message=message)


@bp.get("/")
def index() -> ResponseReturnValue:
    """Home: the counter actions."""
    if sess.current() is None:
        return redirect(url_for("pages.login"))
    return render_template("home.html")


@bp.route("/login", methods=["GET", "POST"])
def login() -> ResponseReturnValue:
    """Clerk login form."""
    if request.method == "GET":
        return render_template("login.html")
    try:
        clerk = auth.login(sess.context(), request.form.get("clerk", ""), request.form.get("pin", ""))
    except ServiceError as exc:
        return render_template("login.html", error=exc.message), exc.http_status
    sess.begin(clerk)
    return redirect(url_for("pages.index"))


@bp.post("/logout")
def logout() -> ResponseReturnValue:
    """Log out (CSRF-checked)."""
    try:
        sess.check_csrf(request.form.get("csrf_token"))
    except ServiceError as exc:
        return exc.message, exc.http_status
    sess.end()
    return redirect(url_for("pages.login"))


@bp.route("/intake", methods=["GET", "POST"])
def intake_page() -> ResponseReturnValue:
    """Intake form."""

    def run(clerk: str) -> str:
        f = request.form
        weight = f.get("weight_g", "").strip()
        if weight and not weight.isdigit():
            raise ServiceError("invalid_weight", "weight must be a whole number of grams")
        result = intake(
            sess.context(),
            clerk,
            recipient={"name": f.get("name", ""), "phone": f.get("phone", "")},
            destination=f.get("destination", ""),
            cod_amount=f.get("cod_amount", ""),
            tracking_id=f.get("tracking_id", "").strip() or None,
            weight_g=int(weight) if weight else None,
        )
        printed = "receipt printed" if result.printed else "receipt NOT printed"
        return f"Accepted {result.tracking_id}: {result.weight_g} g, fee Tk {result.fee} ({printed})"

    return _form_action("intake.html", run)


@bp.route("/dispatch", methods=["GET", "POST"])
def dispatch_page() -> ResponseReturnValue:
    """Dispatch form."""

    def run(clerk: str) -> str:
        tid, state = dispatch(sess.context(), clerk, request.form.get("tracking_id", ""))
        return f"{tid}: {state}"

    return _form_action("dispatch.html", run)


@bp.route("/receive", methods=["GET", "POST"])
def receive_page() -> ResponseReturnValue:
    """Receive form."""

    def run(clerk: str) -> str:
        tid, state = receive(sess.context(), clerk, request.form.get("tracking_id", ""))
        return f"{tid}: {state}; the collection code goes to the recipient by SMS"

    return _form_action("receive.html", run)


@bp.route("/handover", methods=["GET", "POST"])
def handover_page() -> ResponseReturnValue:
    """Handover form."""

    def run(clerk: str) -> str:
        f = request.form
        handover(
            sess.context(), clerk, f.get("tracking_id", ""), f.get("code", ""), f.get("cod_collected", "")
        )
        return f"{f.get('tracking_id', '').strip().upper()}: delivered"

    return _form_action("handover.html", run)


@bp.get("/devices")
def devices_page() -> ResponseReturnValue:
    """Device states."""
    if sess.current() is None:
        return redirect(url_for("pages.login"))
    return render_template("devices.html", devices=status.devices(sess.context()))
