"""Helpers shared by the counter's form pages: login check, CSRF, supervisor approval, outcome rendering."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from flask import redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue

from kiosk.services import auth
from kiosk.services.errors import ServiceError
from kiosk.web import session as sess
from kiosk.web.messages import error_text
from parcel.money import InvalidAmount, format_taka, parse_typed_taka


def approver() -> auth.Clerk | None:
    """The supervisor approving a form: the logged-in supervisor, or the supervisor and PIN typed in."""
    clerk = sess.current()
    if clerk is not None and clerk.role == "supervisor":
        return clerk
    who, pin = request.form.get("supervisor", "").strip(), request.form.get("supervisor_pin", "")
    if not who and not pin:
        return None
    return auth.approve(sess.context(), who, pin)


def form_page(
    template: str, action: Callable[[auth.Clerk], dict[str, Any]], **extra: Any
) -> ResponseReturnValue:
    """Render a form page; on POST check the session and CSRF, run the action and show its outcome.

    An extra given as a callable is evaluated when the page renders, after the action ran.
    """
    clerk = sess.current()
    if clerk is None:
        return redirect(url_for("pages.login"))
    if request.method == "GET":
        return render_template(template, **{**_now(extra), "form": request.args})
    try:
        sess.check_csrf(request.form.get("csrf_token"))
        outcome = action(clerk)
    except ServiceError as exc:
        failed = {"error": error_text(exc), "error_code": exc.code, "form": request.form}
        return render_template(template, **{**_now(extra), **failed}), exc.http_status
    return render_template(template, **{**_now(extra), "form": {}, **outcome})


def _now(extra: dict[str, Any]) -> dict[str, Any]:
    return {k: v() if callable(v) else v for k, v in extra.items()}


def whole_grams(value: str) -> int | None:
    """A typed weight (Bengali digits accepted) as grams, None when blank."""
    text = value.strip().translate(str.maketrans("০১২৩৪৫৬৭৮৯", "0123456789"))
    if not text:
        return None
    if not text.isascii() or not text.isdigit():
        raise ServiceError("invalid_weight", "weight must be a whole number of grams")
    return int(text)


def typed_amount(value: str, field: str) -> str:
    """A typed amount (Bengali digits and correct grouping accepted) in the API's grammar ("1250.50")."""
    try:
        return format_taka(parse_typed_taka(value))
    except InvalidAmount as exc:
        raise ServiceError("invalid_amount", f"{field}: {exc}", field=field) from None
