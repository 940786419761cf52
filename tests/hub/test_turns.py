"""The writer turn on SQLite: writers in different processes take turns through a lock file beside
the database, hand over within milliseconds, time out like SQLite does, and never keep the turn past
their transaction."""

from __future__ import annotations

import fcntl
import gc
import os
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
from sqlalchemy import Engine, text
from sqlalchemy.exc import OperationalError

from hub.db import engine as engine_module
from hub.db.engine import make_engine
from hub.db.turns import turn_file

HOLD_S = 1.0

# A second process: takes a write transaction, says so, holds it HOLD_S, commits.
HOLDER = """
import sys, time
from sqlalchemy import text
from hub.db.engine import make_engine
engine = make_engine(sys.argv[1])
with engine.begin() as conn:
    conn.execute(text("INSERT INTO t VALUES ('holder')"))
    print("holding", flush=True)
    time.sleep(float(sys.argv[2]))
print("committed", flush=True)
"""


@pytest.fixture
def db(tmp_path: Path) -> tuple[str, Engine]:
    url = f"sqlite:///{tmp_path / 'hub.sqlite'}"
    engine = make_engine(url)
    with engine.begin() as conn:
        conn.execute(text("CREATE TABLE t (who TEXT)"))
    yield url, engine
    engine.dispose()


def _turn_is_taken(url: str) -> bool:
    """True when some writer holds the turn file's lock."""
    path = turn_file(url)
    assert path is not None
    fd = os.open(path, os.O_RDWR | os.O_CREAT)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        return True
    finally:
        os.close(fd)
    return False


def _holder(url: str, hold_s: float) -> subprocess.Popen[str]:
    proc = subprocess.Popen(
        [sys.executable, "-c", HOLDER, url, str(hold_s)], stdout=subprocess.PIPE, text=True
    )
    assert proc.stdout is not None and proc.stdout.readline().strip() == "holding"
    return proc


def test_turn_file_is_beside_a_sqlite_file_only(tmp_path: Path) -> None:
    assert turn_file(f"sqlite:///{tmp_path / 'hub.sqlite'}") == Path(f"{tmp_path / 'hub.sqlite'}.turn")
    assert turn_file("sqlite://") is None
    assert turn_file("sqlite:///:memory:") is None
    assert turn_file("sqlite:///file:x?mode=memory&uri=true") is None
    assert turn_file("postgresql+psycopg://u@localhost/db") is None


def test_a_writer_in_another_process_waits_for_the_turn_and_gets_it_at_once(db: tuple[str, Engine]) -> None:
    url, engine = db
    holder = _holder(url, HOLD_S)
    assert _turn_is_taken(url)
    began = time.monotonic()
    with engine.begin() as conn:  # waits for the other process's commit
        waited = time.monotonic() - began
        conn.execute(text("INSERT INTO t VALUES ('waiter')"))
    out, _ = holder.communicate(timeout=10)
    assert holder.returncode == 0 and out.strip() == "committed"
    assert HOLD_S * 0.8 <= waited <= HOLD_S + 2
    assert not _turn_is_taken(url)
    with engine.connect() as conn:
        rows = [r[0] for r in conn.execute(text("SELECT who FROM t ORDER BY rowid"))]
    assert rows == ["holder", "waiter"]  # the waiter wrote after the holder, and nothing was lost


def test_a_writer_that_waits_too_long_gets_database_is_locked(
    db: tuple[str, Engine], monkeypatch: pytest.MonkeyPatch
) -> None:
    url, engine = db
    monkeypatch.setattr(engine_module, "BUSY_TIMEOUT_MS", 300)
    holder = _holder(url, 3.0)
    try:
        began = time.monotonic()
        with pytest.raises(OperationalError, match="database is locked"), engine.begin() as conn:
            conn.execute(text("INSERT INTO t VALUES ('too late')"))
        assert time.monotonic() - began < 2.0
    finally:
        holder.communicate(timeout=10)
    with engine.begin() as conn:  # the refused writer kept no turn: the next one goes
        conn.execute(text("INSERT INTO t VALUES ('next')"))
        time.sleep(0.3)  # the refused writer's wait, which got the lock late, gave back only its own
        assert _turn_is_taken(url)
        assert [r[0] for r in conn.execute(text("SELECT who FROM t ORDER BY rowid"))] == ["holder", "next"]


@pytest.mark.parametrize("end", ["commit", "rollback"])
def test_the_turn_is_held_until_commit_or_rollback_has_returned(db: tuple[str, Engine], end: str) -> None:
    # A writer let in while COMMIT is still running (syncing to disk) finds SQLite locked and polls.
    url, engine = db
    held_at: dict[str, bool] = {}

    def trace(statement: str) -> None:
        if statement in ("COMMIT", "ROLLBACK"):
            held_at[statement] = _turn_is_taken(url)

    with engine.connect() as conn:
        conn.connection.dbapi_connection.set_trace_callback(trace)
        with conn.begin() as tx:
            conn.execute(text("INSERT INTO t VALUES ('traced')"))
            assert _turn_is_taken(url)
            getattr(tx, end)()
        assert held_at == {end.upper(): True}
        assert not _turn_is_taken(url)  # and the next writer may go at once
        conn.connection.dbapi_connection.set_trace_callback(None)
    assert _writes_within(url, 5)
    assert _whos(engine) == (["traced", "other"] if end == "commit" else ["other"])


def _writes_within(url: str, seconds: float) -> bool:
    """True when a writer on its own engine gets the turn within seconds."""
    other = make_engine(url)
    done = threading.Event()

    def write() -> None:
        with other.begin() as conn:
            conn.execute(text("INSERT INTO t VALUES ('other')"))
        done.set()

    threading.Thread(target=write, daemon=True).start()
    ok = done.wait(seconds)
    if ok:
        other.dispose()
    return ok


def test_rollback_and_a_connection_left_unclosed_give_the_turn_back(db: tuple[str, Engine]) -> None:
    url, engine = db
    with pytest.raises(RuntimeError), engine.begin() as conn:
        conn.execute(text("INSERT INTO t VALUES ('rolled back')"))
        raise RuntimeError("a fault mid-transaction")
    assert _writes_within(url, 5)
    leaked = engine.connect()
    leaked.execute(text("INSERT INTO t VALUES ('leaked')"))  # a transaction begun and never ended
    assert _turn_is_taken(url)
    assert not _writes_within(url, 0.5)  # it holds the turn (that writer waits on) ...
    del leaked
    gc.collect()  # ... until the pool takes the connection back (and rolls it back)
    assert _writes_within(url, 5)
    deadline = time.monotonic() + 5
    while _whos(engine) != ["other"] * 3:  # the writer that waited got its turn too
        assert time.monotonic() < deadline, _whos(engine)
        time.sleep(0.05)


def _whos(engine: Engine) -> list[str]:
    with engine.connect() as conn:
        return [r[0] for r in conn.execute(text("SELECT who FROM t"))]


def test_a_killed_writer_gives_the_turn_back(db: tuple[str, Engine]) -> None:
    url, engine = db
    holder = _holder(url, 60)
    holder.kill()  # kill -9 mid-transaction: the kernel drops its lock with its files
    holder.communicate(timeout=10)
    began = time.monotonic()
    with engine.begin() as conn:
        conn.execute(text("INSERT INTO t VALUES ('after the crash')"))
    assert time.monotonic() - began < 2.0
    assert _whos(engine) == ["after the crash"]
