"""The counter's form pages: intake, dispatch, receive, handover, returns (out and back) and the day's cash."""

from __future__ import annotations

import secrets
from collections.abc import Callable
from typing import Any

from flask import Blueprint, redirect, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _

from kiosk.services import cashup, directory, return_leg, returns, slips
from kiosk.services.auth import Clerk
from kiosk.services.dispatch import dispatch
from kiosk.services.errors import ServiceError
from kiosk.services.handover import DOCUMENT_KINDS as HANDOVER_DOCUMENTS
from kiosk.services.handover import find, handover, handover_by_document
from kiosk.services.intake import intake, preadvice
from kiosk.services.receive import forward, misrouted_to, receive
from kiosk.services.unlock import unlock_parcel
from kiosk.web import session as sess
from kiosk.web.forms import approver, form_page, typed_amount, whole_grams
from kiosk.web.i18n import digits, taka
from kiosk.web.messages import error_text
from parcel.messages import DOCUMENT_KINDS

bp = Blueprint("counter", __name__, template_folder="templates")


@bp.route("/intake", methods=["GET", "POST"])
def intake_page() -> ResponseReturnValue:
    """Intake: scan a pre-advised label or take a walk-in; weigh, price, print."""
    if sess.current() is None:
        return redirect(url_for("pages.login"))
    ctx = sess.context()
    advice = None
    notice = None
    scanned = request.args.get("tracking_id", "").strip()
    if request.method == "GET" and scanned:
        try:
            advice = preadvice(ctx, scanned)
        except ServiceError as exc:  # a label taken in already is said at the scan, not at the submit
            notice = error_text(exc) if exc.code == "already_accepted" else None

    def run(clerk: Clerk) -> dict[str, Any]:
        f = request.form
        weight = whole_grams(f.get("weight_g", ""))
        result = intake(
            ctx,
            clerk.id,
            recipient={"name": f.get("name", ""), "phone": f.get("phone", "")},
            destination=f.get("destination", ""),
            cod_amount=typed_amount(f.get("cod_amount", ""), "cod_amount"),
            tracking_id=f.get("tracking_id", "").strip() or None,
            weight_g=weight,
            approver=approver() if weight is not None else None,
            submission=f.get("submission") or None,
            sender={"name": f.get("sender_name", ""), "phone": f.get("sender_phone", "")},
        )
        message = _(
            "Accepted %(tid)s: %(weight)s g, fee %(fee)s.",
            tid=result.tracking_id,
            weight=digits(result.weight_g),
            fee=taka(result.fee),
        )
        return {"message": message, "result": result}

    # A key per rendered form: the same form sent twice (double tap, resend) takes one parcel in.
    key = request.form.get("submission") if request.method == "POST" else None
    return form_page(
        "intake.html",
        run,
        advice=advice,
        error=notice,
        booths=directory.booths(ctx),
        reading=ctx.devices.weigh(),
        submission=key or secrets.token_urlsafe(16),
    )


@bp.route("/dispatch", methods=["GET", "POST"])
def dispatch_page() -> ResponseReturnValue:
    """Dispatch: parcels taken in here leave the booth."""

    def run(clerk: Clerk) -> dict[str, Any]:
        tid, _state = dispatch(sess.context(), clerk.id, request.form.get("tracking_id", ""))
        return {"message": _("%(tid)s dispatched.", tid=tid)}

    return form_page("dispatch.html", run)


@bp.route("/receive", methods=["GET", "POST"])
def receive_page() -> ResponseReturnValue:
    """Receive: a parcel for this booth is shelved and its code goes out; a misrouted one is forwarded."""
    ctx = sess.context()

    def run(clerk: Clerk) -> dict[str, Any]:
        tid_text = request.form.get("tracking_id", "")
        try:
            tid, _state = receive(ctx, clerk.id, tid_text, request.form.get("shelf"))
        except ServiceError as exc:
            if exc.code == "misrouted":
                target = misrouted_to(ctx, tid_text)
                raise _Misrouted(tid_text.strip().upper(), target or "") from None
            raise
        shelf = (request.form.get("shelf") or "").strip().upper()
        found = find(ctx, tid)
        return {
            "message": _("%(tid)s is ready for collection. The code goes to the recipient by SMS.", tid=tid),
            "shelf": shelf,
            "received": found[0] if found else None,
        }

    try:
        return form_page("receive.html", run)
    except _Misrouted as m:
        message = _("%(tid)s belongs to %(booth)s: do not shelve it, forward it.", tid=m.tid, booth=m.target)
        return form_page("receive.html", lambda c: {}, misrouted=m, warning=message)


class _Misrouted(Exception):
    def __init__(self, tid: str, target: str) -> None:
        super().__init__(tid)
        self.tid = tid
        self.target = target


@bp.post("/forward")
def forward_page() -> ResponseReturnValue:
    """Forward a misrouted parcel to its booth."""

    def run(clerk: Clerk) -> dict[str, Any]:
        tid, target = forward(sess.context(), clerk.id, request.form.get("tracking_id", ""))
        return {"message": _("%(tid)s forwarded to %(booth)s.", tid=tid, booth=target)}

    return form_page("receive.html", run)


def _slip_note(tracking_id: str) -> str:
    """Whether the parcel's slip printed, for the clerk."""
    tid = tracking_id.strip().upper()
    return (
        _("Receipt printed.")
        if slips.printed(sess.context(), tid)
        else _("Receipt NOT printed: check the printer.")
    )


