"""Command line: `python -m hub --config hub.toml` serves; `create-api-key` issues a key."""

from __future__ import annotations

import logging
import sys
from pathlib import Path

import click

from hub.config import ConfigError, HubConfig, load


@click.group(invoke_without_command=True)
@click.option("--config", "config_path", type=click.Path(path_type=Path), required=True, help="hub.toml")
@click.option(
    "--workers",
    type=click.IntRange(0, 64),
    default=0,
    show_default=True,
    help="ingest worker processes on the shared subscription (0: ingest in this process)",
)
@click.pass_context
def cli(ctx: click.Context, config_path: Path, workers: int) -> None:
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

        ctx.exit(serve(cfg, workers=workers, config_path=config_path.resolve()))


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


@cli.command("create-user")
@click.argument("name")
@click.option("--role", type=click.Choice(["viewer", "operator", "admin"]), required=True)
@click.option(
    "--password-file",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help="read it from a file",
)
@click.pass_obj
def create_user_cmd(cfg: HubConfig, name: str, role: str, password_file: Path | None) -> None:
    """Create a monitoring-cell user NAME with ROLE (or reset an existing user's role and password)."""
    from hub.db.engine import make_engine, migrate
    from hub.users import create_user

    if password_file is not None:
        password = password_file.read_text(encoding="utf-8").strip()
    else:
        password = click.prompt("Password", hide_input=True, confirmation_prompt=True)
    engine = make_engine(cfg.database.url)
    migrate(engine)
    try:
        with engine.begin() as conn:
            create_user(conn, name, role, password)
    except ValueError as exc:
        raise click.ClickException(str(exc)) from None
    finally:
        engine.dispose()
    click.echo(f"user {name} ({role}) saved")


@cli.command("import-registry")
@click.argument("path", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.pass_obj
def import_registry_cmd(cfg: HubConfig, path: Path) -> None:
    """Import booth names and postcodes from provisioning's registry.json (division and district from postcode)."""
    from hub.clock import utcnow
    from hub.db.engine import make_engine, migrate
    from hub.monitoring.registry import RegistryError, import_registry

    engine = make_engine(cfg.database.url)
    migrate(engine)
    try:
        with engine.begin() as conn:
            count = import_registry(conn, path, utcnow())
    except RegistryError as exc:
        raise click.ClickException(str(exc)) from None
    finally:
        engine.dispose()
    click.echo(f"{count} booths imported")


@cli.command("ingest-worker", hidden=True)
@click.option("--index", type=click.IntRange(0, 63), required=True)
@click.pass_obj
def ingest_worker_cmd(cfg: HubConfig, index: int) -> None:
    """One ingest worker process (started by the hub itself with --workers N)."""
    from hub.ingest.process import serve_ingest

    sys.exit(serve_ingest(cfg, index))


def main() -> None:
    """Console-script entry point."""
    cli()


if __name__ == "__main__":
    main()
