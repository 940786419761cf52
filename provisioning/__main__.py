"""`python -m provisioning --home DIR init|add-booth|revoke`: the technician's commands."""

from __future__ import annotations

import csv
import os
import secrets
import shutil
import signal
import subprocess
from pathlib import Path

import click

from parcel.topics import is_booth_id
from provisioning.broker_conf import (
    HUB_USER,
    LOCAL_USER,
    TlsBrokerSettings,
    render_acl,
    render_local_acl,
    render_tls,
)
from provisioning.bundles import hub_toml, kiosk_toml
from provisioning.pki import CertificateAuthority, save_issued, write_private, write_public
from provisioning.registry import BoothRecord, Registry, now_iso


@click.group()
@click.option("--home", type=click.Path(path_type=Path), required=True, help="The provisioning directory.")
@click.pass_context
def main(ctx: click.Context, home: Path) -> None:
    """Provision a DakBooth deployment: CA, broker, hub and booth identities."""
    ctx.obj = home.resolve()


@main.command()
@click.option("--hub-host", required=True, help="Host name or address booths use to reach the broker.")
@click.option("--broker-port", default=8883, show_default=True, type=int)
@click.option(
    "--run-as", default="mosquitto", show_default=True, help="User the broker drops to when started as root."
)
@click.option(
    "--local-port",
    type=int,
    help="Also a plain listener on 127.0.0.1:PORT for local tools (read-only, password).",
)
@click.pass_obj
def init(home: Path, hub_host: str, broker_port: int, run_as: str, local_port: int | None) -> None:
    """Create the CA, the hub's identity and the broker's configuration."""
    if Registry.path(home).exists():
        raise click.ClickException(f"{home} is already initialised")
    ca = CertificateAuthority.create(home / "ca", "DakBooth CA")
    registry = Registry(hub_host=hub_host, broker_port=broker_port, run_as=run_as, local_port=local_port)
    hub_dir = home / "hub"
    save_issued(ca.issue(HUB_USER), hub_dir / "hub.crt", hub_dir / "hub.key")
    shutil.copy(ca.directory / "ca.crt", hub_dir / "ca.crt")
    (hub_dir / "hub.toml").write_text(hub_toml(hub_host, broker_port))
    broker_dir = home / "broker"
    names = tuple(dict.fromkeys((hub_host, "localhost", "127.0.0.1")))
    save_issued(
        ca.issue(hub_host, server_names=names, client=False),
        broker_dir / "server.crt",
        broker_dir / "server.key",
    )
    (broker_dir / "data").mkdir(parents=True, exist_ok=True)
    if local_port:
        _local_tools_password(broker_dir)
    registry.save(home)
    _write_broker_files(home, registry, ca)
    click.echo(f"initialised {home}: CA, hub identity, broker config at {broker_dir / 'mosquitto.conf'}")


@main.command("add-booth")
@click.argument("booth_id")
@click.option("--name", default="", help="The post office's name.")
@click.option("--postcode", default="", help="The post office's postcode.")
@click.pass_obj
def add_booth(home: Path, booth_id: str, name: str, postcode: str) -> None:
    """Issue a booth's certificate (CN = booth id) and write its bundle."""
    registry = _load(home)
    _check_new_booth(registry, booth_id)
    ca = CertificateAuthority(home / "ca")
    _enrol(home, registry, ca, booth_id, name, postcode)
    registry.save(home)
    _write_broker_files(home, registry, ca)
    _reload_broker(home / "broker")
    click.echo(f"{booth_id}: bundle written to {home / 'booths' / booth_id}")


@main.command("bulk-add")
@click.argument("csv_file", type=click.File(encoding="utf-8-sig"))
@click.pass_obj
def bulk_add(home: Path, csv_file: click.utils.LazyFile) -> None:
    """Enrol every booth in a CSV file with columns booth_id,name,postcode (all checked before any is issued)."""
    registry = _load(home)
    rows = list(csv.DictReader(csv_file))
    seen: set[str] = set()
    for line, row in enumerate(rows, start=2):
        booth_id = (row.get("booth_id") or "").strip()
        try:
            _check_new_booth(registry, booth_id)
            if booth_id in seen:
                raise click.ClickException(f"{booth_id} appears twice")
        except click.ClickException as exc:
            raise click.ClickException(f"line {line}: {exc.message}") from None
        seen.add(booth_id)
    ca = CertificateAuthority(home / "ca")
    with click.progressbar(rows, label="issuing booth certificates") as bar:
        for row in bar:
            _enrol(
                home,
                registry,
                ca,
                row["booth_id"].strip(),
                (row.get("name") or "").strip(),
                (row.get("postcode") or "").strip(),
            )
    registry.save(home)
    _write_broker_files(home, registry, ca)
    _reload_broker(home / "broker")
    click.echo(f"{len(rows)} booths enrolled")


