"""The issue's "done when": a real kiosk process with a serial scale peer (pty) and a network printer
peer (TCP) weighs, prints a Bengali receipt whose barcode decodes, reports paper-out in its retained
health on a real broker within one health period, and survives unplug/replug of scale and printer."""

from __future__ import annotations

import io
import json
import os
import subprocess
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
import zxingcpp
from PIL import Image

from demo.client import KioskClient
from demo.processes import Managed, Mosquitto, free_port, python_module, wait_for_port
from kiosk.devices.peers import PrinterPeer, ScalePeer, ScannerPeer
from parcel.control import Health
from parcel.topics import booth_topic
from tests.kiosk.conftest import HubPeer

BOOTH = "BD-1000-01"
TID = "RR123456785BD"
TID2 = "RB000000014BD"
HEALTH_S = 1.0
STATUS_S = 0.5


def until(check: Callable[[], object], timeout: float = 10.0, what: str = "condition") -> object:
    """Poll check until truthy, or fail naming what was awaited."""
    deadline = time.monotonic() + timeout
    while not (value := check()):
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        time.sleep(0.05)
    return value


class ScaleCable:
    """A scale peer behind a stable name (as /dev/serial/by-id): unplug and plug back in."""

    def __init__(self, link: Path) -> None:
        self.link = link
        self.peer = ScalePeer("toledo8217", weight_g=1234)
        self.plug()

    def plug(self) -> None:
        self.peer.start()
        os.symlink(self.peer.port, self.link)

    def unplug(self) -> None:
        self.peer.unplug()
        self.link.unlink()


@pytest.fixture
def scale(tmp_path: Path) -> Iterator[ScaleCable]:
    cable = ScaleCable(tmp_path / "ttyScale")
    try:
        yield cable
    finally:
        cable.peer.unplug()


@pytest.fixture
def printer_peer() -> Iterator[PrinterPeer]:
    """A TCP 9100 printer peer on a free loopback port."""
    peer = PrinterPeer().start()
    try:
        yield peer
    finally:
        peer.stop()


def kiosk_config(
    tmp_path: Path,
    http_port: int,
    broker_url: str,
    scale: ScaleCable,
    printer: PrinterPeer,
    scanner: ScannerPeer | None = None,
) -> Path:
    path = tmp_path / "kiosk.toml"
    scanner_section = f'[devices.scanner]\ndriver = "serial"\nport = "{scanner.port}"\n' if scanner else ""
    path.write_text(
        f'booth_id = "{BOOTH}"\n'
        f"[http]\nport = {http_port}\n"
        f'[broker]\nurl = "{broker_url}"\n'
        '[store]\npath = "data/kiosk.sqlite"\n'
        f"[uplink]\nhealth_interval_s = {HEALTH_S}\n"
        f'[devices.scale]\ndriver = "serial"\nport = "{scale.link}"\nprotocol = "toledo8217"\n'
        f'[devices.printer]\ndriver = "network"\nhost = "127.0.0.1"\nport = {printer.port}\n'
        f"width_px = 576\nstatus_interval_s = {STATUS_S}\ntimeout_s = 1.0\n" + scanner_section
    )
    return path


def retained_health(port: int) -> Health:
    """The retained health a hub subscribing now receives."""
    peer = HubPeer(port).start(booth_topic(BOOTH, "health"))
    try:
        _, payload, retained = peer.wait_for(lambda topic, p, r: True, timeout=10)
        assert retained
        return Health.model_validate_json(payload)
    finally:
        peer.stop()


def decoded(png: bytes) -> set[str]:
    return {b.text for b in zxingcpp.read_barcodes(Image.open(io.BytesIO(png)))}


