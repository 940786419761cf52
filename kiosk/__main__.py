"""Command line: serve the kiosk, add a clerk, probe the devices."""

from __future__ import annotations

import logging
import sys
from pathlib import Path

import click

from kiosk.config import ConfigError, KioskConfig, load_config
from kiosk.devices import registry
from kiosk.devices.manager import DeviceManager
from kiosk.services import auth
from kiosk.services.context import Context
from kiosk.services.errors import ServiceError
from kiosk.store import Store


def _load(path: Path) -> KioskConfig:
    try:
        return load_config(path)
    except ConfigError as exc:
        click.echo(f"error: {path}: {exc}", err=True)
        sys.exit(2)


@click.group(invoke_without_command=True)
@click.option("--config", "config_path", required=True, type=click.Path(path_type=Path), help="kiosk.toml")
@click.option("--log-level", default="INFO", show_default=True, help="DEBUG, INFO, WARNING, ERROR")
@click.pass_context
def cli(ctx: click.Context, config_path: Path, log_level: str) -> None:
    """DakBooth booth kiosk. Without a command: serve the kiosk."""
    logging.basicConfig(level=log_level.upper(), format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    config = _load(config_path)
    ctx.obj = config
    if ctx.invoked_subcommand is None:
        from kiosk.runtime import serve

        try:
            registry.build(config.devices)
        except registry.UnknownDriver as exc:
            click.echo(f"error: {exc}", err=True)
            sys.exit(2)
        serve(config)


@cli.command("add-clerk")
@click.argument("clerk_id")
@click.option("--pin", required=True, help="4 to 12 digits")
@click.option("--supervisor", is_flag=True, help="may unlock parcels and clerks")
@click.pass_obj
def add_clerk(config: KioskConfig, clerk_id: str, pin: str, supervisor: bool) -> None:
    """Create a clerk (or reset an existing clerk's PIN)."""
    store = Store(config.store.path)
    try:
        ctx = Context(
            booth_id=config.booth_id, store=store, devices=DeviceManager({}), counter=config.counter
        )
        clerk = auth.add_clerk(ctx, clerk_id, pin, supervisor)
    except ServiceError as exc:
        click.echo(f"error: {exc.message}", err=True)
        sys.exit(2)
    finally:
        store.close()
    click.echo(f"clerk {clerk.id} ({clerk.role}) saved")


@cli.command("devices")
@click.pass_obj
def devices(config: KioskConfig) -> None:
    """Probe the configured devices and print each one's state."""
    try:
        manager = DeviceManager(registry.build(config.devices))
    except registry.UnknownDriver as exc:
        click.echo(f"error: {exc}", err=True)
        sys.exit(2)
    manager.start()
    try:
        worst = 0
        for kind, health in manager.health().items():
            extra = health.model_extra or {}
            weight = (
                f" weight_g={extra['weight_g']} stable={extra['stable']}"
                if extra.get("weight_g") is not None
                else ""
            )
            click.echo(f"{kind:8} {health.state:8} {health.detail}{weight}")
            worst = max(worst, 1 if health.state == "error" else 0)
    finally:
        manager.stop()
    sys.exit(worst)


def main() -> None:
    """Console-script entry point."""
    cli()


if __name__ == "__main__":
    main()
