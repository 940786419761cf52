"""Query parameters read exactly as the API document describes them, or refused with a 400 naming them."""

from __future__ import annotations

import re
from datetime import date, datetime

from flask import request

from hub.web.errors import ApiError

# Business days the hub can hold: events before 2020 are refused at ingest, and a bound far ahead keeps
# date arithmetic (the day before, the days after) inside the calendar.
FIRST_DAY = date(2000, 1, 1)
LAST_DAY = date(2999, 12, 31)
DATE_PATTERN = r"^2[0-9]{3}-[0-9]{2}-[0-9]{2}$"  # the years of FIRST_DAY to LAST_DAY
# RFC 3339 date-time, as OpenAPI's `format: date-time` means it: a T or space, seconds, an offset or Z.
DATETIME_PATTERN = (
    r"^[0-9]{4}-[0-9]{2}-[0-9]{2}[Tt ][0-9]{2}:[0-9]{2}:[0-9]{2}(\.[0-9]{1,6})?([Zz]|[+-][0-9]{2}:[0-9]{2})$"
)
_DATE = re.compile(DATE_PATTERN)
_DATETIME = re.compile(DATETIME_PATTERN)


def business_day(name: str) -> date:
    """The required query parameter `name` as a day YYYY-MM-DD between FIRST_DAY and LAST_DAY."""
    raw = request.args.get(name, "")
    try:
        day = date.fromisoformat(raw) if _DATE.fullmatch(raw) else None
    except ValueError:
        day = None
    if day is None:
        raise ApiError(400, "invalid_query", f"{name}=YYYY-MM-DD is required")
    if not FIRST_DAY <= day <= LAST_DAY:
        raise ApiError(400, "invalid_query", f"{name} must be between {FIRST_DAY} and {LAST_DAY}")
    return day


def instant(name: str) -> datetime | None:
    """The optional query parameter `name` as an RFC 3339 date-time with an offset, or None."""
    raw = request.args.get(name)
    if raw is None:
        return None
    try:
        at = datetime.fromisoformat(raw.replace("z", "Z")) if _DATETIME.fullmatch(raw) else None
        if at is not None and not FIRST_DAY <= at.date() <= LAST_DAY:
            at = None
    except ValueError:
        at = None
    if at is None:
        raise ApiError(400, "invalid_query", f"{name} must be an RFC 3339 date-time with an offset")
    return at


def whole_number(name: str, default: int, low: int, high: int) -> int:
    """The optional query parameter `name` as an integer from low to high (default when absent)."""
    raw = request.args.get(name)
    if raw is None:
        return default
    if not re.fullmatch(r"-?[0-9]{1,19}", raw) or not low <= int(raw) <= high:
        raise ApiError(400, "invalid_query", f"{name} must be a whole number from {low} to {high}")
    return int(raw)
