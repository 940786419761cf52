"""`python -m kiosk.devices.peers`: run simulated scale, scanner and printer peers for demo and training.

Prints the `[devices.*]` config that points a kiosk at them, then serves until Ctrl-C. Scans typed on
stdin are sent by the scanner peer; `w 1234` puts 1234 g on the scale; `paper out|low|ok` sets paper.
"""

from __future__ import annotations

import contextlib
import os
import sys
from pathlib import Path

import click

from kiosk.devices.peers.printer import PrinterPeer
from kiosk.devices.peers.scale import PROTOCOLS, ScalePeer
from kiosk.devices.peers.scanner import ScannerPeer


def _link(target: str, link: Path | None) -> str:
    if link is None:
        return target
    with contextlib.suppress(FileNotFoundError):
        link.unlink()
    os.symlink(target, link)
    return str(link)


@click.command()
@click.option("--scale", "protocol", type=click.Choice(PROTOCOLS), default="toledo8217", show_default=True)
@click.option("--weight", "weight_g", type=int, default=750, show_default=True, help="grams on the plate")
@click.option("--scale-link", type=click.Path(path_type=Path), help="stable name for the scale's pty")
@click.option("--scanner-link", type=click.Path(path_type=Path), help="stable name for the scanner's pty")
@click.option("--printer-port", type=int, default=0, help="TCP port of the printer (0 picks one)")
def main(
    protocol: str, weight_g: int, scale_link: Path | None, scanner_link: Path | None, printer_port: int
) -> None:
    """Run the peers and print the kiosk config that uses them."""
    scale = ScalePeer(protocol, weight_g=weight_g).start()
    scanner = ScannerPeer("CR").start()
    printer = PrinterPeer(port=printer_port).start()
    try:
        click.echo(
            f'[devices.scale]\ndriver = "serial"\nport = "{_link(scale.port, scale_link)}"\nprotocol = "{protocol}"\n\n'
            f'[devices.scanner]\ndriver = "serial"\nport = "{_link(scanner.port, scanner_link)}"\n\n'
            f'[devices.printer]\ndriver = "network"\nhost = "127.0.0.1"\nport = {printer.port}\n',
        )
        click.echo("type a code to scan it, `w GRAMS`, `paper out|low|ok`, Ctrl-D to stop", err=True)
        for line in sys.stdin:
            words = line.split()
            if len(words) == 2 and words[0] == "w" and words[1].isdigit():
                scale.put(int(words[1]))
            elif len(words) == 2 and words[0] == "paper" and words[1] in ("out", "low", "ok"):
                printer.paper = words[1]  # type: ignore[assignment]
            elif words:
                scanner.scan(line.strip())
    except KeyboardInterrupt:
        pass
    finally:
        scale.unplug()
        scanner.unplug()
        printer.stop()
        for link in (scale_link, scanner_link):
            if link is not None:
                with contextlib.suppress(FileNotFoundError):
                    link.unlink()


if __name__ == "__main__":
    main()
