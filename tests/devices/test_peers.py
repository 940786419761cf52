"""Scale parsers through a real pty peer (pyserial), the printer through a TCP peer (python-escpos)."""

from __future__ import annotations

import io
import os
import socket
import time
from collections.abc import Iterator

import pytest
import serial
from escpos.printer import Network
from PIL import Image
from pyzbar import pyzbar

from kiosk.devices.peers import PrinterPeer, ScalePeer
from kiosk.devices.printing import (
    PrintRefused,
    make_printer,
    print_document,
    query_network,
    query_printer,
)
from kiosk.devices.scales import Reading, Reply, StableWeight, make_parser

from .conftest import TRACK_URL, TRACKING

PROTOCOLS = ["toledo8217", "mt-sics", "cas"]


class ScaleLink:
    """A parser reading a pty scale peer through pyserial, polling as the protocol wants."""

    def __init__(self, peer: ScalePeer) -> None:
        self.peer = peer
        self.parser = make_parser(peer.protocol)
        self.port = serial.Serial(peer.port, timeout=0.05, **self.parser.serial.as_kwargs())

    def events(self, count: int = 1, command: bytes | None = None, timeout: float = 2.0) -> list:
        """Send command (or the poll) and collect at least count events."""
        out: list = []
        deadline = time.monotonic() + timeout
        cmd = self.parser.poll if command is None else command
        while len(out) < count and time.monotonic() < deadline:
            if cmd:
                self.port.write(cmd)
            out += self.parser.feed(self.port.read(256))
        return out

    def close(self) -> None:
        self.port.close()


@pytest.fixture(params=PROTOCOLS)
def scale(request) -> Iterator[ScaleLink]:
    peer = ScalePeer(request.param, weight_g=1500).start()
    link = ScaleLink(peer)
    try:
        yield link
    finally:
        link.close()
        peer.stop()


def test_stable_weight_through_pty(scale):
    f = StableWeight(repeats=3)
    weights = [f.push(r) for r in scale.events(4) if isinstance(r, Reading)]
    assert weights[-1] == 1500


def test_unstable_weight_never_accepted(scale):
    scale.peer.set_unstable()
    f = StableWeight(repeats=2)
    readings = [r for r in scale.events(6) if isinstance(r, Reading)]
    assert len(readings) >= 6
    assert all(f.push(r) is None for r in readings)
    assert {r.state for r in readings} <= {"motion", "error"}
    scale.peer.set_unstable(False)
    assert [f.push(r) for r in scale.events(2)][-1] == 1500


def test_overload_is_a_state(scale):
    scale.peer.set_overload()
    (r, *_) = scale.events(1)
    assert r.state == "overload" and r.weight_g is None


def test_garbled_frame_is_error_then_recovers(scale):
    scale.peer.garble(1)
    events = scale.events(2)
    assert events[0].state == "error"
    assert events[1] == Reading(1500, True, "ok")


def test_unplug_and_replug(scale):
    assert scale.events(1)[0].weight_g == 1500
    scale.peer.unplug()
    with pytest.raises(serial.SerialException):
        for _ in range(20):
            scale.port.write(scale.parser.poll or b"x")
            scale.port.read(64)
    scale.close()
    scale.peer.put(800)
    scale.peer.start()
    scale.parser.reset()
    scale.port = serial.Serial(scale.peer.port, timeout=0.05, **scale.parser.serial.as_kwargs())
    assert scale.events(1)[0] == Reading(800, True, "ok")


def test_mtsics_zero_and_tare_replies():
    peer = ScalePeer("mt-sics", weight_g=300).start()
    link = ScaleLink(peer)
    try:
        assert link.events(1, b"T\r\n") == [Reply("T", True, "0.300 kg")]
        assert link.events(1) == [Reading(0, True, "ok")]
        peer.put(1300)
        assert link.events(1, b"S\r\n") == [Reading(1000, True, "ok")]
        peer.set_unstable()
        assert link.events(1, b"Z\r\n") == [Reply("Z", False, "command not executable now")]
        assert link.events(1, b"S\r\n")[0].detail == "command not executable now"
    finally:
        link.close()
        peer.stop()


