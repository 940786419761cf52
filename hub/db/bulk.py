"""Writing many rows in one go: ingest's inserts, upserts and updates, one code path for both databases.

On SQLite each is an executemany, which the sqlite3 module runs in C. On PostgreSQL an executemany
sends, executes and reads back one statement per row: for the events table that cost an ingest worker
about 19 µs of CPU a row. There the rows go through COPY instead (under 4 µs a row): an insert straight
into its table; an upsert or an update into a temporary staging table, then one INSERT ... SELECT or
UPDATE ... FROM that takes the rows out of it. For the server COPY is an INSERT: constraints,
server-side defaults and the transaction, savepoints included, behave alike.
"""

from __future__ import annotations

import functools
import json
import operator
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Column, Connection, Table, bindparam, column, delete, or_, select, table, text
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.exc import DBAPIError
from sqlalchemy.types import JSON

Row = dict[str, Any]


def insert_rows(
    conn: Connection, target: Table, rows: Sequence[Row], on_conflict: Callable[[Any], Any] | None = None
) -> None:
    """INSERT rows into target; every row has the first row's keys (column names), as for an
    executemany. Columns left out take their server-side defaults, so none may have a Python-side one.

    on_conflict: given the dialect's INSERT (sqlalchemy.dialects.postgresql or sqlite insert()), it
    returns it with its ON CONFLICT clause. With DO UPDATE, no two rows may share the conflict key.
    """
    if not rows:
        return
    names = _names(target, rows[0])
    columns = [target.c[n] for n in names]
    if conn.dialect.name != "postgresql":
        _executemany(conn, _sqlite_insert(conn.dialect, target, tuple(names), on_conflict), rows)
    elif on_conflict is None:
        _copy(conn, target.name, columns, rows)
    else:
        staged = _stage(conn, target, names, rows)
        conn.execute(on_conflict(postgresql.insert(target).from_select(names, select(*staged.c))))


def update_rows(
    conn: Connection, target: Table, key: str, rows: Sequence[Row], forward: str | None = None
) -> None:
    """UPDATE target's row whose key column equals each row's key, setting the row's other columns;
    every row has the first row's keys (column names, the key among them).

    forward: a column that only ever moves forward (a time last seen, an ack): a row then updates
    only where that column is NULL or below the row's value, so concurrent writers never move it back.
    """
    if not rows:
        return
    names = _names(target, rows[0])
    if key not in names:
        raise ValueError(f"rows for {target.name} do not carry the key column {key!r}")
    if forward is not None and (forward == key or forward not in names):
        raise ValueError(f"rows for {target.name} do not set the column {forward!r} to move forward")
    if conn.dialect.name != "postgresql":
        values = tuple(n for n in names if n != key)
        _executemany(conn, _sqlite_update(conn.dialect, target, key, values, forward), rows)
        return
    _stage(conn, target, names, rows)
    conn.execute(_update_from_stage(target, key, tuple(names), forward))


_KEY = "k_row_key"  # the key's parameter on SQLite (a column's own name is taken by SET)


def _names(target: Table, first: Row) -> list[str]:
    names = list(first)
    unknown = [n for n in names if n not in target.c]
    if unknown:
        raise ValueError(f"{target.name} has no column {', '.join(unknown)}")
    missing = [c.name for c in target.c if c.default is not None and c.name not in first]
    if missing:
        raise ValueError(
            f"{target.name}: rows leave out {', '.join(missing)}, which have Python-side defaults"
        )
    return names


@dataclass(frozen=True)
class _Positional:
    """A statement compiled for the driver: its SQL, and for each of its parameters in order, the
    column it takes (a row's value under the column's name, bound as its type binds it)."""

    sql: str
    columns: tuple[Column[Any], ...]


def _positional(dialect: Any, stmt: Any, params: dict[str, Column[Any]]) -> _Positional:
    """stmt compiled for dialect; params: each of its parameter names, to the column it sets."""
    compiled = stmt.compile(dialect=dialect, column_keys=list(params))
    return _Positional(compiled.string, tuple(params[p] for p in compiled.positiontup))


# Compiled once per statement shape: compiling cost more than SQLite's own work for a batch's rows.
# The keys hold tables, column names and on_conflict functions, which callers keep at module level.
@functools.lru_cache(maxsize=256)
def _sqlite_insert(
    dialect: Any, target: Table, names: tuple[str, ...], on_conflict: Callable[[Any], Any] | None
) -> _Positional:
    stmt = target.insert() if on_conflict is None else on_conflict(sqlite.insert(target))
    return _positional(dialect, stmt, {n: target.c[n] for n in names})


@functools.lru_cache(maxsize=256)
def _sqlite_update(
    dialect: Any, target: Table, key: str, names: tuple[str, ...], forward: str | None
) -> _Positional:
    stmt = target.update().where(target.c[key] == bindparam(_KEY, type_=target.c[key].type))
    if forward is not None:
        stmt = stmt.where(_moves_forward(target.c[forward], bindparam(forward, type_=target.c[forward].type)))
    stmt = stmt.values({n: bindparam(n, type_=target.c[n].type) for n in names})
    return _positional(dialect, stmt, {n: target.c[n] for n in names} | {_KEY: target.c[key]})


