"""The alert worker: evaluates rules over the fleet, opens and resolves alerts, expires commands, pages on-call."""

from __future__ import annotations

import logging
import threading
import time
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Connection, Engine, func, select
from sqlalchemy.exc import SQLAlchemyError

from hub import commands
from hub.alerts import oncall, rules, store
from hub.clock import utcnow
from hub.config import MonitoringConfig
from hub.db.schema import booths, events, parcels
from hub.notify.drivers import SmsDriver

log = logging.getLogger(__name__)


def extra_conditions(conn: Connection, cfg: MonitoringConfig, now: datetime) -> dict[str, dict[str, Any]]:
    """Per booth: a seq gap (events stored beyond the contiguous ack) and parcels uncollected too long."""
    out: dict[str, dict[str, Any]] = {}
    tops = conn.execute(
        select(events.c.booth, func.max(events.c.seq), booths.c.ack_upto)
        .join(booths, booths.c.booth_id == events.c.booth)
        .group_by(events.c.booth, booths.c.ack_upto)
    ).all()
    for booth_id, top, upto in tops:
        if top is not None and top > (upto or 0):
            out.setdefault(booth_id, {})["gap"] = f"seq {int(upto or 0) + 1} missing; events up to {top} held"
    cutoff = now - timedelta(days=cfg.uncollected_days)
    stale = conn.execute(
        select(parcels.c.destination, func.count())
        .where(parcels.c.status == "ready", parcels.c.updated_at < cutoff)
        .group_by(parcels.c.destination)
    ).all()
    for dest, count in stale:
        if dest:
            out.setdefault(dest, {})["uncollected"] = int(count)
    return out


class AlertWorker(threading.Thread):
    """Every evaluate_every_s: rules over the fleet's rows, with hysteresis, then on-call SMS."""

    def __init__(
        self,
        engine: Engine,
        fleet: Any,
        cfg: MonitoringConfig,
        driver: SmsDriver,
        reader: Engine | None = None,
    ) -> None:
        super().__init__(name="hub-alerts", daemon=True)
        self.engine = engine
        self.reader = reader or engine
        self.fleet = fleet
        self.cfg = cfg
        self.driver = driver
        self.debounce = rules.Debounce()
        self.stopping = threading.Event()

    def stop(self) -> None:
        """Ask the loop to return."""
        self.stopping.set()

    def run(self) -> None:
        """Evaluate until stopped; database errors are logged and retried next round."""
        self.fleet.ready.wait(30)
        while not self.stopping.is_set():
            try:
                self.step(utcnow(), time.monotonic())
            except SQLAlchemyError:
                log.exception("alert evaluation failed")
            self.stopping.wait(self.cfg.evaluate_every_s)

    def step(self, now: datetime, mono: float) -> None:
        """One round: open, resolve, expire commands, send due on-call SMS."""
        _version, rows = self.fleet.snapshot()
        with self.reader.connect() as conn:
            extra = extra_conditions(conn, self.cfg, now)
        with self.engine.begin() as conn:
            holding: dict[tuple[str, str], str] = {}
            for row in rows:
                if row["state"] == "never":
                    continue
                for kind, detail in rules.conditions(row, self.cfg, extra.get(row["id"], {})).items():
                    holding[(row["id"], kind)] = detail
            opened = store.open_keys(conn)
            to_open, to_resolve = self.debounce.step(holding, set(opened), mono, self.cfg)
            for (booth_id, kind), detail in to_open.items():
                alert_id = store.open_alert(conn, booth_id, kind, detail, now)
                log.warning("alert %d opened: %s %s: %s", alert_id, booth_id, kind, detail)
                oncall.queue_alert_sms(conn, alert_id, booth_id, kind, detail, self.cfg.oncall_sms, now)
            for key in to_resolve:
                store.resolve(conn, opened[key], now)
                log.info("alert %d resolved: %s %s", opened[key], *key)
            commands.expire(conn, now)
        oncall.send_due(self.engine, self.driver, now)
