"""Command line: `python -m hub --config hub.toml` serves; `create-api-key` issues a key."""

from __future__ import annotations

import logging
import sys
from pathlib import Path

import click

from hub.config import ConfigError, HubConfig, load


@click.group(invoke_without_command=True)
@click.option("--config", "config_path", type=click.Path(path_type=Path), required=True, help="hub.toml")
@click.pass_context
def cli(ctx: click.Context, config_path: Path) -> None:
    """DakBooth hub: serves web, ingest, notifications and the MQTT outbox."""
    logging.basicConfig(
        level=logging.INFO, stream=sys.stderr, format="%(asctime)s %(levelname)s %(name)s: %(message)s"
    )
    logging.getLogger("alembic.runtime.plugins").setLevel(logging.WARNING)
    try:
        cfg = load(config_path)
    except ConfigError as exc:
        click.echo(f"error: {config_path}: {exc}", err=True)
        ctx.exit(2)
    ctx.obj = cfg
    if ctx.invoked_subcommand is None:
        from hub.service import serve

        ctx.exit(serve(cfg))


@cli.command("create-api-key")
@click.argument("name")
@click.option("--role", type=click.Choice(["merchant", "monitor", "admin"]), required=True)
@click.pass_obj
def create_api_key_cmd(cfg: HubConfig, name: str, role: str) -> None:
    """Create an API key for NAME with ROLE and print it once (only its hash is stored)."""
    from hub.apikeys import create_api_key
    from hub.db.engine import make_engine, migrate

    engine = make_engine(cfg.database.url)
    migrate(engine)
    with engine.begin() as conn:
        key = create_api_key(conn, name, role)
    engine.dispose()
    click.echo(key)


def main() -> None:
    """Console-script entry point."""
    cli()


if __name__ == "__main__":
    main()