def _executemany(conn: Connection, stmt: _Positional, rows: Sequence[Row]) -> None:
    """Run stmt once per row through the driver's own executemany, the rows' values bound as their
    columns' types bind them.

    SQLAlchemy's executemany would do the same, but it builds every row's parameters in Python
    through its general machinery, which cost more than the sqlite3 module's own work."""
    with _driver_errors(conn, stmt.sql) as driver:
        driver.cursor().executemany(stmt.sql, _bound(conn, stmt.columns, rows))


def _copy(conn: Connection, into: str, columns: list[Column[Any]], rows: Sequence[Row]) -> None:
    """COPY rows' values of columns into the table named into, bound as the columns' types bind them."""
    quote = conn.dialect.identifier_preparer.quote
    sql = f"COPY {quote(into)} ({', '.join(quote(c.name) for c in columns)}) FROM STDIN"
    with _driver_errors(conn, sql) as driver, driver.cursor() as cur, cur.copy(sql) as copy:
        for values in _bound(conn, columns, rows):
            copy.write_row(values)


def _bound(conn: Connection, columns: Sequence[Column[Any]], rows: Sequence[Row]) -> Iterator[list[Any]]:
    """Each row's values of columns, in order, as the columns' types bind them (JSON serialised,
    decorated types processed, ...)."""
    names = [c.name for c in columns]
    convert = [(i, f) for i, c in enumerate(columns) if (f := _converter(conn, c)) is not None]
    pick = operator.itemgetter(*names) if len(names) > 1 else lambda row: (row[names[0]],)
    for row in rows:
        values = list(pick(row))
        for i, f in convert:
            values[i] = f(values[i])
        yield values


@contextmanager
def _driver_errors(conn: Connection, sql: str) -> Iterator[Any]:
    """The connection's driver connection, its errors raised as SQLAlchemy raises a statement's
    (IntegrityError, OperationalError, ...) so that callers handle both alike; a connection found
    lost is not handed back to the pool."""
    driver = conn.connection.driver_connection
    dbapi_error = conn.dialect.loaded_dbapi.Error
    try:
        yield driver
    except dbapi_error as exc:
        lost = conn.dialect.is_disconnect(exc, driver, None)
        if lost:
            conn.invalidate(exc)
        raise DBAPIError.instance(
            sql, None, exc, dbapi_error, connection_invalidated=lost, dialect=conn.dialect
        ) from exc


def _converter(conn: Connection, col: Column[Any]) -> Callable[[Any], Any] | None:
    """How a Python value of col becomes what COPY writes: None where psycopg dumps it as it is."""
    kind = col.type
    if isinstance(kind, JSON):
        serialise = getattr(conn.dialect, "_json_serializer", None) or json.dumps
        if kind.none_as_null:
            return lambda v: None if v is None else serialise(v)
        return serialise  # as SQLAlchemy binds it: None is JSON null
    return kind.dialect_impl(conn.dialect).bind_processor(conn.dialect)  # type: ignore[no-any-return]


def _stage_name(target: Table) -> str:
    return f"stage_{target.name}"


def _create_stage(conn: Connection, target: Table) -> Any:
    """A temporary table with target's columns and no constraints, made by a connection's first use
    (again if a rolled-back savepoint undid that). Each use takes its rows out, so it can serve twice
    in a transaction, and every commit empties its file: PostgreSQL does not vacuum temporary tables,
    so the dead rows would otherwise pile up for as long as the connection lives."""
    quote = conn.dialect.identifier_preparer.quote
    stage, source = quote(_stage_name(target)), quote(target.name)
    return text(  # names of the schema's own tables, quoted
        f"CREATE TEMPORARY TABLE IF NOT EXISTS {stage} ON COMMIT DELETE ROWS"  # noqa: S608
        f" AS SELECT * FROM {source} WITH NO DATA"
    )


def _stage(conn: Connection, target: Table, names: list[str], rows: Sequence[Row]) -> Any:
    """COPY rows into target's stage; return the staged rows as a CTE that takes them out as read."""
    conn.execute(_create_stage(conn, target))
    _copy(conn, _stage_name(target), [target.c[n] for n in names], rows)
    return _staged(target, tuple(names))


@functools.cache
def _staged(target: Table, names: tuple[str, ...]) -> Any:
    """The rows in target's stage, taken out of it as they are read (names: the columns copied)."""
    stage = table(_stage_name(target), *(column(n) for n in names))
    return delete(stage).returning(*stage.c).cte("staged")


@functools.cache
def _update_from_stage(target: Table, key: str, names: tuple[str, ...], forward: str | None) -> Any:
    staged = _staged(target, names)
    stmt = target.update().where(target.c[key] == staged.c[key])
    if forward is not None:
        stmt = stmt.where(_moves_forward(target.c[forward], staged.c[forward]))
    return stmt.values({n: staged.c[n] for n in names if n != key})


def _moves_forward(stored: Any, new: Any) -> Any:
    return or_(stored.is_(None), stored < new)
