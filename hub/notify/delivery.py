"""Delivery reports: each SMS part by its provider id, and the message's status derived from its parts.

A report may arrive before the sender has recorded the part (the SMSC can be faster than the hub's
commit): it is kept under its provider id and joined to its notification when the part is recorded.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from sqlalchemy import Connection, Engine, select

from hub.clock import utcnow
from hub.db.schema import delivery_parts, notifications
from hub.notify.outbox import insert_counting, insert_ignoring
from hub.notify.smpp_parts import RECEIPT_STATES, Receipt

FINAL = ("delivered", "undelivered", "expired", "rejected")
FAILED = ("undelivered", "expired", "rejected")
STATUSES = (*FINAL, "unknown", "accepted", "enroute")
# The words a gateway may report a status with: the hub's own, or SMPP's receipt words.
REPORT_WORDS = (*STATUSES, *RECEIPT_STATES)


def status_word(value: str) -> str | None:
    """The hub's status for a reported word (delivered, DELIVRD, UNDELIV, ...), or None if unknown."""
    word = value.strip()
    if word.lower() in STATUSES:
        return word.lower()
    return RECEIPT_STATES.get(word.upper())


def record_parts(
    conn: Connection, notification_id: int, provider_ids: tuple[str, ...], now: datetime
) -> None:
    """Remember the parts a notification was sent in; apply reports that came before."""
    ids = [p[:128] for p in provider_ids if p and p != "unknown"]
    if not ids:
        return
    added = insert_counting(
        conn,
        delivery_parts,
        [{"provider_id": p, "notification_id": notification_id, "received_at": now} for p in ids],
        "provider_id",
    )
    if added == len(ids):
        return  # the usual case: no report came before its part, so there is nothing to join
    for p in ids:
        conn.execute(
            delivery_parts.update()
            .where(delivery_parts.c.provider_id == p, delivery_parts.c.notification_id.is_(None))
            .values(notification_id=notification_id)
        )
    _derive(conn, notification_id)


def record_report(conn: Connection, receipt: Receipt, now: datetime) -> bool:
    """Record one delivery report; True when it belongs to a known notification."""
    provider_id = receipt.provider_id[:128]
    insert_ignoring(
        conn,
        delivery_parts,
        [{"provider_id": provider_id, "status": receipt.status, "reported_at": now, "received_at": now}],
        "provider_id",
    )
    part = conn.execute(
        select(delivery_parts.c.notification_id, delivery_parts.c.status).where(
            delivery_parts.c.provider_id == provider_id
        )
    ).one()
    # An intermediate report (accepted, enroute) never overwrites a final one that came first.
    if part.status not in FINAL or receipt.status in FINAL:
        conn.execute(
            delivery_parts.update()
            .where(delivery_parts.c.provider_id == provider_id)
            .values(status=receipt.status, reported_at=now)
        )
    if part.notification_id is None:
        return False
    _derive(conn, part.notification_id)
    return True


def _derive(conn: Connection, notification_id: int) -> None:
    """A message failed if any part failed, was delivered when every part was, else is unknown so far."""
    parts = conn.execute(
        select(delivery_parts.c.status, delivery_parts.c.reported_at).where(
            delivery_parts.c.notification_id == notification_id
        )
    ).all()
    statuses = [p.status for p in parts]
    failed = next((s for s in statuses if s in FAILED), None)
    delivered_at = None
    if failed is not None:
        status: str | None = failed
    elif statuses and all(s == "delivered" for s in statuses):
        status = "delivered"
        delivered_at = max(p.reported_at for p in parts)
    elif "unknown" in statuses:
        status = "unknown"
    else:
        status = None  # still on its way
    conn.execute(
        notifications.update()
        .where(notifications.c.id == notification_id)
        .values(delivery_status=status, delivered_at=delivered_at)
    )


class ReportRecorder:
    """Records delivery reports in their own commit; the SMPP driver's on_receipt callback."""

    def __init__(self, engine: Engine, clock: Callable[[], datetime] = utcnow) -> None:
        self.engine = engine
        self.clock = clock

    def __call__(self, receipt: Receipt) -> None:
        """Record receipt; raise on a database error (the SMSC then delivers it again)."""
        with self.engine.begin() as conn:
            record_report(conn, receipt, self.clock())
