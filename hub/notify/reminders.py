"""The reminder round: parcels waiting at their booth get reminders, then a last notice before return.

Each parcel made ready has one row in notify_schedule saying when the round should next look at it.
A round reads only the rows that are due, through the due_at index and the parcels' primary key, in
one query; it queues the latest step that has come due (an earlier one missed while the hub was down
is not sent late) and moves the row to the next step, or removes it when nothing is left or the
parcel was collected or returned. Causes are `reminder:{tracking_id}:{n}` and `final:{tracking_id}`:
the unique cause makes each one exist once even when two rounds (threads or hub processes) meet
the same row.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Engine, and_, bindparam, select
from sqlalchemy.exc import SQLAlchemyError

from hub.clock import utcnow
from hub.config import NotifyConfig
from hub.db.schema import notifications, notify_contacts, notify_schedule, parcels
from hub.notify.outbox import Contact, insert_ignoring, notice_rows

log = logging.getLogger(__name__)

PAGE = 1000
RECHECK = timedelta(hours=1)  # a parcel not (yet) in state ready is looked at again after this
ENDED = frozenset({"delivered", "returned", "return_arrived", "return_collected"})


@dataclass(frozen=True)
class Step:
    """One message of a parcel's plan: its cause, kind and when it is due."""

    cause: str
    kind: str
    due: datetime


def plan(tracking_id: str, ready_at: datetime, expires_at: datetime, cfg: NotifyConfig) -> list[Step]:
    """Reminders every reminder_after_days while before the last notice; the last notice, if on."""
    final_due = expires_at - timedelta(hours=cfg.final_before_hours) if cfg.final_notice else None
    last = final_due if final_due is not None else expires_at
    steps: list[Step] = []
    for n in range(1, cfg.reminders + 1):
        due = ready_at + timedelta(days=cfg.reminder_after_days * n)
        if due >= last:
            break
        steps.append(Step(f"reminder:{tracking_id}:{n}", "reminder", due))
    if final_due is not None and final_due > ready_at:
        steps.append(Step(f"final:{tracking_id}", "final", final_due))
    return steps


class ReminderRound:
    """Queues the reminders and last notices that have come due; one call to run_once() is one round."""

    def __init__(self, engine: Engine, cfg: NotifyConfig, clock: Callable[[], datetime] = utcnow) -> None:
        self.engine = engine
        self.cfg = cfg
        self.clock = clock
        self.last_page = 0  # rows the last round read; a full page means more are due

    def run_once(self) -> int:
        """Look at every due parcel (one page); return how many parcels got a message queued."""
        now = self.clock()
        queued = 0
        with self.engine.begin() as conn:
            due = conn.execute(
                select(
                    notify_schedule,
                    parcels.c.status,
                    notify_contacts.c.language,
                    notify_contacts.c.email,
                )
                .select_from(
                    notify_schedule.outerjoin(
                        parcels, parcels.c.tracking_id == notify_schedule.c.tracking_id
                    ).outerjoin(
                        notify_contacts, notify_contacts.c.tracking_id == notify_schedule.c.tracking_id
                    )
                )
                .where(notify_schedule.c.due_at <= now)
                .order_by(notify_schedule.c.due_at)
                .limit(PAGE)
            ).all()
            self.last_page = len(due)
            rows: list[dict[str, Any]] = []
            moves: list[dict[str, Any]] = []
            ends: list[dict[str, Any]] = []
            for r in due:
                step, next_due = self._decide(r, now)
                if step is not None:
                    contact = Contact(r.language or "bn", r.email)
                    rows += notice_rows(
                        step.cause, step.kind, r.tracking_id, r.booth, r.expires_at, contact, now
                    )
                    queued += 1
                key = {"t": r.tracking_id, "old": r.due_at}
                if next_due is None:
                    ends.append(key)
                else:
                    moves.append({**key, "new": next_due})
            insert_ignoring(conn, notifications, rows, "cause")
            # Guarded by the due time read: a parcel made ready again meanwhile (ingest set a new
            # due time) is left for the next round to plan afresh.
            guard = and_(
                notify_schedule.c.tracking_id == bindparam("t"),
                notify_schedule.c.due_at == bindparam("old", type_=notify_schedule.c.due_at.type),
            )
            if moves:
                conn.execute(
                    notify_schedule.update()
                    .where(guard)
                    .values(due_at=bindparam("new", type_=notify_schedule.c.due_at.type)),
                    moves,
                )
            if ends:
                conn.execute(notify_schedule.delete().where(guard), ends)
        if queued:
            log.info("reminder round queued messages for %d parcel(s)", queued)
        return queued

    def _decide(self, r: Any, now: datetime) -> tuple[Step | None, datetime | None]:
        """(the step to queue now or None, when to look again or None to drop the row)."""
        if r.status in ENDED or now >= r.expires_at:
            return None, None
        if r.status != "ready":
            return None, now + RECHECK
        steps = plan(r.tracking_id, r.ready_at, r.expires_at, self.cfg)
        come = [s for s in steps if s.due <= now]
        later = [s for s in steps if s.due > now]
        return (come[-1] if come else None), (later[0].due if later else None)


class ReminderThread(threading.Thread):
    """Runs the reminder round every `every_s` seconds (at once again while pages come back full)."""

    def __init__(self, round_: ReminderRound, every_s: float) -> None:
        super().__init__(name="hub-reminders", daemon=True)
        self.round = round_
        self.every_s = every_s
        self.stopping = threading.Event()

    def stop(self) -> None:
        """Ask the loop to return."""
        self.stopping.set()

    def run(self) -> None:
        """Loop until stopped."""
        wait = self.every_s
        while not self.stopping.wait(wait):
            try:
                self.round.run_once()
                busy = self.round.last_page >= PAGE
            except SQLAlchemyError:
                log.exception("reminder round failed")
                busy = False
            wait = 0 if busy else self.every_s
