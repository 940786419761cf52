"""Decides which outbox events to publish: in seq order, a bounded window, resent when acks stall."""

from __future__ import annotations

import time
from collections.abc import Callable

from kiosk.store import Store, outbox
from kiosk.store.outbox import OutboxRow


class Sender:
    """Tracks what was published since the last ack and picks the next events to publish."""

    def __init__(
        self,
        store: Store,
        window: int,
        resend_after_s: float,
        monotonic: Callable[[], float] = time.monotonic,
    ) -> None:
        self.store = store
        self.window = window
        self.resend_after_s = resend_after_s
        self._monotonic = monotonic
        self._sent_upto = 0
        self._acked = 0
        self._progress_at = monotonic()

    def restart(self) -> None:
        """Forget what was published: everything unacked goes again (after a reconnect)."""
        with self.store.read() as tx:
            self._acked = outbox.acked_upto(tx)
        self._sent_upto = self._acked
        self._progress_at = self._monotonic()

    def acked(self, upto: int) -> int:
        """Apply an ack from the hub and return the highest ack ever seen."""
        with self.store.transaction() as tx:
            new = outbox.ack(tx, upto)
        if new > self._acked:
            self._acked = new
            self._progress_at = self._monotonic()
        self._sent_upto = max(self._sent_upto, self._acked)
        return new

    def next_batch(self) -> list[OutboxRow]:
        """Events to publish now (possibly none); a stalled window is resent from the last ack."""
        now = self._monotonic()
        if self._sent_upto > self._acked and now - self._progress_at > self.resend_after_s:
            self._sent_upto = self._acked
            self._progress_at = now
        room = self.window - (self._sent_upto - self._acked)
        if room <= 0:
            return []
        with self.store.read() as tx:
            rows = outbox.after(tx, self._sent_upto, room)
        if rows and self._sent_upto == self._acked:
            self._progress_at = now
        return rows

    def published(self, seq: int) -> None:
        """Record that the event with seq was handed to the client."""
        self._sent_upto = max(self._sent_upto, seq)
