"""`python -m demo`: run broker, hub and two kiosks on this machine and print every URL; Ctrl-C stops all."""

from __future__ import annotations

import logging
import secrets
import signal
import tempfile
import threading
from pathlib import Path

import click

from demo import traffic
from demo.smpp_peer import SmppPeer
from demo.smpp_status import SmppStatusPage
from demo.sms_sink import SmsSink
from demo.stack import Stack


@click.command()
@click.option("--dir", "workdir", type=click.Path(path_type=Path), help="Keep the demo's state here.")
@click.option("--traffic/--no-traffic", "traffic_on", default=True, help="Run a journey every few seconds.")
@click.option(
    "--sms",
    "sms_mode",
    type=click.Choice(["http", "smpp"]),
    default="http",
    show_default=True,
    help="How the hub sends SMS: to a local HTTP gateway, or over SMPP to a local SMSC.",
)
def main(workdir: Path | None, traffic_on: bool, sms_mode: str) -> None:
    """Start the whole DakBooth system locally and print its URLs."""
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s: %(message)s")
    root = workdir or Path(tempfile.mkdtemp(prefix="dakbooth-demo-"))
    sms: SmsSink | SmppPeer
    page: SmsSink | SmppStatusPage
    if sms_mode == "smpp":
        password = secrets.token_hex(4)  # a bind password of this run only (SMPP allows 8 characters)
        peer = SmppPeer(password=password).start()
        sms, page = peer, SmppStatusPage(peer)
        page.start()
        stack = Stack(root, smpp_port=peer.port, smpp_password=password)
    else:
        sink = SmsSink()
        sink.start()
        sms = page = sink
        stack = Stack(root, sms_url=sink.url)
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    try:
        click.echo(f"Starting DakBooth in {root} ...")
        stack.start()
        key = stack.create_api_key("demo-monitor", "monitor")
        _print_urls(stack, sms, page, key)
        if traffic_on:
            threading.Thread(target=traffic.run, args=(stack, sms, stop), name="traffic", daemon=True).start()
        while not stop.wait(0.5):
            if not stack.hub.running or not all(k.process.running for k in stack.kiosks.values()):
                click.echo("A process stopped unexpectedly; logs:\n" + stack.logs(), err=True)
                break
    except KeyboardInterrupt:
        pass
    finally:
        stop.set()
        click.echo("Stopping ...")
        stack.stop()
        if page is not sms:
            page.stop()
        sms.stop()
        click.echo("Stopped; nothing left running.")


def _print_urls(stack: Stack, sms: SmsSink | SmppPeer, page: SmsSink | SmppStatusPage, key: str) -> None:
    click.echo("\nDakBooth is running:\n")
    for kiosk in stack.kiosks.values():
        spec = kiosk.spec
        click.echo(
            f"  kiosk {spec.booth_id} ({spec.name}):  {kiosk.url}/   "
            f"clerk {spec.clerk} PIN {spec.pin}, supervisor {spec.supervisor} PIN {spec.supervisor_pin}"
        )
    click.echo(f"  public tracking page:         {stack.hub_url}/track")
    click.echo(f"  tracking API:                 {stack.hub_url}/api/v1/track/<tracking id>")
    click.echo(
        f"  booths API (monitoring cell): {stack.hub_url}/api/v1/booths  (Authorization: Bearer {key})"
    )
    if isinstance(sms, SmppPeer):
        click.echo(f"  SMS sent to customers:        http://127.0.0.1:{page.port}/  (received by the SMSC)")
        click.echo(f"  SMSC (SMPP):                  127.0.0.1:{sms.port}  system_id dakbooth")
    else:
        click.echo(f"  SMS sent to customers:        http://127.0.0.1:{sms.port}/")
    click.echo(f"  broker:                       {stack.broker.url}")
    click.echo(f"  state and logs:               {stack.workdir}")
    click.echo("\nPress Ctrl-C to stop.\n")


if __name__ == "__main__":
    main()
