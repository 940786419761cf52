"""Tell on-call staff of a new alert by SMS through the hub's SMS driver; rows live in notifications."""

from __future__ import annotations

import logging
from datetime import datetime, timedelta

from sqlalchemy import Connection, Engine, select

from hub.db.schema import alerts, notifications
from hub.notify.drivers import SmsDriver, SmsError

log = logging.getLogger(__name__)

# The parcel notifier sends only status "pending"; these rows use their own statuses.
QUEUED = "oncall"
MAX_ATTEMPTS = 5


def queue_alert_sms(
    conn: Connection, alert_id: int, booth_id: str, kind: str, detail: str, phones: list[str], now: datetime
) -> None:
    """Queue one SMS per on-call phone for a newly opened alert (once per alert and phone)."""
    for phone in phones:
        cause = f"alert:{alert_id}:{phone}"
        if conn.execute(select(notifications.c.id).where(notifications.c.cause == cause)).first():
            continue
        conn.execute(
            notifications.insert().values(
                cause=cause[:80],
                channel="sms",
                to=phone[:32],
                booth=booth_id,
                status=QUEUED,
                attempts=0,
                next_attempt_at=now,
                created_at=now,
                last_error=None,
                provider_id=None,
                code=None,
                tracking_id=None,
            )
        )
        log.info("on-call SMS queued for alert %d (%s %s)", alert_id, booth_id, kind)


def alert_text(booth_id: str, kind: str, detail: str) -> str:
    """The on-call SMS: one 160-character GSM part."""
    return f"DakBooth alert {booth_id} {kind}: {detail}"[:160]


def send_due(engine: Engine, driver: SmsDriver, now: datetime) -> int:
    """Send queued on-call SMS that are due; return how many were sent."""
    with engine.connect() as conn:
        due = conn.execute(
            select(notifications).where(
                notifications.c.status == QUEUED,
                notifications.c.next_attempt_at <= now,
                notifications.c.cause.like("alert:%"),
            )
        ).all()
        ids = {int(r.cause.split(":")[1]) for r in due}
        found = conn.execute(select(alerts).where(alerts.c.id.in_(ids))).all() if ids else []
    about = {a.id: a for a in found}
    sent = 0
    for row in due:
        values: dict[str, object]
        try:
            alert = about.get(int(row.cause.split(":")[1]))
            text = (
                alert_text(row.booth, alert.kind, alert.detail) if alert else f"DakBooth alert at {row.booth}"
            )
            provider_id = driver.send(row.to, text)
            values = {"status": "sent", "sent_at": now, "provider_id": str(provider_id)[:128]}
            sent += 1
        except SmsError as exc:
            attempts = row.attempts + 1
            values = {
                "attempts": attempts,
                "last_error": str(exc)[:500],
                "status": "failed" if attempts >= MAX_ATTEMPTS else QUEUED,
                "next_attempt_at": now + timedelta(seconds=30 * 2**attempts),
            }
        with engine.begin() as conn:
            conn.execute(notifications.update().where(notifications.c.id == row.id).values(**values))
    return sent
