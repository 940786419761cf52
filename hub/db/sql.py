"""Small SQL helpers that keep one code path for SQLite and PostgreSQL."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any, TypeVar

from sqlalchemy import ColumnElement, Connection, any_, bindparam
from sqlalchemy.dialects.postgresql import ARRAY


def member(conn: Connection, column: Any, values: Iterable[Any]) -> ColumnElement[bool]:
    """`column IN values`; on PostgreSQL as `= ANY(array)`, one parameter that plans fast for long lists."""
    items = list(values)
    if conn.dialect.name == "postgresql":
        return column == any_(bindparam(None, items, type_=ARRAY(column.type)))  # type: ignore[no-any-return]
    return column.in_(items)  # type: ignore[no-any-return]


T = TypeVar("T")
CHUNK = 500


def chunks(items: Sequence[T], size: int = CHUNK) -> Iterable[Sequence[T]]:
    """items in slices of at most size (bound-parameter limits)."""
    for i in range(0, len(items), size):
        yield items[i : i + size]
