"""Scans from the booth's scanner and camera, for listeners such as the page's event stream."""

from __future__ import annotations

import queue
from dataclasses import dataclass

from kiosk.devices.scans import ScanEvent
from kiosk.services.context import Context


@dataclass
class Subscription:
    """A listener's queue of scans; close() when the listener goes away."""

    ctx: Context
    queue: queue.Queue[ScanEvent]

    def next(self, timeout: float) -> dict[str, object] | None:
        """The next scan as {code, kind, source, error, at}, or None after timeout seconds."""
        try:
            return self.queue.get(timeout=timeout).as_dict()
        except queue.Empty:
            return None

    def close(self) -> None:
        """Stop receiving scans."""
        self.ctx.devices.scans.unsubscribe(self.queue)


def subscribe(ctx: Context) -> Subscription:
    """Receive every scan from now on."""
    return Subscription(ctx, ctx.devices.scans.subscribe())


def wedge_settings(ctx: Context) -> dict[str, object] | None:
    """Keyboard-wedge settings (min_len, inter_key_ms, suffix) when the scanner is a wedge."""
    return ctx.devices.wedge_settings()


def publish(ctx: Context, text: str, source: str = "page") -> dict[str, object] | None:
    """Deliver a scan as if a scanner read it (training, tests); None when it was a duplicate."""
    event = ctx.devices.scans.publish(text, source)
    return None if event is None else event.as_dict()
