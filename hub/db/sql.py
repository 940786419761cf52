"""Small SQL helpers that keep one code path for SQLite and PostgreSQL."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any, TypeVar

from pydantic_core import to_json
from sqlalchemy import BindParameter, ColumnElement, Connection, String, any_, bindparam, func, select
from sqlalchemy.dialects.postgresql import ARRAY


def member(conn: Connection, column: Any, values: Iterable[Any]) -> ColumnElement[bool]:
    """`column IN values` with the values in one parameter, so the statement's SQL is the same for
    every list and is compiled once: on PostgreSQL `= ANY(array)`, on SQLite `IN (SELECT value FROM
    json_each(list))`, which SQLite answers by an index look-up per value as it does a plain IN list.
    (A plain IN list expands into one parameter per value and is compiled again for each length:
    for ingest's look-ups of up to 500 ids, that compiling cost more than SQLite's own work.)"""
    return in_list(conn.dialect.name, column, bindparam(None, listed(conn, values)))


def in_list(dialect: str, column: Any, param: BindParameter[Any]) -> ColumnElement[bool]:
    """`column IN` the list param carries (its value made by listed()), on the dialect named. A
    statement built once with a named param serves every list: bind listed(conn, values) to it."""
    if dialect == "postgresql":
        param.type = ARRAY(column.type)
        return column == any_(param)  # type: ignore[no-any-return]
    param.type = String()
    return column.in_(select(func.json_each(param).table_valued("value").c.value))  # type: ignore[no-any-return]


def listed(conn: Connection, values: Iterable[Any]) -> Any:
    """values as in_list() binds them: a list on PostgreSQL, JSON text on SQLite."""
    items = list(values)
    return items if conn.dialect.name == "postgresql" else to_json(items).decode()


T = TypeVar("T")
CHUNK = 500


def chunks(items: Sequence[T], size: int = CHUNK) -> Iterable[Sequence[T]]:
    """items in slices of at most size (bound-parameter limits)."""
    for i in range(0, len(items), size):
        yield items[i : i + size]
