"""What every counter service works with: the booth, its store, devices and rules."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

from kiosk.config import CounterConfig
from kiosk.devices.manager import DeviceManager
from kiosk.store import Store


def local_now() -> datetime:
    """Now, timezone-aware with the booth's UTC offset."""
    return datetime.now().astimezone()


def _nothing() -> None:
    return None


def _offline() -> bool:
    return False


@dataclass
class Context:
    """Dependencies of the services; on_commit wakes the uplink after an event is written."""

    booth_id: str
    store: Store
    devices: DeviceManager
    counter: CounterConfig = field(default_factory=CounterConfig)
    on_commit: Callable[[], None] = _nothing
    uplink_connected: Callable[[], bool] = _offline
    clock: Callable[[], datetime] = local_now
    store_dir: Path | None = None

    def now(self) -> datetime:
        """Current time from the context's clock."""
        return self.clock()
