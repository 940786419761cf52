"""Wires config → store → devices → uplink → services → web, serves, and shuts down cleanly."""

from __future__ import annotations

import logging
import signal
import sys
from dataclasses import dataclass
from types import FrameType

from waitress.server import create_server

from kiosk.config import KioskConfig
from kiosk.devices import registry
from kiosk.devices.manager import DeviceManager
from kiosk.services.context import Context
from kiosk.store import Store
from kiosk.uplink import Uplink
from kiosk.web import create_app

log = logging.getLogger(__name__)


@dataclass
class Booth:
    """The assembled kiosk: context (store + devices) and, when serving, its uplink."""

    config: KioskConfig
    ctx: Context
    uplink: Uplink | None = None

    def close(self) -> None:
        """Stop the uplink, the devices and close the store."""
        if self.uplink is not None:
            self.uplink.stop()
        self.ctx.devices.stop()
        self.ctx.store.close()


def assemble(config: KioskConfig, with_uplink: bool = True) -> Booth:
    """Open the store, build and start the devices and (optionally) start the uplink."""
    devices = DeviceManager(registry.build(config.devices))
    store = Store(config.store.path)
    ctx = Context(
        booth_id=config.booth_id,
        store=store,
        devices=devices,
        counter=config.counter,
        store_dir=config.store.path.parent,
    )
    devices.start()
    booth = Booth(config, ctx)
    if with_uplink:
        uplink = Uplink(ctx, config.broker, config.uplink)
        ctx.on_commit = uplink.wake
        ctx.uplink_connected = lambda: uplink.connected
        uplink.start()
        booth.uplink = uplink
    return booth


def _exit_on_signal(signum: int, frame: FrameType | None) -> None:
    raise SystemExit(0)  # waitress's loop treats SystemExit as a request to stop


def serve(config: KioskConfig) -> None:
    """Run the kiosk until SIGTERM or SIGINT."""
    booth = assemble(config)
    try:
        app = create_app(booth.ctx)
        server = create_server(app, host=config.http.host, port=config.http.port, threads=16)
        signal.signal(signal.SIGTERM, _exit_on_signal)
        signal.signal(signal.SIGINT, _exit_on_signal)
        port = server.effective_port  # type: ignore[union-attr]
        print(f"kiosk ready http://{config.http.host}:{port}", flush=True)
        try:
            server.run()
        finally:
            server.close()
    finally:
        log.info("shutting down")
        booth.close()
        sys.stdout.flush()
