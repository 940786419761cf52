"""Scans read by the booth's devices (serial/evdev scanner, camera), fanned out to listeners."""

from __future__ import annotations

import contextlib
import queue
import threading
import time
from dataclasses import asdict, dataclass, field

from kiosk.devices.scanning import DuplicateFilter, classify

QUEUE_SIZE = 64


@dataclass(frozen=True)
class ScanEvent:
    """One accepted scan: the canonical code, its kind (tracking | invalid | other) and its source."""

    code: str
    kind: str
    source: str
    error: str = ""
    at: float = field(default_factory=time.time)

    def as_dict(self) -> dict[str, object]:
        """JSON-ready form (what the page's `dakbooth:scan` event carries)."""
        return asdict(self)


class ScanBus:
    """Classifies raw scans, drops duplicates within a window, and hands each to every subscriber.

    Subscribers get a bounded queue; a slow or gone listener loses its oldest scans, never blocks
    the reader thread that published them.
    """

    def __init__(self, duplicate_window_s: float = 2.0) -> None:
        self._dupes = DuplicateFilter(duplicate_window_s)
        self._lock = threading.Lock()
        self._queues: list[queue.Queue[ScanEvent]] = []
        self.published = 0
        self.dropped_duplicates = 0

    def publish(self, text: str, source: str) -> ScanEvent | None:
        """Classify text and deliver it; None when it was a duplicate."""
        scan = classify(text)
        with self._lock:
            if not self._dupes.accept(scan.value):
                self.dropped_duplicates += 1
                return None
            event = ScanEvent(scan.value, scan.kind, source, scan.error)
            self.published += 1
            for q in self._queues:
                _put_dropping_oldest(q, event)
        return event

    def subscribe(self) -> queue.Queue[ScanEvent]:
        """A new queue receiving every scan from now on; pass it to unsubscribe when done."""
        q: queue.Queue[ScanEvent] = queue.Queue(QUEUE_SIZE)
        with self._lock:
            self._queues.append(q)
        return q

    def unsubscribe(self, q: queue.Queue[ScanEvent]) -> None:
        """Stop delivering to q."""
        with self._lock:
            if q in self._queues:
                self._queues.remove(q)

    @property
    def listeners(self) -> int:
        """How many subscribers are attached."""
        with self._lock:
            return len(self._queues)


def _put_dropping_oldest(q: queue.Queue[ScanEvent], event: ScanEvent) -> None:
    while True:
        try:
            q.put_nowait(event)
            return
        except queue.Full:
            with contextlib.suppress(queue.Empty):
                q.get_nowait()
