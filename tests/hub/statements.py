"""Recording the SQL statements the hub sends, for tests that check queries and their plans."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

from sqlalchemy import Connection, Engine, event


@contextmanager
def recorded(
    target: Engine | Connection, keep: Callable[[str, bool], bool] = lambda _s, _many: True
) -> Iterator[list[tuple[str, Any]]]:
    """While in the block, append (statement, parameters) of every statement sent through target
    that keep(statement, executemany) accepts to the list yielded."""
    seen: list[tuple[str, Any]] = []

    def record(_conn: Any, _cursor: Any, statement: str, params: Any, _ctx: Any, many: bool) -> None:
        if keep(statement, many):
            seen.append((statement, params))

    event.listen(target, "before_cursor_execute", record)
    try:
        yield seen
    finally:
        event.remove(target, "before_cursor_execute", record)
