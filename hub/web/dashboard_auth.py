"""Staff login for the monitoring cell: signed session cookie, CSRF token, role checks."""

from __future__ import annotations

import hmac
import secrets
from collections.abc import Callable
from functools import wraps
from typing import Any, TypeVar

from flask import Blueprint, abort, g, redirect, render_template, request, session, url_for
from flask_babel import gettext as _

from hub.users import User, authenticate, get_user
from hub.web import context

bp = Blueprint("cell_auth", __name__, url_prefix="/dashboard")
F = TypeVar("F", bound=Callable[..., Any])


def reader() -> Any:
    """The engine for the cell's reads (a query-only one beside SQLite's writers)."""
    return context().reads


def csrf_token() -> str:
    """This session's CSRF token (created on first use)."""
    token = session.get("csrf")
    if not token:
        token = session["csrf"] = secrets.token_urlsafe(24)
    return str(token)


def check_csrf() -> None:
    """Abort with 400 unless the form's csrf field matches the session's token."""
    sent = request.form.get("csrf", "")
    if not sent or not hmac.compare_digest(sent, session.get("csrf", "")):
        abort(400, _("The form expired or was not sent from this site: reload the page and try again."))


def current_user() -> User | None:
    """The logged-in user, or None."""
    if "user" in g:
        return g.user  # type: ignore[no-any-return]
    user_id = session.get("uid")
    user = None
    if isinstance(user_id, int):
        with reader().connect() as conn:
            user = get_user(conn, user_id)
    g.user = user
    return user


def login_required(role: str = "viewer") -> Callable[[F], F]:
    """Require a logged-in user with at least role; pages redirect to the login form, POSTs get 403."""

    def decorate(view: F) -> F:
        @wraps(view)
        def wrapped(*args: Any, **kwargs: Any) -> Any:
            user = current_user()
            if user is None:
                if request.method == "GET" and not request.path.endswith((".json", "/stream")):
                    return redirect(url_for("cell_auth.login", next=request.full_path))
                abort(401)
            if not user.may(role):
                abort(403, _("This needs the %(role)s role.", role=role))
            if request.method == "POST":
                check_csrf()
            return view(*args, **kwargs)

        return wrapped  # type: ignore[return-value]

    return decorate


@bp.app_context_processor
def _inject() -> dict[str, Any]:
    return {"csrf_token": csrf_token, "current_user": current_user}


@bp.route("/login", methods=["GET", "POST"])
def login() -> Any:
    """The login form; on success the session holds the user id."""
    error = None
    if request.method == "POST":
        check_csrf()
        ctx = context()
        if not ctx.login_limit.allow(request.remote_addr or "?"):
            abort(429, _("Too many login attempts: wait a minute."))
        with reader().connect() as conn:
            user = authenticate(
                conn, request.form.get("name", "")[:64], request.form.get("password", "")[:256]
            )
        if user is not None:
            session.clear()
            session["uid"] = user.id
            csrf_token()
            target = request.args.get("next", "")
            # Only our own staff pages: never an absolute or protocol-relative URL (open redirect).
            if not target.startswith(("/dashboard", "/care")) or target.startswith("//"):
                target = url_for("cell.fleet")
            return redirect(target)
        error = _("Wrong name or password.")
    return render_template("dashboard/login.html", error=error), (401 if error else 200)


@bp.post("/logout")
def logout() -> Any:
    """End the session."""
    check_csrf()
    session.clear()
    return redirect(url_for("cell_auth.login"))