def test_toledo_zero_then_negative_is_underload():
    peer = ScalePeer("toledo8217", weight_g=200).start()
    link = ScaleLink(peer)
    try:
        link.port.write(b"Z")
        assert link.events(1) == [Reading(0, True, "ok")]
        peer.put(100)
        assert link.events(1)[0].state == "underload"
    finally:
        link.close()
        peer.stop()


def network_config(peer: PrinterPeer, **extra) -> dict:
    return {
        "driver": "network",
        "host": "127.0.0.1",
        "port": peer.port,
        "width_px": 384,
        "timeout": 1.0,
        **extra,
    }


def test_receipt_printed_through_tcp_peer_decodes(printer_peer, receipt):
    config = network_config(printer_peer, band_rows=128)
    status = print_document(make_printer(config), config, receipt)
    assert status.state == "ok"
    (page,) = printer_peer.wait_for_pages(1)
    (image,) = page.images
    assert image.width == 384
    found = {s.type: s.data.decode() for s in pyzbar.decode(image.convert("L"))}
    assert found == {"CODE128": TRACKING, "QRCODE": TRACK_URL}
    (png,) = printer_peer.png_images()
    assert Image.open(io.BytesIO(png)).size == image.size


def test_text_through_python_escpos_network(printer_peer):
    p = Network("127.0.0.1", port=printer_peer.port, timeout=1)
    p.text("Dak Booth\n")
    p.cut()
    p.close()
    printer_peer.wait_for_pages(1)
    assert printer_peer.text() == "Dak Booth"


def test_paper_states_over_tcp(printer_peer, receipt):
    assert query_network("127.0.0.1", printer_peer.port, 1.0).state == "ok"
    printer_peer.paper = "low"
    assert query_network("127.0.0.1", printer_peer.port, 1.0).paper == "low"
    printer_peer.paper = "out"
    status = query_network("127.0.0.1", printer_peer.port, 1.0)
    assert (status.online, status.paper, status.state) == (False, "out", "error")
    config = network_config(printer_peer)
    with pytest.raises(PrintRefused) as exc:
        print_document(make_printer(config), config, receipt)
    assert exc.value.status.paper == "out"
    assert b"\x1dv0" not in printer_peer.received  # nothing was sent
    printer_peer.paper = "ok"
    print_document(make_printer(config), config, receipt)
    assert len(printer_peer.wait_for_pages(1)) == 1


def test_python_escpos_status_on_peer(printer_peer):
    p = Network("127.0.0.1", port=printer_peer.port, timeout=1)
    printer_peer.paper = "out"
    assert p.paper_status() == 0
    assert query_printer(p).paper == "out"
    p.close()


def test_silent_peer_times_out(printer_peer):
    printer_peer.silent = True
    p = Network("127.0.0.1", port=printer_peer.port, timeout=0.3)
    with pytest.raises(TimeoutError):
        p.paper_status()  # what python-escpos does with a silent network printer
    p.close()
    start = time.monotonic()
    status = query_network("127.0.0.1", printer_peer.port, 0.3)
    assert time.monotonic() - start < 1.0
    assert status.state == "error" and status.detail == "no answer to status query"


def test_nothing_listening_is_offline():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    status = query_network("127.0.0.1", port, 0.5)
    assert not status.online and "cannot reach" in status.detail


def test_serial_printer_with_no_answer_is_unknown_not_paper_ok():
    master, slave = os.openpty()  # a port where nothing answers
    try:
        config = {"driver": "serial", "port": os.ttyname(slave), "width_px": 384, "timeout": 0.2}
        printer = make_printer(config)
        assert printer.paper_status() == 2  # python-escpos: silence reads as "paper adequate"
        status = query_printer(printer)
        printer.close()
    finally:
        os.close(master)
        os.close(slave)
    assert status.paper == "unknown" and not status.can_print
