"""Input hygiene for every request, before any view runs.

A stranger's request can hold what no database stores as text (NUL, lone surrogates), JSON nested
deeper than the parser goes, or ids too large for a 64-bit column. Each is answered here with a 4xx
that names the field, and nothing is changed.
"""

from __future__ import annotations

from typing import Any

from flask import Flask, Request, request
from werkzeug.exceptions import BadRequest
from werkzeug.routing import BaseConverter, IntegerConverter

from hub.web.errors import ApiError

MAX_DB_ID = 2**31 - 1  # the ids' columns are INTEGER: 32 bits on PostgreSQL


class HubRequest(Request):
    """A request whose JSON body nested past the parser's depth is a 400, not a 500."""

    def get_json(self, force: bool = False, silent: bool = False, cache: bool = True) -> Any:
        """The parsed JSON body (see Flask's Request.get_json); too deep is malformed."""
        try:
            return super().get_json(force=force, silent=silent, cache=cache)
        except RecursionError:
            if silent:
                return None
            raise BadRequest("the JSON body is nested too deeply") from None


class DbIdConverter(IntegerConverter):
    """`<id:name>`: a non-negative integer the id columns can hold; a larger id is not found (404)."""

    def __init__(self, url_map: Any) -> None:
        super().__init__(url_map, min=0, max=MAX_DB_ID)


class TrackingIdConverter(BaseConverter):
    """`<s10:name>`: something shaped like an S10 number (two letters, nine digits, two letters).

    The check digit is checked by the view; a path of another shape (`/shipments/bulk`) is not this
    route at all, so it answers 404 or 405 with the methods that path really has.
    """

    regex = r"[A-Za-z]{2}[0-9]{9}[A-Za-z]{2}"


def unstorable_field(value: Any, where: str = "") -> str | None:
    """The dotted path of the first key or string in value that holds NUL or a lone surrogate, or None."""
    stack: list[tuple[str, Any]] = [(where, value)]
    while stack:
        path, item = stack.pop()
        if isinstance(item, str):
            if _unstorable(item):
                return path or "body"
        elif isinstance(item, dict):
            for key, sub in item.items():
                name = f"{path}.{key}" if path else str(key)
                if isinstance(key, str) and _unstorable(key):
                    return name
                stack.append((name, sub))
        elif isinstance(item, list):
            stack += [(f"{path}[{i}]", sub) for i, sub in enumerate(item)]
    return None


def _unstorable(text: str) -> bool:
    if "\x00" in text:
        return True
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return True
    return False


def _check_request() -> None:
    """Refuse a request whose path, query, form or JSON body holds text no database can store."""
    for source, values in (
        ("path", request.view_args or {}),
        ("query", request.args.to_dict(flat=False)),
        ("form", request.form.to_dict(flat=False) if request.mimetype != "application/json" else {}),
    ):
        bad = unstorable_field(values)
        if bad is not None:
            raise ApiError(400, "invalid_text", f"{source} field {bad!r} holds a NUL or an invalid character")
    if request.is_json and request.content_length:
        body = request.get_json(silent=True)
        bad = unstorable_field(body)
        if bad is not None:
            raise ApiError(400, "invalid_text", f"{bad!r} holds a NUL or an invalid character")


def init_app(app: Flask) -> None:
    """Install the request class, the URL converters and the check that runs before every view."""
    app.request_class = HubRequest
    app.url_map.converters["id"] = DbIdConverter
    app.url_map.converters["s10"] = TrackingIdConverter
    app.before_request(_check_request)