def _selected() -> dict[str, Any] | None:
    tid = (request.values.get("tracking_id") or "").strip()
    if not tid:
        return None
    try:
        found = find(sess.context(), tid)
    except ServiceError:
        return None
    return found[0] if found else None


@bp.route("/handover", methods=["GET", "POST"])
def handover_page() -> ResponseReturnValue:
    """Handover: find the parcel, check the code (or an identity document), take the COD exactly."""
    if sess.current() is None:
        return redirect(url_for("pages.login"))
    ctx = sess.context()
    query = request.args.get("q", "").strip()
    results: list[dict[str, Any]] | None = None
    search_error = None
    if query:
        try:
            results = find(ctx, query)
        except ServiceError as exc:
            search_error = error_text(exc)
    if results is not None and len(results) == 1 and request.method == "GET":
        first = results[0]
        selected: Callable[[], dict[str, Any] | None] = lambda: first  # noqa: E731
    else:
        selected = _selected  # read after the action: wrong-code count, lock

    def run(clerk: Clerk) -> dict[str, Any]:
        f = request.form
        action = f.get("action", "code")
        tid = f.get("tracking_id", "")
        if action == "unlock":
            boss = approver()
            if boss is None:
                raise ServiceError("supervisor_required", "a supervisor must unlock", 403)
            unlock_parcel(ctx, boss, tid)
            return {"message": _("%(tid)s unlocked.", tid=tid.strip().upper())}
        if action == "document":
            handover_by_document(
                ctx,
                clerk.id,
                approver(),
                tid,
                f.get("document_kind"),
                f.get("document_number"),
                typed_amount(f.get("cod_collected", ""), "cod_collected"),
            )
        else:
            handover(
                ctx,
                clerk.id,
                tid,
                f.get("code", ""),
                typed_amount(f.get("cod_collected", ""), "cod_collected"),
            )
        return {
            "message": _("%(tid)s handed over.", tid=tid.strip().upper()) + " " + _slip_note(tid),
            "done": True,
        }

    return form_page(
        "handover.html",
        run,
        query=query,
        results=results,
        search_error=search_error,
        selected=selected,
        document_kinds=HANDOVER_DOCUMENTS,
        code_limit=ctx.counter.code_attempts,
    )


@bp.route("/returns", methods=["GET", "POST"])
def returns_page() -> ResponseReturnValue:
    """Returns: refused, uncollected, damaged or wrong goods go back to the sender's booth."""
    ctx = sess.context()

    def run(clerk: Clerk) -> dict[str, Any]:
        f = request.form
        tid = f.get("tracking_id", "").strip().upper()
        origin = returns.return_parcel(ctx, clerk.id, tid, f.get("reason"), f.get("note"))
        return {
            "message": _("%(tid)s returned to %(booth)s.", tid=tid, booth=origin or "—")
            + " "
            + _slip_note(tid)
        }

    return form_page("returns.html", run, overdue=returns.overdue(ctx), reasons=returns.REASONS)


@bp.route("/returns/back", methods=["GET", "POST"])
def returns_back_page() -> ResponseReturnValue:
    """Returns coming back: scan a return in at its sender's booth, then hand it back to the sender."""
    ctx = sess.context()

    def selected() -> dict[str, Any] | None:
        tid = (request.values.get("tracking_id") or "").strip()
        try:
            return return_leg.find(ctx, tid) if tid else None
        except ServiceError:
            return None

    def run(clerk: Clerk) -> dict[str, Any]:
        f = request.form
        if f.get("action") == "collect":
            done = return_leg.collect(
                ctx,
                clerk.id,
                f.get("tracking_id", ""),
                f.get("collected_by"),
                f.get("name"),
                f.get("document_kind"),
                f.get("document_number"),
                matches_sender=f.get("matches_sender") == "yes",
                approver=approver() if f.get("matches_sender") != "yes" else None,
            )
            message = _("%(tid)s handed back to its sender.", tid=done.tracking_id)
            return {"message": message + " " + _slip_note(done.tracking_id), "done": True}
        arrived = return_leg.arrive(ctx, clerk.id, f.get("tracking_id", ""), f.get("shelf"))
        message = _("%(tid)s is back for its sender.", tid=arrived.tracking_id)
        if arrived.unannounced:
            message += " " + _("Not announced by the hub yet: its details follow.")
        return {"message": message + " " + _slip_note(arrived.tracking_id), "arrived": arrived}

    return form_page(
        "returns_back.html",
        run,
        incoming=lambda: return_leg.incoming(ctx),
        waiting=lambda: return_leg.waiting(ctx),
        selected=selected,
        collectors=return_leg.COLLECTORS,
        document_kinds=DOCUMENT_KINDS,
    )


@bp.route("/cash", methods=["GET", "POST"])
def cash_page() -> ResponseReturnValue:
    """Cash-up: count the day's COD, explain any difference, close once, print the Z-report."""
    ctx = sess.context()

    def run(clerk: Clerk) -> dict[str, Any]:
        f = request.form
        day = cashup.close_day(
            ctx, clerk.id, typed_amount(f.get("counted", ""), "counted"), f.get("reason"), approver()
        )
        note = _("Z-report printed.") if day.printed else _("Receipt NOT printed: check the printer.")
        return {"message": _("The day is closed.") + " " + note, "day": day}

    return form_page("cash.html", run, day=cashup.day(ctx))
