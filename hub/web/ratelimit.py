"""Per-client token buckets for rate limiting public endpoints."""

from __future__ import annotations

import threading
import time

MAX_CLIENTS = 10_000


class TokenBuckets:
    """capacity requests at once, refilled at per_second, tracked per client key."""

    def __init__(self, capacity: float, per_second: float) -> None:
        self.capacity = capacity
        self.per_second = per_second
        self._buckets: dict[str, tuple[float, float]] = {}
        self._lock = threading.Lock()

    def allow(self, client: str) -> bool:
        """Take one token for client; False when it has none left."""
        now = time.monotonic()
        with self._lock:
            if len(self._buckets) > MAX_CLIENTS:
                self._buckets.clear()  # bounded memory; forgetting is the lenient side
            tokens, last = self._buckets.get(client, (self.capacity, now))
            tokens = min(self.capacity, tokens + (now - last) * self.per_second)
            if tokens < 1:
                self._buckets[client] = (tokens, now)
                return False
            self._buckets[client] = (tokens - 1, now)
            return True
