"""The webhook sender: POSTs due deliveries, signed, with exponential backoff, until 2xx or give-up."""

from __future__ import annotations

import logging
import threading
import time
import weakref
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

import requests
from sqlalchemy import Engine, Row, select
from sqlalchemy.exc import SQLAlchemyError

from hub.clock import utcnow
from hub.db.schema import webhook_outbox, webhooks
from hub.merchant.webhook_targets import RefusedTarget, TargetPolicy, pinned_session
from hub.merchant.webhooks import sign

log = logging.getLogger(__name__)

POLL_S = 0.5
FIRST_RETRY_S = 5
MAX_RETRY_S = 3600
MAX_ATTEMPTS = 15  # about 18 hours of retries before a delivery is marked failed
TIMEOUT_S = 10
PAGE = 50


def backoff(attempts: int, first_s: float = FIRST_RETRY_S) -> timedelta:
    """Delay after `attempts` failures: first_s, 2x, 4x ... capped at one hour."""
    return timedelta(seconds=min(first_s * 2 ** max(attempts - 1, 0), MAX_RETRY_S))


class WebhookSender:
    """Delivers pending webhook_outbox rows; run_once() is one round."""

    def __init__(
        self,
        engine: Engine,
        clock: Callable[[], datetime] = utcnow,
        first_retry_s: float = FIRST_RETRY_S,
        policy: TargetPolicy | None = None,
    ) -> None:
        self.engine = engine
        self.clock = clock
        self.first_retry_s = first_retry_s
        # Every delivery connects only where the policy allows, checked after DNS resolution.
        self.session = pinned_session(policy or TargetPolicy())
        weakref.finalize(self, self.session.close)  # pooled sockets closed with the sender

    def run_once(self) -> int:
        """Try every due delivery once; return how many were delivered."""
        now = self.clock()
        with self.engine.begin() as conn:
            due = conn.execute(
                select(webhook_outbox, webhooks.c.url, webhooks.c.secret)
                .join(webhooks, webhooks.c.id == webhook_outbox.c.webhook_id)
                .where(webhook_outbox.c.status == "pending", webhook_outbox.c.next_attempt_at <= now)
                .order_by(webhook_outbox.c.next_attempt_at, webhook_outbox.c.id)
                .limit(PAGE)
            ).all()
        return sum(self._one(row) for row in due)

    def _one(self, row: Row[Any]) -> bool:
        body = row.body.encode()
        timestamp = int(time.time())
        headers = {
            "Content-Type": "application/json; charset=utf-8",
            "X-Dak-Timestamp": str(timestamp),
            "X-Dak-Signature": sign(row.secret, timestamp, body),
            "X-Dak-Delivery": str(row.id),
            "User-Agent": "DakBooth-Webhooks/1",
        }
        error: str | None = None
        try:
            resp = self.session.post(
                row.url, data=body, headers=headers, timeout=TIMEOUT_S, allow_redirects=False
            )
            if not 200 <= resp.status_code < 300:
                error = f"HTTP {resp.status_code}"
        except RefusedTarget as exc:
            error = f"refused: {exc}"
        except requests.RequestException as exc:
            error = type(exc).__name__
        now = self.clock()
        attempts = row.attempts + 1
        if error is None:
            self._update(row.id, status="sent", sent_at=now, attempts=attempts, last_error=None)
            return True
        gave_up = attempts >= MAX_ATTEMPTS
        log.warning("webhook delivery %d failed (attempt %d): %s", row.id, attempts, error)
        self._update(
            row.id,
            status="failed" if gave_up else "pending",
            attempts=attempts,
            last_error=error,
            next_attempt_at=now + backoff(attempts, self.first_retry_s),
        )
        return False

    def _update(self, row_id: int, **values: object) -> None:
        with self.engine.begin() as conn:
            conn.execute(webhook_outbox.update().where(webhook_outbox.c.id == row_id).values(**values))

    def close(self) -> None:
        """Close the HTTP session."""
        self.session.close()


class WebhookThread(threading.Thread):
    """Runs the sender every half second until stopped."""

    def __init__(self, sender: WebhookSender) -> None:
        super().__init__(name="hub-webhooks", daemon=True)
        self.sender = sender
        self.stopping = threading.Event()

    def stop(self) -> None:
        """Ask the loop to return."""
        self.stopping.set()

    def run(self) -> None:
        """Loop until stopped."""
        try:
            while not self.stopping.wait(POLL_S):
                try:
                    self.sender.run_once()
                except SQLAlchemyError:
                    log.exception("webhook round failed")
        finally:
            self.sender.close()
