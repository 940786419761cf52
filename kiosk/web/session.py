"""Clerk sessions in the signed cookie: login, idle timeout and the CSRF token."""

from __future__ import annotations

import hmac
import secrets
import time

from flask import current_app, session

from kiosk.services.auth import Clerk
from kiosk.services.context import Context
from kiosk.services.errors import ServiceError


def context() -> Context:
    """The services context of the running app."""
    ctx: Context = current_app.extensions["kiosk"]
    return ctx


def begin(clerk: Clerk) -> str:
    """Start a session for a clerk and return its CSRF token."""
    session.clear()
    session.permanent = True
    token = secrets.token_urlsafe(32)
    session.update(clerk=clerk.id, role=clerk.role, csrf=token, seen=time.time())
    return token


def end() -> None:
    """Forget the session."""
    session.clear()


def current() -> Clerk | None:
    """The logged-in clerk, or None (also when the session has been idle too long)."""
    clerk = session.get("clerk")
    seen = session.get("seen")
    if not clerk or not isinstance(seen, int | float):
        return None
    if time.time() - seen > context().counter.session_timeout_min * 60:
        session.clear()
        return None
    session["seen"] = time.time()
    return Clerk(clerk, session.get("role", "clerk"))


def require() -> Clerk:
    """The logged-in clerk or ServiceError not_logged_in (401)."""
    clerk = current()
    if clerk is None:
        raise ServiceError("not_logged_in", "log in first", 401)
    return clerk


def csrf_token() -> str:
    """The session's CSRF token ('' without a session)."""
    return str(session.get("csrf", ""))


def check_csrf(sent: str | None) -> None:
    """Raise ServiceError csrf (403) unless sent equals the session's token."""
    expected = csrf_token()
    if not expected or not sent or not hmac.compare_digest(expected, sent):
        raise ServiceError("csrf", "missing or wrong CSRF token", 403)
