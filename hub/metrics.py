"""Prometheus metrics of the hub, read from the database at scrape time (so every hub process agrees)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta

from prometheus_client import CollectorRegistry, generate_latest
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily, Metric
from prometheus_client.registry import Collector
from sqlalchemy import Engine, func, select

from hub.clock import utcnow
from hub.db.schema import alerts, booths, events, notifications
from hub.monitoring.fleet import STALE_AFTER_S

LAG_WINDOW = timedelta(minutes=5)


class HubCollector(Collector):
    """Booths online, events ingested, ingest lag, notifications sent/failed, alerts open."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    def collect(self) -> Iterator[Metric]:
        """Query the database and yield the metric families."""
        now = utcnow()
        with self.engine.connect() as conn:
            online = conn.execute(
                select(func.count()).where(
                    booths.c.state == "online", booths.c.last_seen >= now - timedelta(seconds=STALE_AFTER_S)
                )
            ).scalar_one()
            total = conn.execute(select(func.count()).select_from(booths)).scalar_one()
            ingested = conn.execute(select(func.count()).select_from(events)).scalar_one()
            recent = conn.execute(
                select(events.c.at, events.c.received_at).where(events.c.received_at >= now - LAG_WINDOW)
            ).all()
            notes = conn.execute(
                select(notifications.c.status, func.count()).group_by(notifications.c.status)
            ).all()
            reports = conn.execute(
                select(notifications.c.channel, notifications.c.delivery_status, func.count())
                .where(notifications.c.status == "sent")
                .group_by(notifications.c.channel, notifications.c.delivery_status)
            ).all()
            open_alerts = conn.execute(
                select(alerts.c.kind, func.count())
                .where(alerts.c.status != "resolved")
                .group_by(alerts.c.kind)
            ).all()
        g = GaugeMetricFamily("dakbooth_booths", "Booths known to the hub, by state", labels=["state"])
        g.add_metric(["online"], online)
        g.add_metric(["not_online"], total - online)
        yield g
        yield CounterMetricFamily(
            "dakbooth_events_ingested", "Booth events stored by the hub", value=ingested
        )
        lags = sorted((r.received_at - r.at).total_seconds() for r in recent)
        lag = GaugeMetricFamily(
            "dakbooth_ingest_lag_seconds",
            "Event time to hub commit over the last 5 minutes",
            labels=["quantile"],
        )
        for q in (0.5, 0.95, 1.0):
            lag.add_metric([str(q)], max(0.0, lags[min(len(lags) - 1, int(q * len(lags)))]) if lags else 0.0)
        yield lag
        n = GaugeMetricFamily("dakbooth_notifications", "Notifications by status", labels=["status"])
        for status, count in notes:
            n.add_metric([status], count)
        yield n
        d = GaugeMetricFamily(
            "dakbooth_notifications_delivery",
            "Sent notifications by channel and delivery report (pending: no final report yet)",
            labels=["channel", "delivery"],
        )
        for channel, delivery, count in reports:
            d.add_metric([channel, delivery or "pending"], count)
        yield d
        a = GaugeMetricFamily("dakbooth_alerts_open", "Alerts not resolved, by kind", labels=["kind"])
        for kind, count in open_alerts:
            a.add_metric([kind], count)
        yield a


def render(engine: Engine) -> bytes:
    """The Prometheus text exposition of the hub's metrics."""
    registry = CollectorRegistry(auto_describe=False)
    registry.register(HubCollector(engine))
    return generate_latest(registry)
