"""The cell's actions from the dashboard: send a command to a booth, acknowledge an alert."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from flask import Blueprint, abort, redirect, request, url_for
from flask_babel import gettext as _

from hub.alerts import store as alert_store
from hub.commands import COMMANDS, CommandError, send
from hub.web import context
from hub.web.dashboard_auth import current_user, login_required

bp = Blueprint("cell_actions", __name__, url_prefix="/dashboard")

ARG_NAMES = ("tracking_id", "device", "tariff")


@bp.post("/booth/<booth_id>/command")
@login_required("operator")
def command(booth_id: str) -> Any:
    """Send the named command (args from the form) and go back to the booth page."""
    user = current_user()
    assert user is not None
    name = request.form.get("name", "")
    if name not in COMMANDS:
        abort(400, _("Unknown command."))
    if not user.may(COMMANDS[name][0]):
        abort(403, _("%(command)s needs the %(role)s role.", command=name, role=COMMANDS[name][0]))
    args = {k: request.form[k].strip() for k in ARG_NAMES if request.form.get(k, "").strip()}
    try:
        ttl = timedelta(minutes=int(request.form.get("ttl_min", "60")))
    except ValueError:
        abort(400, _("The expiry must be a whole number of minutes."))
    try:
        with context().engine.begin() as conn:
            send(conn, booth_id, name, args, ttl, actor=user.name)
    except CommandError as exc:
        abort(400, _("The command was not sent: %(reason)s", reason=str(exc)))
    return redirect(url_for("cell.booth", booth_id=booth_id) + "#commands")


@bp.post("/alerts/<id:alert_id>/ack")
@login_required("operator")
def ack(alert_id: int) -> Any:
    """Acknowledge an open alert."""
    user = current_user()
    assert user is not None
    with context().engine.begin() as conn:
        if not alert_store.acknowledge(conn, alert_id, user.name):
            abort(409, _("The alert is not open."))
    back = request.form.get("back", "")
    return redirect(
        back if back.startswith("/dashboard") and not back.startswith("//") else url_for("cell.alerts")
    )
