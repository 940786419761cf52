"""One SQLite connection (WAL, synchronous=FULL) shared by threads under a lock, with a versioned schema."""

from __future__ import annotations

import secrets
import sqlite3
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

SCHEMA_VERSION = 7

SCHEMA_V1 = """
CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE clerks (
    id TEXT PRIMARY KEY,
    pin_hash BLOB NOT NULL,
    pin_salt BLOB NOT NULL,
    role TEXT NOT NULL CHECK (role IN ('clerk', 'supervisor')),
    failed_attempts INTEGER NOT NULL DEFAULT 0,
    locked_until REAL,
    created_at TEXT NOT NULL
);
CREATE TABLE parcels (
    tracking_id TEXT PRIMARY KEY,
    origin TEXT,
    destination TEXT,
    recipient_name TEXT,
    recipient_phone TEXT,
    cod_amount TEXT,
    fee TEXT,
    weight_g INTEGER,
    status TEXT NOT NULL,
    announced INTEGER NOT NULL DEFAULT 1,
    code_hash BLOB,
    code_salt BLOB,
    code_expires_at TEXT,
    code_attempts INTEGER NOT NULL DEFAULT 0,
    locked INTEGER NOT NULL DEFAULT 0,
    clerk TEXT,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL
);
CREATE TABLE manifests (tracking_id TEXT PRIMARY KEY, payload TEXT NOT NULL, received_at TEXT NOT NULL);
CREATE TABLE outbox (
    seq INTEGER PRIMARY KEY,
    id TEXT NOT NULL UNIQUE,
    type TEXT NOT NULL,
    payload BLOB NOT NULL,
    created_at REAL NOT NULL
);
CREATE TABLE booth_config (
    id INTEGER PRIMARY KEY CHECK (id = 1),
    payload TEXT NOT NULL,
    received_at TEXT NOT NULL
);
CREATE TABLE print_jobs (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    kind TEXT NOT NULL,
    tracking_id TEXT,
    content TEXT NOT NULL,
    status TEXT NOT NULL DEFAULT 'pending',
    detail TEXT NOT NULL DEFAULT '',
    created_at TEXT NOT NULL
);
CREATE TABLE audit (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    at TEXT NOT NULL,
    clerk TEXT,
    action TEXT NOT NULL,
    tracking_id TEXT,
    outcome TEXT NOT NULL
);
"""

# The counter: shelf, handover proof, returns and the day's cash close.
SCHEMA_V2 = """
ALTER TABLE parcels ADD COLUMN shelf TEXT;
ALTER TABLE parcels ADD COLUMN photo_sha256 TEXT;
ALTER TABLE parcels ADD COLUMN cod_collected TEXT;
ALTER TABLE parcels ADD COLUMN verified_by TEXT;
ALTER TABLE parcels ADD COLUMN delivered_at TEXT;
ALTER TABLE parcels ADD COLUMN business_date TEXT;
ALTER TABLE parcels ADD COLUMN return_reason TEXT;
ALTER TABLE parcels ADD COLUMN ready_at TEXT;
CREATE INDEX parcels_phone ON parcels (recipient_phone);
CREATE INDEX parcels_day ON parcels (business_date);
CREATE TABLE cash_days (
    business_date TEXT PRIMARY KEY,
    expected TEXT NOT NULL,
    counted TEXT NOT NULL,
    parcels INTEGER NOT NULL,
    reason TEXT,
    clerk TEXT NOT NULL,
    approved_by TEXT,
    closed_at TEXT NOT NULL
);
"""

# Devices: print jobs keep their document (reprint, preview); counter photos.
SCHEMA_V3 = """
ALTER TABLE print_jobs ADD COLUMN document TEXT;
ALTER TABLE print_jobs ADD COLUMN attempts INTEGER NOT NULL DEFAULT 0;
ALTER TABLE print_jobs ADD COLUMN printed_at TEXT;
CREATE INDEX print_jobs_status ON print_jobs (status);
CREATE TABLE photos (
    sha256 TEXT PRIMARY KEY,
    kind TEXT NOT NULL,
    tracking_id TEXT,
    width INTEGER NOT NULL,
    height INTEGER NOT NULL,
    jpeg BLOB NOT NULL,
    taken_at TEXT NOT NULL
);
CREATE INDEX photos_tracking ON photos (tracking_id)
"""

# The counter: a form submitted twice (walk-in intake) is recognised by its submission key.
SCHEMA_V4 = """
CREATE TABLE submissions (key TEXT PRIMARY KEY, tracking_id TEXT NOT NULL, at TEXT NOT NULL)
"""

# The return leg: why a manifest was sent here, the merchant of a pre-advised parcel, and a
# returned parcel's arrival back here and its handover to the sender.
SCHEMA_V5 = """
ALTER TABLE manifests ADD COLUMN purpose TEXT NOT NULL DEFAULT 'receive';
CREATE INDEX manifests_purpose ON manifests (purpose);
ALTER TABLE parcels ADD COLUMN merchant TEXT;
ALTER TABLE parcels ADD COLUMN return_arrived_at TEXT;
ALTER TABLE parcels ADD COLUMN return_collected_at TEXT;
ALTER TABLE parcels ADD COLUMN collected_by TEXT;
CREATE INDEX parcels_status ON parcels (status);
CREATE INDEX submissions_tracking ON submissions (tracking_id)
"""

