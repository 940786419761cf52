"""The one error type services raise for bad input or a refused action."""

from __future__ import annotations


class ServiceError(Exception):
    """A refused counter action: a stable code, a message for the clerk, an HTTP status and, when one
    input was wrong, the name of its field."""

    def __init__(self, code: str, message: str, http_status: int = 400, field: str | None = None) -> None:
        super().__init__(message)
        self.code = code
        self.message = message
        self.http_status = http_status
        self.field = field
