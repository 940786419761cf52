"""Bearer API key authentication for hub API views."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any, TypeVar

from flask import g, request

from hub.apikeys import identify
from hub.web import context
from hub.web.errors import ApiError

F = TypeVar("F", bound=Callable[..., Any])


def require_role(*roles: str) -> Callable[[F], F]:
    """Allow a view only to callers whose API key has one of roles (401 without a key, 403 otherwise)."""

    def decorate(view: F) -> F:
        @wraps(view)
        def wrapped(*args: Any, **kwargs: Any) -> Any:
            header = request.headers.get("Authorization", "")
            scheme, _, key = header.partition(" ")
            if scheme.lower() != "bearer" or not key.strip():
                raise ApiError(401, "unauthorized", "an API key is required (Authorization: Bearer KEY)")
            with context().reads.connect() as conn:
                who = identify(conn, key.strip())
            if who is None:
                raise ApiError(401, "unauthorized", "unknown API key")
            name, role = who
            if role not in roles:
                raise ApiError(403, "forbidden", "this API key may not use this endpoint")
            g.api_caller = name
            return view(*args, **kwargs)

        return wrapped  # type: ignore[return-value]

    return decorate


def caller() -> str:
    """The name on the API key of the current request (a merchant's name for merchant keys)."""
    return str(g.api_caller)