def test_booth_with_real_scale_and_printer_peers(
    tmp_path: Path, broker: Mosquitto, scale: ScaleCable, printer_peer: PrinterPeer
) -> None:
    http_port = free_port()
    scanner = ScannerPeer("CR").start()
    config = kiosk_config(tmp_path, http_port, broker.url, scale, printer_peer, scanner)
    subprocess.run(
        python_module("kiosk", "--config", str(config), "add-clerk", "alice", "--pin", "1234"),
        check=True,
        capture_output=True,
        timeout=60,
    )
    kiosk = Managed("kiosk", python_module("kiosk", "--config", str(config)), tmp_path / "kiosk.log")
    kiosk.start()
    client = KioskClient(f"http://127.0.0.1:{http_port}")
    try:
        wait_for_port(http_port, proc=kiosk.proc)
        client.login("alice", "1234")

        # weighs: the scale's stable weight is shown and used for the fee
        until(lambda: client.devices()["scale"].get("stable"), what="a stable weight")
        devices = client.devices()
        assert devices["scale"]["weight_g"] == 1234 and devices["printer"]["state"] == "ok"

        # the serial scanner's read reaches the page's event stream through the real server
        with client.http.get(client.base_url + "/api/v1/scans/stream", stream=True, timeout=10) as stream:
            lines = stream.iter_lines(decode_unicode=True)
            assert next(lines).startswith("retry:")
            scanner.scan(TID, repeat=2)
            event = next(line for line in lines if line.startswith("data: "))
        assert json.loads(event[len("data: ") :])["code"] == TID
        answer = client.intake(
            tracking_id=TID, recipient={"name": "রহিমা খাতুন", "phone": "01812345678"},
            destination="BD-2000-01", cod_amount=300,
        )  # fmt: skip
        assert (answer["weight_g"], answer["printed"]) == (1234, True)

        # prints: receipt and label as raster; the receipt's Code128 and QR decode to the tracking id
        pages = printer_peer.wait_for_pages(2)
        assert all(p.images and not p.lines for p in pages)  # Bengali goes as raster, never as text
        receipt_png, label_png = printer_peer.png_images()[:2]
        assert decoded(receipt_png) == {TID} and TID in decoded(label_png)

        # paper out: in the retained health within one health period after the printer's poll
        printer_peer.paper = "out"
        started = time.monotonic()
        until(lambda: retained_health(broker.port).devices["printer"].state == "error", what="paper out")
        assert time.monotonic() - started <= HEALTH_S + STATUS_S + 1.0  # + one broker round trip
        assert "paper" in retained_health(broker.port).devices["printer"].detail

        # a receipt that cannot print is kept, the counter action is not lost, and it reprints
        answer = client.intake(
            tracking_id=TID2, recipient={"name": "Karim", "phone": "01812345679"},
            destination="BD-2000-01", cod_amount=0,
        )  # fmt: skip
        assert answer["printed"] is False
        failed = client.http.get(client.base_url + "/api/v1/print-jobs?status=failed", timeout=10).json()[
            "jobs"
        ]
        assert [j["tracking_id"] for j in failed] == [TID2] and "paper" in failed[0]["detail"]
        printer_peer.paper = "ok"
        until(lambda: client.devices()["printer"]["state"] == "ok", what="paper back")
        reprint = client._post(f"/api/v1/print-jobs/{failed[0]['id']}/reprint", {})
        assert reprint["printed"] is True
        printer_peer.wait_for_pages(4)
        assert TID2 in decoded(printer_peer.png_images()[2])

        # unplug/replug the scale: error with detail, then the weight again without a restart
        scale.unplug()
        until(lambda: client.devices()["scale"]["state"] == "error", what="scale unplugged")
        assert "disconnected" in client.devices()["scale"]["detail"]
        scale.peer.put(2000)
        scale.plug()
        until(lambda: client.devices()["scale"].get("weight_g") == 2000, what="scale back")

        # unplug/replug the printer
        port = printer_peer.port
        printer_peer.stop()
        until(lambda: client.devices()["printer"]["state"] == "error", what="printer unplugged")
        printer_peer.port = port
        printer_peer.start()
        until(lambda: client.devices()["printer"]["state"] == "ok", what="printer back")
        assert kiosk.running
        assert retained_health(broker.port).devices["scale"].model_extra["weight_g"] == 2000
    finally:
        client.close()
        kiosk.stop()
        scanner.unplug()


def test_devices_command_probes_real_peers(
    tmp_path: Path, scale: ScaleCable, printer_peer: PrinterPeer
) -> None:
    config = kiosk_config(tmp_path, free_port(), "mqtt://127.0.0.1:1", scale, printer_peer)
    probe = subprocess.run(
        python_module("kiosk", "--config", str(config), "devices"), capture_output=True, text=True, timeout=60
    )
    assert probe.returncode == 0, probe.stderr
    lines = {line.split()[0]: line for line in probe.stdout.splitlines()}
    assert "weight_g=1234 stable=True" in lines["scale"] and lines["scale"].split()[1] == "ok"
    assert lines["printer"].split()[1] == "ok" and lines["camera"].split()[1] == "absent"
    printer_peer.paper = "out"
    scale.unplug()
    probe = subprocess.run(
        python_module("kiosk", "--config", str(config), "devices"), capture_output=True, text=True, timeout=60
    )
    assert probe.returncode == 1
    lines = {line.split()[0]: line for line in probe.stdout.splitlines()}
    assert "error" in lines["scale"] and "paper out" in lines["printer"]
