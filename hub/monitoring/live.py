"""The fleet broadcaster: keeps every booth's row in memory and publishes coalesced deltas.

One thread polls the database once a second (so it sees every hub process's ingest), re-derives
each booth's row, and records the rows that changed as one delta with a version number. Server-sent
event streams wait on it and send only deltas; a client too far behind reloads the snapshot.
"""

from __future__ import annotations

import gzip
import json
import logging
import threading
import time
from collections import deque
from typing import Any

from sqlalchemy import Engine
from sqlalchemy.exc import SQLAlchemyError

from hub.clock import utcnow
from hub.monitoring import fleet

log = logging.getLogger(__name__)

KEEP_DELTAS = 300
SLOW_EVERY_S = 10.0
# A heartbeat alone moves "seen" and disk space; such a row is re-sent at most this often.
RESEND_SEEN_S = 120.0
VOLATILE = ("seen", "disk")
SNAPSHOT_MAX_AGE_S = 2.0


def _differs(old: dict[str, Any] | None, new: dict[str, Any]) -> bool:
    """True when the row must travel: a material change, or only a heartbeat but a long time ago."""
    if old is None:
        return True
    if any(old[k] != new[k] for k in new if k not in VOLATILE):
        return True
    return (new["seen"] or 0) - (old["seen"] or 0) >= RESEND_SEEN_S


class FleetBroadcaster(threading.Thread):
    """Polls booths, diffs rows and wakes SSE streams with deltas."""

    def __init__(self, engine: Engine, interval_s: float = 1.0) -> None:
        super().__init__(name="hub-fleet", daemon=True)
        self.engine = engine
        self.interval_s = interval_s
        self.stopping = threading.Event()
        self.ready = threading.Event()
        self._cond = threading.Condition()
        self._rows: dict[str, dict[str, Any]] = {}
        self._raw: dict[str, fleet.BoothRaw] = {}
        self._health: dict[str, dict[str, Any]] = {}
        self._sites: dict[str, dict[str, Any]] = {}
        self._slow: dict[str, dict[str, Any]] = {}
        self._deltas: deque[tuple[int, dict[str, dict[str, Any]]]] = deque(maxlen=KEEP_DELTAS)
        self.version = 0
        self._slow_at = 0.0
        self._snapshot_body: bytes | None = None
        self._snapshot_at = 0.0
        self._build_lock = threading.Lock()

    def stop(self) -> None:
        """Stop polling and release every waiting stream."""
        self.stopping.set()
        with self._cond:
            self._cond.notify_all()

    def run(self) -> None:
        """Poll until stopped; a database hiccup is logged and retried on the next tick."""
        while not self.stopping.is_set():
            started = time.monotonic()
            try:
                self.tick()
            except SQLAlchemyError:
                log.exception("fleet poll failed")
            self.ready.set()
            self.stopping.wait(max(0.05, self.interval_s - (time.monotonic() - started)))

    def tick(self) -> None:
        """One poll: read, re-derive, and publish the rows that changed as one delta."""
        now = utcnow()
        slow_due = time.monotonic() - self._slow_at >= SLOW_EVERY_S
        with self.engine.connect() as conn:
            raw = fleet.read_booths(conn, None if slow_due else self._raw)
            if slow_due:
                self._sites = fleet.read_sites(conn)
                self._slow = fleet.read_slow(conn, now)
                self._slow_at = time.monotonic()
        dirty: set[str] = set()
        for booth_id, r in raw.items():
            old = self._raw.get(booth_id)
            if old is None or old.health_text != r.health_text:
                self._health[booth_id] = fleet.health_fields(r.health_text)
            if old != r:
                dirty.add(booth_id)
        self._raw = raw
        changed: dict[str, dict[str, Any]] = {}
        for booth_id in raw.keys() | self._sites.keys():
            cached = self._rows.get(booth_id)
            # Rebuild a row only when its inputs changed or time alone moved its state (silent).
            if (
                cached is not None
                and not slow_due
                and booth_id not in dirty
                and cached["state"] == fleet.derive_state(raw.get(booth_id), now)
            ):
                continue
            row = fleet.make_row(
                booth_id,
                raw.get(booth_id),
                self._sites.get(booth_id),
                self._slow.get(booth_id),
                self._health.get(booth_id) or fleet.health_fields(None),
                now,
            )
            if _differs(self._rows.get(booth_id), row):
                changed[booth_id] = row
        if not changed and self.version:
            return
        with self._cond:
            self._rows.update(changed)
            self.version += 1
            self._deltas.append((self.version, changed))
            self._cond.notify_all()

    def snapshot(self) -> tuple[int, list[dict[str, Any]]]:
        """The current version and every booth's row, in booth id order."""
        with self._cond:
            return self.version, [self._rows[k] for k in sorted(self._rows)]

    def snapshot_gzip(self) -> bytes:
        """The snapshot as gzipped JSON {version, booths}, rebuilt at most every 2 s and shared by requests."""
        with self._build_lock:
            body = self._snapshot_body
            # A snapshot a little behind is still exact: the stream resumes from its version.
            if body is None or time.monotonic() - self._snapshot_at > SNAPSHOT_MAX_AGE_S:
                with self._cond:  # rows are replaced, never mutated: the references stay consistent
                    version, rows = self.version, [self._rows[k] for k in sorted(self._rows)]
                text = json.dumps({"version": version, "booths": rows}, separators=(",", ":"))
                body = self._snapshot_body = gzip.compress(text.encode(), compresslevel=1)
                self._snapshot_at = time.monotonic()
            return body

    def row(self, booth_id: str) -> dict[str, Any] | None:
        """One booth's current row."""
        with self._cond:
            return self._rows.get(booth_id)

    def changes_since(self, version: int, timeout: float) -> tuple[int, list[dict[str, Any]] | None]:
        """Wait up to timeout for versions after version; return (latest, rows) or rows None to reload."""
        with self._cond:
            if self.version <= version:
                self._cond.wait(timeout)
            if self.version <= version:
                return self.version, []
            if not self._deltas or self._deltas[0][0] > version + 1:
                return self.version, None
            merged: dict[str, dict[str, Any]] = {}
            for v, rows in self._deltas:
                if v > version:
                    merged.update(rows)
            return self.version, list(merged.values())
