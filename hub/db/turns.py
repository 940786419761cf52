"""Turn-taking between the connections (in every process) that write one SQLite file.

SQLite lets one writer in at a time, and a writer that finds the file locked polls for it with
sleeps of 1 ms growing to 100 ms: two ingest workers spent much of their time asleep. Every write
transaction on a file-backed SQLite database first takes an exclusive `flock` on a file beside it
(`<database>.turn`), asking again every 0.2 to 1 ms while another writer has it, so the next writer
starts within a millisecond of the last one's end, and meanwhile a worker reads and validates its
next batch. A writer that waits longer than the busy timeout gets "database is locked", as it would
from SQLite itself. PostgreSQL and in-memory databases take no turns.
"""

from __future__ import annotations

import fcntl
import os
import time
from pathlib import Path

from sqlalchemy.engine import make_url

FIRST_PAUSE_S = 0.0002
LAST_PAUSE_S = 0.001


class TurnTimeout(Exception):
    """The writer turn did not come within the timeout."""


class WriterTurn:
    """One connection's hold on the database's writer turn (a no-op without a turn file)."""

    def __init__(self, path: Path | None) -> None:
        self.path = path
        self._fd: int | None = None
        self.held = False

    def take(self, timeout_s: float) -> None:
        """Wait up to timeout_s for the turn and hold it; TurnTimeout when it does not come."""
        if self.path is None or self.held:
            return
        if self._fd is None:
            self._fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o600)
        deadline = time.monotonic() + timeout_s
        pause = FIRST_PAUSE_S
        while True:
            try:
                fcntl.flock(self._fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                if time.monotonic() >= deadline:
                    raise TurnTimeout(f"database is locked: no writer turn in {timeout_s:.0f} s") from None
                time.sleep(pause)
                pause = min(pause * 2, LAST_PAUSE_S)
                continue
            self.held = True
            return

    def give_back(self) -> None:
        """Let the next writer in."""
        if self._fd is not None and self.held:
            fcntl.flock(self._fd, fcntl.LOCK_UN)
        self.held = False

    def close(self) -> None:
        """Close the turn file (which gives the turn back)."""
        if self._fd is not None:
            os.close(self._fd)
        self._fd = None
        self.held = False


def turn_file(url: str) -> Path | None:
    """The turn file of a file-backed SQLite database (`<file>.turn`), else None."""
    parsed = make_url(url)
    if parsed.get_backend_name() != "sqlite" or parsed.database in (None, "", ":memory:"):
        return None
    if parsed.query.get("mode") == "memory":
        return None
    return Path(f"{parsed.database}.turn")