@main.command()
@click.argument("booth_id")
@click.pass_obj
def rotate(home: Path, booth_id: str) -> None:
    """Issue a booth a new key and certificate and revoke the old one (the bundle is rewritten)."""
    registry = _load(home)
    record = registry.booths.get(booth_id)
    if record is None or record.state != "active":
        raise click.ClickException(f"{booth_id} is not an enrolled booth")
    ca = CertificateAuthority(home / "ca")
    registry.revoked_serials.append(record.cert_serial)
    _enrol(home, registry, ca, booth_id, record.name, record.postcode, config=False)
    registry.save(home)
    _write_broker_files(home, registry, ca)
    _reload_broker(home / "broker")
    click.echo(f"{booth_id}: new certificate written to {home / 'booths' / booth_id}; the old one is revoked")


def _check_new_booth(registry: Registry, booth_id: str) -> None:
    if not is_booth_id(booth_id):
        raise click.ClickException(f"{booth_id!r} is not a booth id (like BD-1000-01)")
    existing = registry.booths.get(booth_id)
    if existing and existing.state == "active":
        raise click.ClickException(f"{booth_id} is already enrolled (revoke it first to re-issue)")


def _enrol(
    home: Path,
    registry: Registry,
    ca: CertificateAuthority,
    booth_id: str,
    name: str,
    postcode: str,
    *,
    config: bool = True,
) -> None:
    """Issue the certificate, write the bundle (kiosk.toml too unless config is False), record the booth."""
    issued = ca.issue(booth_id)
    bundle = home / "booths" / booth_id
    save_issued(issued, bundle / "booth.crt", bundle / "booth.key")
    write_public(bundle / "ca.crt", (ca.directory / "ca.crt").read_bytes())
    if config or not (bundle / "kiosk.toml").exists():
        (bundle / "kiosk.toml").write_text(kiosk_toml(booth_id, registry.hub_host, registry.broker_port))
    registry.booths[booth_id] = BoothRecord(
        booth_id,
        name=name,
        postcode=postcode or booth_id[3:7],
        cert_serial=issued.cert.serial_number,
        issued_at=now_iso(),
    )


@main.command()
@click.argument("booth_id")
@click.pass_obj
def revoke(home: Path, booth_id: str) -> None:
    """Revoke a booth's certificate: CRL and ACL updated, a running broker reloaded."""
    registry = _load(home)
    record = registry.booths.get(booth_id)
    if record is None or record.state != "active":
        raise click.ClickException(f"{booth_id} is not an enrolled booth")
    record.state = "revoked"
    registry.revoked_serials.append(record.cert_serial)
    registry.save(home)
    _write_broker_files(home, registry, CertificateAuthority(home / "ca"))
    reloaded = _reload_broker(home / "broker")
    click.echo(f"{booth_id}: revoked" + ("; broker reloaded" if reloaded else "; start the broker to apply"))


def _load(home: Path) -> Registry:
    try:
        return Registry.load(home)
    except FileNotFoundError as exc:
        raise click.ClickException(str(exc)) from None


def _write_broker_files(home: Path, registry: Registry, ca: CertificateAuthority) -> None:
    broker_dir = home / "broker"
    ca.write_crl(registry.revoked_serials)
    write_public(broker_dir / "ca.crt", (ca.directory / "ca.crt").read_bytes())
    write_public(broker_dir / "crl.pem", (ca.directory / "crl.pem").read_bytes())
    (broker_dir / "acl").write_text(render_acl([b.booth_id for b in registry.active_booths()]))
    settings = TlsBrokerSettings(
        broker_dir=broker_dir,
        port=registry.broker_port,
        run_as=registry.run_as,
        local_port=registry.local_port,
    )
    if registry.local_port:
        (broker_dir / "acl-local").write_text(render_local_acl())
    (broker_dir / "mosquitto.conf").write_text(render_tls(settings))


def _local_tools_password(broker_dir: Path) -> None:
    """A random password for the local-tools user: kept in local-tools.secret, hashed by mosquitto_passwd."""
    password = secrets.token_urlsafe(24)
    write_private(broker_dir / "local-tools.secret", f"{LOCAL_USER}:{password}\n".encode())
    passwd = broker_dir / "local-tools.passwd"
    write_private(passwd, f"{LOCAL_USER}:{password}\n".encode())
    tool = shutil.which("mosquitto_passwd") or "/usr/bin/mosquitto_passwd"
    subprocess.run([tool, "-U", str(passwd)], check=True, capture_output=True, timeout=30)  # hash in place


def _reload_broker(broker_dir: Path) -> bool:
    """SIGHUP a running broker (it rereads the ACL); False when none runs."""
    try:
        pid = int((broker_dir / "mosquitto.pid").read_text().strip())
        os.kill(pid, signal.SIGHUP)
    except (FileNotFoundError, ValueError, ProcessLookupError):
        return False
    return True


if __name__ == "__main__":
    main()
