"""The notification worker: sends due SMS and e-mail from the outbox with retries and exponential backoff.

Delivery is at least once: a row is marked sent in a commit after the gateway accepted it, so a
crash (or a lost gateway answer) between the two sends that message again on the next round. Every
attempt carries the row's cause as the gateway's idempotency key (HTTP: `Idempotency-Key`), so a
gateway that deduplicates turns that window into exactly one SMS; one that does not may deliver a
duplicate when the hub crashed, or lost the gateway's answer, after the gateway had accepted it.

A ready message carries the collection code until it is sent; the code is dropped in the same
commit that marks it sent (or failed for good). Reminders and the last notice never carry a code
and are cancelled if the parcel was collected or returned before they went out.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Connection, Engine, Row, select
from sqlalchemy.exc import SQLAlchemyError

from hub.clock import utcnow
from hub.db.schema import notifications, parcels
from hub.notify import return_notice
from hub.notify.delivery import record_parts
from hub.notify.drivers import SendError, SmsDriver, part_ids
from hub.notify.email import Mailer
from hub.notify.templates import email_text, sms_text

log = logging.getLogger(__name__)

POLL_S = 0.5
FIRST_RETRY_S = 2
MAX_RETRY_S = 300
WAIT_RECIPIENT_S = 5
PAGE = 50
WAITING = "ready"  # the parcel status in which reminders still make sense


def backoff(attempts: int) -> timedelta:
    """Delay before the next try after `attempts` failures: 2 s, 4 s, 8 s, ... capped at 5 min."""
    return timedelta(seconds=min(FIRST_RETRY_S * 2 ** max(attempts - 1, 0), MAX_RETRY_S))


class Notifier:
    """Sends pending notifications; one call to run_once() is one round."""

    def __init__(
        self,
        engine: Engine,
        driver: SmsDriver,
        clock: Callable[[], datetime] = utcnow,
        mailer: Mailer | None = None,
        reader: Engine | None = None,
    ) -> None:
        self.engine = engine
        self.reader = reader or engine  # SQLite: reads that do not take the write lock from ingest
        self.driver = driver
        self.clock = clock
        self.mailer = mailer
        self._round: Connection | None = None

    def run_once(self) -> int:
        """Try every due notification once; return how many were sent."""
        now = self.clock()
        with self.reader.connect() as conn:
            due = conn.execute(
                select(notifications)
                .where(notifications.c.status == "pending", notifications.c.next_attempt_at <= now)
                .order_by(notifications.c.next_attempt_at, notifications.c.id)
                .limit(PAGE)
            ).all()
            tracked = sorted({row.tracking_id for row in due})
            found = {
                p.tracking_id: p
                for p in conn.execute(
                    select(parcels.c.tracking_id, parcels.c.recipient_phone, parcels.c.status).where(
                        parcels.c.tracking_id.in_(tracked)
                    )
                )
            }
        if not due:
            return 0
        # One connection for the round, a commit for each message: a checkout (and its ping on
        # PostgreSQL) per message cost more than the message's own statements.
        with self.engine.connect() as self._round:
            try:
                return sum(self._one(row, found.get(row.tracking_id)) for row in due)
            finally:
                self._round = None

    @contextmanager
    def _writing(self) -> Iterator[Connection]:
        """A transaction of its own on the round's connection (run_once opens it)."""
        conn = self._round
        if conn is None:
            raise RuntimeError("notifications are written within run_once")
        with conn.begin():
            yield conn

    def _one(self, row: Row[Any], parcel: Any) -> bool:
        """Send one due notification; parcel: its parcel's recipient and status, if known yet."""
        now = self.clock()
        kind = row.kind or "ready"
        if kind == "ready" and row.code is None:
            self._update(row.id, status="failed", last_error="no collection code to send")
            return False
        if kind == return_notice.KIND:
            return self._returned(row, parcel, now)
        if kind != "ready" and parcel is not None and parcel.status != WAITING:
            self._update(row.id, status="cancelled", last_error=f"parcel is {parcel.status}")
            log.info("%s %s cancelled: parcel no longer waiting", row.channel, row.cause)
            return False
        if row.channel == "email":
            return self._email(row, kind, now)
        if parcel is None or parcel.recipient_phone is None:
            # The acceptance has not reached the hub yet: wait for it without counting an attempt.
            self._update(row.id, next_attempt_at=now + timedelta(seconds=WAIT_RECIPIENT_S))
            return False
        try:
            text = sms_text(kind, row.language, row.tracking_id, row.booth, row.expires_at, row.code)
        except ValueError as exc:
            self._update(row.id, status="failed", code=None, last_error=str(exc))
            return False
        phone = parcel.recipient_phone
        return self._deliver(
            row, now, phone, lambda: self.driver.send(phone, text, secret=row.code, key=row.cause)
        )

    def _returned(self, row: Row[Any], parcel: Any, now: datetime) -> bool:
        """The notice to a sender that the return is back: to the address stored with the row,
        cancelled once the sender has collected it."""
        if parcel is not None and parcel.status != "return_arrived":
            self._update(row.id, status="cancelled", last_error=f"parcel is {parcel.status}")
            return False
        if row.channel == "email":
            if self.mailer is None or not row.to:
                self._update(row.id, status="skipped", last_error="e-mail is switched off")
                return False
            mailer = self.mailer
            subject, body = return_notice.email_text(row.language, row.tracking_id, row.booth)
            return self._deliver(row, now, row.to, lambda: mailer.send(row.to, subject, body, key=row.cause))
        if not row.to:
            self._update(row.id, status="failed", last_error="no mobile number for the sender")
            return False
        text = return_notice.sms_text(row.language, row.tracking_id, row.booth)
        return self._deliver(
            row, now, row.to, lambda: self.driver.send(row.to, text, secret=None, key=row.cause)
        )

    def _email(self, row: Row[Any], kind: str, now: datetime) -> bool:
        if self.mailer is None or not row.to:
            self._update(row.id, status="skipped", code=None, last_error="e-mail is switched off")
            return False
        mailer = self.mailer
        subject, body = email_text(kind, row.language, row.tracking_id, row.booth, row.expires_at, row.code)
        return self._deliver(
            row, now, row.to, lambda: mailer.send(row.to, subject, body, secret=row.code, key=row.cause)
        )

    def _deliver(self, row: Row[Any], now: datetime, to: str, send: Callable[[], str]) -> bool:
        """Send (send() returns the provider's id); record it sent, or the failure with its retry."""
        try:
            provider_id = send()
        except SendError as exc:
            self._failed(row, exc, now)
            return False
        self._sent(row, now, to, provider_id)
        return True

    def _failed(self, row: Row[Any], exc: SendError, now: datetime) -> None:
        attempts = row.attempts + 1
        log.warning("%s %s failed (attempt %d): %s", row.channel, row.cause, attempts, exc)
        values: dict[str, object] = {"attempts": attempts, "last_error": str(exc)[:500]}
        if exc.permanent:
            values.update(status="failed", code=None)
        else:
            values["next_attempt_at"] = now + backoff(attempts)
        self._update(row.id, **values)

    def _sent(self, row: Row[Any], now: datetime, to: str, provider_id: str) -> None:
        with self._writing() as conn:
            conn.execute(
                notifications.update()
                .where(notifications.c.id == row.id)
                .values(
                    status="sent",
                    to=to[:254],
                    code=None,
                    sent_at=now,
                    provider_id=provider_id[:128],
                    attempts=row.attempts + 1,
                    last_error=None,
                )
            )
            if row.channel == "sms":
                record_parts(conn, row.id, part_ids(provider_id), now)
        log.info("%s %s sent", row.channel, row.cause)

    def _update(self, row_id: int, **values: object) -> None:
        with self._writing() as conn:
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
        """Loop until stopped; a full page sent means a backlog (after an outage): go again at once."""
        wait = POLL_S
        while not self.stopping.wait(wait):
            wait = POLL_S
            try:
                if self.notifier.run_once() >= PAGE:
                    wait = 0
            except SQLAlchemyError:
                log.exception("notification round failed")
