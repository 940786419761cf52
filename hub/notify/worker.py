"""The notification worker: sends due SMS from the outbox with retries and exponential backoff.

Delivery is at least once: a row is marked sent in a commit after the gateway accepted it, so a
crash (or a lost gateway answer) between the two sends that SMS again on the next round. Every
attempt carries the row's cause as the gateway's idempotency key (HTTP: `Idempotency-Key`), so a
gateway that deduplicates turns that window into exactly one SMS; one that does not may deliver a
duplicate when the hub crashed, or lost the gateway's answer, after the gateway had accepted it.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Engine, Row, select
from sqlalchemy.exc import SQLAlchemyError

from hub.clock import utcnow
from hub.db.schema import notifications, parcels
from hub.notify.drivers import SmsDriver, SmsError
from hub.notify.templates import ready_text

log = logging.getLogger(__name__)

POLL_S = 0.5
FIRST_RETRY_S = 2
MAX_RETRY_S = 300
WAIT_RECIPIENT_S = 5
PAGE = 50


def backoff(attempts: int) -> timedelta:
    """Delay before the next try after `attempts` failures: 2 s, 4 s, 8 s, ... capped at 5 min."""
    return timedelta(seconds=min(FIRST_RETRY_S * 2 ** max(attempts - 1, 0), MAX_RETRY_S))


class Notifier:
    """Sends pending notifications; one call to run_once() is one round."""

    def __init__(self, engine: Engine, driver: SmsDriver, clock: Callable[[], datetime] = utcnow) -> None:
        self.engine = engine
        self.driver = driver
        self.clock = clock

    def run_once(self) -> int:
        """Try every due notification once; return how many were sent."""
        now = self.clock()
        with self.engine.begin() as conn:
            due = conn.execute(
                select(notifications)
                .where(notifications.c.status == "pending", notifications.c.next_attempt_at <= now)
                .order_by(notifications.c.next_attempt_at, notifications.c.id)
                .limit(PAGE)
            ).all()
        return sum(self._one(row) for row in due)

    def _one(self, row: Row[Any]) -> bool:
        now = self.clock()
        with self.engine.begin() as conn:
            recipient = conn.execute(
                select(parcels.c.recipient_phone).where(parcels.c.tracking_id == row.tracking_id)
            ).scalar()
        if recipient is None:
            # The acceptance has not reached the hub yet: wait for it without counting an attempt.
            self._update(row.id, next_attempt_at=now + timedelta(seconds=WAIT_RECIPIENT_S))
            return False
        text = ready_text(row.tracking_id, row.booth, row.code, row.expires_at)
        try:
            provider_id = self.driver.send(recipient, text, secret=row.code, key=row.cause)
        except SmsError as exc:
            attempts = row.attempts + 1
            log.warning("SMS %s failed (attempt %d): %s", row.cause, attempts, exc)
            self._update(
                row.id,
                attempts=attempts,
                last_error=str(exc)[:500],
                next_attempt_at=now + backoff(attempts),
            )
            return False
        self._update(
            row.id,
            status="sent",
            to=recipient,
            code=None,
            sent_at=now,
            provider_id=provider_id[:128],
            attempts=row.attempts + 1,
            last_error=None,
        )
        log.info("SMS %s sent", row.cause)
        return True

    def _update(self, row_id: int, **values: object) -> None:
        with self.engine.begin() as conn:
            conn.execute(notifications.update().where(notifications.c.id == row_id).values(**values))


class NotifierThread(threading.Thread):
    """Runs the notifier every half second until stopped."""

    def __init__(self, notifier: Notifier) -> None:
        super().__init__(name="hub-notifier", daemon=True)
        self.notifier = notifier
        self.stopping = threading.Event()

    def stop(self) -> None:
        """Ask the loop to return."""
        self.stopping.set()

    def run(self) -> None:
        """Loop until stopped."""
        while not self.stopping.wait(POLL_S):
            try:
                self.notifier.run_once()
            except SQLAlchemyError:
                log.exception("notification round failed")
