"""The hub process: migrate, then run web, ingest, notifier and publisher until told to stop."""

from __future__ import annotations

import logging
import queue
import signal
import threading
from pathlib import Path
from types import FrameType

from waitress.server import create_server

from hub.alerts.worker import AlertWorker
from hub.config import HubConfig
from hub.db.engine import make_engine, migrate
from hub.ingest.apply import Inbound
from hub.ingest.procs import WorkerPool
from hub.ingest.worker import IngestWorker
from hub.merchant.sender import WebhookSender, WebhookThread
from hub.merchant.webhook_targets import TargetPolicy
from hub.monitoring.live import FleetBroadcaster
from hub.monitoring.reader import reader_engine
from hub.mqtt import MqttLink, event_subscription, subscriptions
from hub.notify.delivery import ReportRecorder
from hub.notify.drivers import make_driver
from hub.notify.email import make_mailer
from hub.notify.reminders import ReminderRound, ReminderThread
from hub.notify.smpp import SmppDriver
from hub.notify.worker import Notifier, NotifierThread
from hub.publisher import Publisher
from hub.session_key import session_key
from hub.web import WebContext, create_app
from hub.web.ratelimit import TokenBuckets

log = logging.getLogger(__name__)


class WebServer(threading.Thread):
    """waitress in a thread we own: polled so that stop() returns promptly and closes every socket."""

    def __init__(self, app: object, host: str, port: int) -> None:
        super().__init__(name="hub-web", daemon=True)
        self._map: dict[int, object] = {}
        self.server = create_server(app, host=host, port=port, map=self._map, threads=32)
        self.stopping = threading.Event()

    @property
    def address(self) -> tuple[str, int]:
        """The host and port actually bound."""
        return str(self.server.effective_host), int(self.server.effective_port)

    def run(self) -> None:
        """Serve until stopped."""
        while not self.stopping.is_set() and self._map:
            self.server.asyncore.loop(timeout=0.2, map=self._map, count=1)
        self.server.close()
        self.server.asyncore.close_all(self._map)
        self.server.task_dispatcher.shutdown()

    def stop(self) -> None:
        """Ask the loop to close the server."""
        self.stopping.set()


def serve(cfg: HubConfig, workers: int = 0, config_path: Path | None = None) -> int:
    """Run the hub until SIGTERM or SIGINT; return the exit status."""
    stop = threading.Event()

    def _on_signal(signum: int, _frame: FrameType | None) -> None:
        log.info("signal %d: stopping", signum)
        stop.set()

    signal.signal(signal.SIGTERM, _on_signal)
    signal.signal(signal.SIGINT, _on_signal)

    engine = make_engine(cfg.database.url)
    migrate(engine)
    inbox: queue.Queue[Inbound] = queue.Queue()
    if workers:
        # Events go to the worker processes; this process keeps status, health and command results.
        events_only = [topic for topic, _ in event_subscription()]
        link = MqttLink(
            cfg.broker,
            inbox,
            subscribe_to=[s for s in subscriptions() if s[0] not in events_only],
            unsubscribe_from=events_only,
        )
    else:
        link = MqttLink(cfg.broker, inbox)
    ingest = IngestWorker(engine, inbox, link)
    reader = reader_engine(engine)
    publisher = Publisher(engine, link, reader)
    # One SMS driver for the notifier and the on-call alerts: one SMPP session, its receipts recorded.
    sms = make_driver(cfg.sms, ReportRecorder(engine))
    if isinstance(sms, SmppDriver):
        sms.start()
    mailer = make_mailer(cfg.email)
    notifier = NotifierThread(Notifier(engine, sms, mailer=mailer, reader=reader))
    reminders = ReminderThread(ReminderRound(engine, cfg.notify), cfg.notify.every_s)
    fleet = FleetBroadcaster(reader, cfg.monitoring.fleet_poll_s)
    alerter = AlertWorker(engine, fleet, cfg.monitoring, sms, reader)
    webhook_policy = TargetPolicy.allowing(cfg.webhooks.allow_networks)
    track_limit = TokenBuckets(capacity=cfg.http.track_burst, per_second=cfg.http.track_per_second)
    app = create_app(
        WebContext(
            engine=engine,
            mqtt_connected=lambda: link.connected,
            fleet=fleet,
            track_limit=track_limit,
            reader=reader,
            sms_callback_token=cfg.sms.callback_token,
            webhook_policy=webhook_policy,
            secret_key=session_key(engine),
        )
    )
    web = WebServer(app, cfg.http.host, cfg.http.port)
    threads: list[IngestWorker | Publisher | NotifierThread | WebServer] = [ingest, publisher, notifier, web]
    webhook_sender = WebhookThread(WebhookSender(engine, policy=webhook_policy))
    threads.append(webhook_sender)  # type: ignore[arg-type]
    threads += [fleet, alerter, reminders]  # type: ignore[list-item]
    if workers:
        if config_path is None:
            raise ValueError("worker processes need the config file's path")
        threads.append(WorkerPool(config_path, workers))  # type: ignore[arg-type]
    for thread in threads:
        thread.start()
    link.start()
    host, port = web.address
    print(f"hub ready http://{host}:{port}", flush=True)
    try:
        while not stop.wait(0.5):
            dead = [t.name for t in threads if not t.is_alive()]
            if dead:
                log.error("thread(s) died: %s; stopping", ", ".join(dead))
                return 1
    finally:
        web.stop()
        link.stop()
        for thread in threads:
            thread.stop()
        for thread in threads:
            thread.join(10)
        sms.close()
        if mailer is not None:
            mailer.close()
        engine.dispose()
        log.info("hub stopped")
    return 0
