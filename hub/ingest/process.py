"""An ingest worker process: one MQTT client on the shared event subscription, applying batches.

Started by the main hub process (`--workers N`); the main process keeps web, notifications,
publisher and the status/health subscription.
"""

from __future__ import annotations

import logging
import queue
import signal
import threading
from types import FrameType

from hub.config import HubConfig
from hub.db.engine import make_engine
from hub.ingest.apply import Inbound
from hub.ingest.worker import IngestWorker
from hub.mqtt import MqttLink, event_subscription

log = logging.getLogger(__name__)

# Short enough that a worker removed for good does not hold a share of events for long (booths
# resend what is never acked); long enough to survive a crash and restart with its in-flight messages.
WORKER_SESSION_EXPIRY_S = 300


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
    engine = make_engine(cfg.database.url)  # the main process has migrated already
    inbox: queue.Queue[Inbound] = queue.Queue()
    broker = cfg.broker.model_copy(update={"client_id": worker_client_id(cfg, index)})
    link = MqttLink(
        broker, inbox, subscribe_to=event_subscription(), session_expiry_s=WORKER_SESSION_EXPIRY_S
    )
    ingest = IngestWorker(engine, inbox, link)
    ingest.name = f"hub-ingest-{index}"
    ingest.start()
    link.start()
    log.info("ingest worker %d running as %s", index, broker.client_id)
    try:
        while not stop.wait(0.5):
            if not ingest.is_alive():
                log.error("ingest thread died; exiting")
                return 1
    finally:
        link.stop()
        ingest.stop()
        ingest.join(10)
        engine.dispose()
    return 0
