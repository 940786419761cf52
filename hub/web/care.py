"""Customer care console: search by tracking number or phone, a parcel's full file, and two commands
to the destination booth (fetch the proof-of-delivery photo, re-issue the collection code).

Staff log in with the monitoring cell's accounts (`create-user`); viewers look, operators act.
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _

from hub import care
from hub.commands import CommandError, send
from hub.web import context
from hub.web.dashboard_auth import current_user, login_required
from hub.web.labels import care_request
from parcel import s10

bp = Blueprint("care", __name__, url_prefix="/care")


@bp.get("/")
@login_required("viewer")
def search() -> Any:
    """Search form; a tracking number opens the parcel, a phone number lists its parcels."""
    query = request.args.get("q", "")[:40]
    results: list[dict[str, Any]] = []
    if query:
        with context().reads.connect() as conn:
            tracking_id, results = care.search(conn, query)
        if tracking_id is not None:
            return redirect(url_for("care.parcel", tracking_id=tracking_id))
    return render_template("care/search.html", q=query, results=results)


@bp.get("/parcel/<tracking_id>")
@login_required("viewer")
def parcel(tracking_id: str) -> Any:
    """A parcel's file: details, timeline, SMS and the care commands with their results."""
    try:
        tracking_id = s10.validate(tracking_id)
    except s10.InvalidTrackingNumber:
        abort(404)
    with context().reads.connect() as conn:
        file = care.parcel_file(conn, tracking_id)
    if file is None:
        abort(404, _("No parcel with this tracking number."))
    user = current_user()
    return render_template("care/parcel.html", p=file, may_act=bool(user and user.may("operator")))


@bp.post("/parcel/<tracking_id>/<name>")
@login_required("operator")
def command(tracking_id: str, name: str) -> Any:
    """Send fetch_photo or reissue_code for the parcel to its destination booth."""
    if name not in care.CARE_COMMANDS:
        abort(404)
    try:
        tracking_id = s10.validate(tracking_id)
    except s10.InvalidTrackingNumber:
        abort(404)
    user = current_user()
    actor = f"care:{user.name}" if user is not None else "care"
    with context().engine.begin() as conn:
        file = care.parcel_file(conn, tracking_id)
        if file is None or not file["destination"]:
            abort(404)
        if name == "reissue_code" and file["status"] != "ready":
            # The booth would refuse it: only a parcel waiting for collection has a code to replace.
            reason = _("the parcel is not ready for collection.")
            abort(409, _("The request was not sent: %(reason)s", reason=reason))
        try:
            send(conn, file["destination"], name, {"tracking_id": tracking_id}, actor=actor)
        except CommandError as exc:
            abort(409, _("The request was not sent: %(reason)s", reason=str(exc)))
    flash(_("Request %(name)s sent to booth %(booth)s.", name=care_request(name), booth=file["destination"]))
    return redirect(url_for("care.parcel", tracking_id=tracking_id))