# Sender identity: a walk-in sender's name and mobile taken at intake, and at a return's handback
# whether the collector matched that sender (1/0; NULL when no sender was recorded).
SCHEMA_V6 = """
ALTER TABLE parcels ADD COLUMN sender_name TEXT;
ALTER TABLE parcels ADD COLUMN sender_phone TEXT;
ALTER TABLE parcels ADD COLUMN sender_match INTEGER
"""

# A photo is a row of its own, each time one is taken: keyed by its sha256, a parcel's photo was
# lost when its bytes matched an earlier one (a still camera, a frozen frame, the simulator).
SCHEMA_V7 = """
CREATE TABLE photos_v7 (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    sha256 TEXT NOT NULL,
    kind TEXT NOT NULL,
    tracking_id TEXT,
    width INTEGER NOT NULL,
    height INTEGER NOT NULL,
    jpeg BLOB NOT NULL,
    taken_at TEXT NOT NULL
);
INSERT INTO photos_v7 (sha256, kind, tracking_id, width, height, jpeg, taken_at)
    SELECT sha256, kind, tracking_id, width, height, jpeg, taken_at FROM photos ORDER BY taken_at;
DROP TABLE photos;
ALTER TABLE photos_v7 RENAME TO photos;
CREATE INDEX photos_tracking ON photos (tracking_id);
CREATE INDEX photos_sha256 ON photos (sha256)
"""

MIGRATIONS = {
    1: SCHEMA_V1,
    2: SCHEMA_V2,
    3: SCHEMA_V3,
    4: SCHEMA_V4,
    5: SCHEMA_V5,
    6: SCHEMA_V6,
    7: SCHEMA_V7,
}


class Store:
    """The kiosk database; use `transaction()` for writes and `read()` for consistent reads."""

    def __init__(self, path: Path | str) -> None:
        if str(path) != ":memory:":
            Path(path).parent.mkdir(parents=True, exist_ok=True)
        self._conn = sqlite3.connect(str(path), check_same_thread=False, isolation_level=None, timeout=10)
        self._conn.row_factory = sqlite3.Row
        self._lock = threading.RLock()
        self._conn.execute("PRAGMA journal_mode=WAL")
        self._conn.execute("PRAGMA synchronous=FULL")
        self._conn.execute("PRAGMA foreign_keys=ON")
        self._migrate()

    def _migrate(self) -> None:
        with self._lock:
            version = self._conn.execute("PRAGMA user_version").fetchone()[0]
            if version > SCHEMA_VERSION:
                raise RuntimeError(f"database schema {version} is newer than this kiosk ({SCHEMA_VERSION})")
            for target in range(version + 1, SCHEMA_VERSION + 1):
                with self.transaction() as tx:
                    for statement in MIGRATIONS[target].split(";"):
                        if statement.strip():
                            tx.execute(statement)
                    if target == 1:
                        _seed_meta(tx)
                    tx.execute(f"PRAGMA user_version={target}")

    @contextmanager
    def transaction(self) -> Iterator[sqlite3.Connection]:
        """A write transaction (BEGIN IMMEDIATE): commits on success, rolls back on any exception."""
        with self._lock:
            self._conn.execute("BEGIN IMMEDIATE")
            try:
                yield self._conn
            except BaseException:
                self._conn.execute("ROLLBACK")
                raise
            self._conn.execute("COMMIT")

    @contextmanager
    def write(self) -> Iterator[sqlite3.Connection]:
        """Join the transaction this thread has open, or run a new one (helpers called from both)."""
        with self._lock:  # held by a transaction() block of this thread, or free
            if self._conn.in_transaction:
                yield self._conn
                return
        with self.transaction() as tx:
            yield tx

    @contextmanager
    def read(self) -> Iterator[sqlite3.Connection]:
        """The connection for reads, held exclusively for the block."""
        with self._lock:
            self._conn.execute("BEGIN")
            try:
                yield self._conn
            finally:
                self._conn.execute("COMMIT")

    def pragma(self, name: str) -> object:
        """Value of a PRAGMA (for checks and diagnostics)."""
        with self._lock:
            return self._conn.execute(f"PRAGMA {name}").fetchone()[0]

    def close(self) -> None:
        """Close the connection."""
        with self._lock:
            self._conn.close()


def _seed_meta(tx: sqlite3.Connection) -> None:
    rows = {
        "next_seq": "1",
        "acked_upto": "0",
        "next_serial": "0",
        "secret_key": secrets.token_hex(32),
    }
    tx.executemany("INSERT INTO meta (key, value) VALUES (?, ?)", rows.items())


def get_meta(tx: sqlite3.Connection, key: str) -> str:
    """A value from the meta table."""
    row = tx.execute("SELECT value FROM meta WHERE key = ?", (key,)).fetchone()
    if row is None:
        raise KeyError(key)
    return str(row[0])


def set_meta(tx: sqlite3.Connection, key: str, value: object) -> None:
    """Set a value in the meta table."""
    tx.execute("INSERT OR REPLACE INTO meta (key, value) VALUES (?, ?)", (key, str(value)))
