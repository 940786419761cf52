"""Turn-taking between the connections (in every process) that write one SQLite file.

SQLite lets one writer in at a time, and a writer that finds the file locked polls for it with
sleeps of 1 ms growing to 100 ms: two ingest workers spent much of their time asleep. Every write
transaction on a file-backed SQLite database first takes an exclusive `flock` on a file beside it
(`<database>.turn`). A waiting writer sleeps in the kernel, which wakes it the moment the lock is
released, so the next writer starts at once (asking again and again instead, as SQLite does, costs
every other process on the machine: tracking requests answered slower by a third), and meanwhile a
worker reads and validates its next batch. A writer that waits longer than the busy timeout gets
"database is locked", as it would from SQLite itself. PostgreSQL and in-memory databases take no
turns.
"""

from __future__ import annotations

import fcntl
import os
import threading
from pathlib import Path

from sqlalchemy.engine import make_url


class TurnTimeout(Exception):
    """The writer turn did not come within the timeout."""


class WriterTurn:
    """One connection's hold on the database's writer turn (a no-op without a turn file)."""

    def __init__(self, path: Path | None) -> None:
        self.path = path
        self._fd: int | None = None  # the open turn file whose lock is held

    def take(self, timeout_s: float) -> None:
        """Wait up to timeout_s for the turn and hold it; TurnTimeout when it does not come."""
        if self.path is None or self._fd is not None:
            return
        # A new open file each time: a lock belongs to its open file, so a wait that timed out and
        # gets the lock later can never hand back a turn taken since.
        fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o600)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            if not _wait_for_lock(fd, timeout_s):  # the waiting thread now owns fd
                raise TurnTimeout(f"database is locked: no writer turn in {timeout_s:g} s") from None
        self._fd = fd

    def give_back(self) -> None:
        """Let the next writer in (closing the file drops its lock; nothing else stays open)."""
        if self._fd is not None:
            fd, self._fd = self._fd, None
            os.close(fd)


def _wait_for_lock(fd: int, timeout_s: float) -> bool:
    """Block in the kernel until fd's lock is ours, for at most timeout_s; True when it is.

    The blocking call runs in a helper thread, since it cannot time out by itself: the kernel wakes
    it the moment the lock is free (no polling). After a timeout the helper closes fd as soon as it
    gets the lock, which gives it straight back.
    """
    got = threading.Event()
    guard = threading.Lock()
    abandoned = [False]

    def wait() -> None:
        fcntl.flock(fd, fcntl.LOCK_EX)
        with guard:
            if abandoned[0]:
                os.close(fd)
                return
            got.set()

    threading.Thread(target=wait, name="writer-turn-wait", daemon=True).start()
    if got.wait(timeout_s):
        return True
    with guard:
        if got.is_set():
            return True
        abandoned[0] = True
    return False


def turn_file(url: str) -> Path | None:
    """The turn file of a file-backed SQLite database (`<file>.turn`), else None."""
    parsed = make_url(url)
    if parsed.get_backend_name() != "sqlite" or parsed.database in (None, "", ":memory:"):
        return None
    if parsed.query.get("mode") == "memory":
        return None
    return Path(f"{parsed.database}.turn")
