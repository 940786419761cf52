"""An ingest worker process: one MQTT client on the shared event subscription, applying batches.

Started by the main hub process (`--workers N`); the main process keeps web, notifications,
publisher and the status/health subscription.
"""

from __future__ import annotations

import gc
import logging
import os
import signal
import threading
from types import FrameType

from hub.config import HubConfig
from hub.db.engine import make_engine
from hub.ingest.loop import IngestLoop

log = logging.getLogger(__name__)

# Short enough that a worker removed for good does not hold a share of events for long (booths
# resend what is never acked); long enough to survive a crash and restart with its in-flight messages.
WORKER_SESSION_EXPIRY_S = 300
PARENT_CHECK_S = 1.0
GC_THRESHOLD = 100_000
# Ingest is throughput work and catches up by itself; the main process answers people (tracking,
# merchants, the monitoring cell). A lower CPU priority lets those requests go first on busy cores.
WORKER_NICE = 5


def worker_client_id(cfg: HubConfig, index: int) -> str:
    """The MQTT client id of ingest worker index: its own persistent session."""
    return f"{cfg.broker.client_id}-ingest-{index}"


def serve_ingest(cfg: HubConfig, index: int) -> int:
    """Run one ingest worker until SIGTERM or SIGINT; return the exit status."""
    stop = threading.Event()

    def _on_signal(signum: int, _frame: FrameType | None) -> None:
        stop.set()

    signal.signal(signal.SIGTERM, _on_signal)
    signal.signal(signal.SIGINT, _on_signal)
    threading.Thread(
        target=_watch_parent, args=(os.getppid(), stop), name="hub-parent-watch", daemon=True
    ).start()
    engine = make_engine(cfg.database.url)  # the main process has migrated already
    tune_collector()
    os.nice(WORKER_NICE)
    broker = cfg.broker.model_copy(update={"client_id": worker_client_id(cfg, index)})
    log.info("ingest worker %d running as %s", index, broker.client_id)
    try:
        IngestLoop(broker, engine, WORKER_SESSION_EXPIRY_S).run(stop)
    finally:
        engine.dispose()
    return 0


def _watch_parent(parent: int, stop: threading.Event) -> None:
    """Stop when the hub process that started this worker is gone (killed, crashed): a worker left
    behind would keep its client id and fight the worker a restarted hub starts under that id."""
    while not stop.wait(PARENT_CHECK_S):
        if os.getppid() != parent:
            log.error("the hub process %d is gone; stopping", parent)
            stop.set()


def tune_collector() -> None:
    """Make the cyclic garbage collector cheap for ingest: each message allocates many short-lived
    objects, so at the default threshold (700) it runs every few messages, each time walking every
    object the libraries made at start-up. Those are frozen out of its walks, and it runs every
    GC_THRESHOLD allocations instead; reference counting still frees nearly everything at once."""
    gc.freeze()
    gc.set_threshold(GC_THRESHOLD, 20, 20)
