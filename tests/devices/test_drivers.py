"""Every real driver through its real peer: serial scale and scanner on a pty, printer on TCP 9100
and in a file, camera on image and video files; unplug and replug end in the right state."""

from __future__ import annotations

import io
import os
import select
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import cv2
import numpy as np
import pytest
from PIL import Image
from pyzbar import pyzbar

from kiosk.config import CameraConfig, PrinterConfig, ScaleConfig, ScannerConfig
from kiosk.devices.base import DeviceError, PrinterError
from kiosk.devices.camera import synthetic_frame
from kiosk.devices.drivers.camera import OpenCvCamera
from kiosk.devices.drivers.escpos_printer import EscposPrinter
from kiosk.devices.drivers.evdev_scanner import EvdevScanner, available
from kiosk.devices.drivers.serial_scale import SerialScale
from kiosk.devices.drivers.serial_scanner import SerialScanner
from kiosk.devices.manager import DeviceManager
from kiosk.devices.peers import PrinterPeer, ScalePeer, ScannerPeer
from kiosk.devices.printing import Document, decode
from kiosk.devices.scanning.keys import KeyDecoder
from kiosk.devices.scans import ScanBus, ScanEvent

from .conftest import TRACKING


def until(check: Callable[[], object], timeout: float = 5.0) -> object:
    """Poll check until truthy; fail with the last value after timeout."""
    deadline = time.monotonic() + timeout
    value = check()
    while not value and time.monotonic() < deadline:
        time.sleep(0.02)
        value = check()
    assert value, f"condition not met within {timeout} s"
    return value


class PluggedPty:
    """A peer on a pty reached through a stable symlink, as /dev/serial/by-id names a USB device."""

    def __init__(self, peer: ScalePeer | ScannerPeer, link: Path) -> None:
        self.peer, self.link = peer, link
        self.plug()

    def plug(self) -> None:
        self.peer.start()
        if self.link.is_symlink():
            self.link.unlink()
        os.symlink(self.peer.port, self.link)

    def unplug(self) -> None:
        self.peer.unplug()
        self.link.unlink()


@pytest.fixture
def scale_pty(tmp_path: Path) -> Iterator[PluggedPty]:
    """A Toledo 8217 scale peer with 1234 g on the plate, behind a stable port name."""
    plugged = PluggedPty(ScalePeer("toledo8217", weight_g=1234), tmp_path / "scale")
    try:
        yield plugged
    finally:
        plugged.peer.unplug()


# -- scale ------------------------------------------------------------------------------------------


@pytest.mark.parametrize("protocol", ["toledo8217", "mt-sics", "cas"])
def test_serial_scale_reads_a_stable_weight_in_every_protocol(protocol: str) -> None:
    peer = ScalePeer(protocol, weight_g=2500).start()
    scale = SerialScale(ScaleConfig(driver="serial", port=peer.port, protocol=protocol))
    try:
        scale.start()
        until(lambda: scale.health().model_extra.get("stable"))
        assert scale.read().weight_g == 2500 and scale.read().stable
        h = scale.health()
        assert (h.state, h.model_extra["weight_g"]) == ("ok", 2500)
    finally:
        scale.stop()
        peer.unplug()


def test_serial_scale_motion_overload_and_garbage_are_states_not_weights(scale_pty: PluggedPty) -> None:
    peer = scale_pty.peer
    assert isinstance(peer, ScalePeer)
    scale = SerialScale(ScaleConfig(driver="serial", port=str(scale_pty.link), protocol="toledo8217"))
    scale.start()
    try:
        until(lambda: scale.health().model_extra.get("stable"))
        peer.set_unstable()
        until(lambda: "motion" in scale.health().detail)
        assert not scale.health().model_extra.get("stable")
        peer.set_unstable(False)
        peer.set_overload()
        until(lambda: scale.health().detail.startswith("over capacity"))
        assert scale.health().state == "warning"
        with pytest.raises(DeviceError):
            scale.read()
        peer.set_overload(False)
        peer.put(800)
        until(lambda: scale.health().model_extra.get("weight_g") == 800 and scale.read().stable)
    finally:
        scale.stop()


def test_serial_scale_unplug_is_an_error_and_replug_recovers(scale_pty: PluggedPty) -> None:
    scale = SerialScale(ScaleConfig(driver="serial", port=str(scale_pty.link), protocol="toledo8217"))
    scale.start()
    try:
        until(lambda: scale.health().model_extra.get("weight_g") == 1234)
        scale_pty.unplug()
        until(lambda: scale.health().state == "error")
        assert scale.health().detail.startswith("disconnected")
        with pytest.raises(DeviceError):
            scale.read()
        scale_pty.plug()  # a new pty behind the same name
        until(lambda: scale.health().model_extra.get("weight_g") == 1234, timeout=10)
        assert scale.reader.reconnects >= 1 and scale.reader.alive
    finally:
        scale.stop()


def test_scale_absent_at_start_fails_then_the_watchdog_brings_it_up(tmp_path: Path) -> None:
    link = tmp_path / "scale"
    scale = SerialScale(ScaleConfig(driver="serial", port=str(link), protocol="toledo8217"))
    manager = DeviceManager({"scale": scale})
    manager.start()
    plugged: PluggedPty | None = None
    try:
        health = manager.health()["scale"]
        assert health.state == "error" and "retrying" in health.detail
        plugged = PluggedPty(ScalePeer("toledo8217", weight_g=321), link)
        until(lambda: manager.health()["scale"].model_extra.get("weight_g") == 321, timeout=10)
        assert manager.restarts["scale"] >= 1
        reading = manager.weigh()
        assert reading is not None and reading.weight_g == 321
    finally:
        manager.stop()
        if plugged is not None:
            plugged.peer.unplug()


# -- serial scanner ---------------------------------------------------------------------------------


def test_serial_scanner_delivers_validated_scans_once(tmp_path: Path) -> None:
    plugged = PluggedPty(ScannerPeer("CR"), tmp_path / "scanner")
    peer = plugged.peer
    assert isinstance(peer, ScannerPeer)
    bus = ScanBus(duplicate_window_s=5)
    seen = bus.subscribe()
    scanner = SerialScanner(ScannerConfig(driver="serial", port=str(plugged.link)), bus)
    scanner.start()
    try:
        peer.scan(TRACKING, repeat=3)  # one label read three times
        peer.scan_garbled()
        peer.scan_split("RR123456784BD", at=5)  # wrong check digit, split over two packets
        peer.scan("4006381333931")
        got: list[ScanEvent] = [seen.get(timeout=5) for _ in range(3)]
        assert [(e.code, e.kind) for e in got] == [
            (TRACKING, "tracking"),
            ("RR123456784BD", "invalid"),
            ("4006381333931", "other"),
        ]
        assert "check digit" in got[1].error
        assert seen.empty() and bus.dropped_duplicates == 2
        assert scanner.rejected == 1 and "unreadable" in scanner.health().detail
        plugged.unplug()
        until(lambda: scanner.health().state == "error")
        plugged.plug()
        until(lambda: scanner.health().state == "ok", timeout=10)
        peer.scan("RB000000014BD")
        assert seen.get(timeout=5).code == "RB000000014BD"
    finally:
        scanner.stop()
        plugged.peer.unplug()


def test_evdev_key_decoder_turns_key_events_into_a_scan() -> None:
    keys = KeyDecoder("CR")
    shift, r, b, one, enter = 42, 19, 48, 2, 28
    events = [(shift, 1), (r, 1), (r, 0), (b, 1), (shift, 0), (one, 1), (one, 2), (one, 0), (enter, 1)]
    out = [keys.feed(code, value) for code, value in events]
    assert out[:-1] == [None] * (len(events) - 1) and out[-1] == "RB1"


@pytest.mark.skipif(not available(), reason="python-evdev is not installed on this machine")
def test_evdev_scanner_without_its_device_is_an_error(tmp_path: Path) -> None:
    # no /dev/uinput in this container, so no virtual keyboard peer: only the absent-device path runs
    scanner = EvdevScanner(ScannerConfig(driver="evdev", device=str(tmp_path / "event9")))
    with pytest.raises(DeviceError):
        scanner.start()
    assert scanner.health().state == "error" and not scanner.alive


# -- printer ----------------------------------------------------------------------------------------


def network_printer(peer: PrinterPeer, **extra: object) -> EscposPrinter:
    config = PrinterConfig(driver="network", host=peer.host, port=peer.port, width_px=576, **extra)
    return EscposPrinter(config)


def barcodes(png: bytes) -> set[str]:
    return {s.data.decode() for s in pyzbar.decode(Image.open(io.BytesIO(png)))}


def test_network_printer_prints_bengali_raster_whose_codes_decode(
    printer_peer: PrinterPeer, receipt: Document
) -> None:
    printer = network_printer(printer_peer)
    printer.start()
    try:
        assert printer.health().state == "ok"
        printer.print_pages([receipt])
        (page,) = printer_peer.wait_for_pages(1)
        assert page.images and page.images[0].width == 576
        assert TRACKING in barcodes(printer_peer.png_images()[0])
    finally:
        printer.stop()


def test_network_printer_paper_states_and_unplug(printer_peer: PrinterPeer, receipt: Document) -> None:
    printer = network_printer(printer_peer, status_interval_s=0.2, timeout_s=0.5)
    printer.start()
    try:
        printer_peer.paper = "low"
        until(lambda: printer.health().state == "warning")
        printer.print_pages([receipt])  # low paper still prints
        printer_peer.wait_for_pages(1)
        printer_peer.paper = "out"
        until(lambda: printer.health().detail == "paper out")
        assert printer.health().state == "error"
        with pytest.raises(PrinterError, match="paper out"):
            printer.print_pages([receipt])
        assert len(printer_peer.wait_for_pages(1)) == 1 and not printer_peer.refused  # nothing sent
        port = printer_peer.port
        printer_peer.stop()  # unplugged: nothing listens
        until(lambda: "cannot reach" in printer.health().detail)
        assert printer.health().state == "error"
        printer_peer.port, printer_peer.paper = port, "ok"
        printer_peer.start()  # plugged back in on the same address
        until(lambda: printer.health().state == "ok")
        printer.print_pages([receipt])
        assert len(printer_peer.wait_for_pages(2)) == 2
    finally:
        printer.stop()


def test_a_silent_printer_is_an_error_within_the_timeout(
    printer_peer: PrinterPeer, receipt: Document
) -> None:
    printer_peer.silent = True
    printer = network_printer(printer_peer, timeout_s=0.3)
    started = time.monotonic()
    printer.start()
    try:
        assert time.monotonic() - started < 2
        assert printer.health().state == "error" and "no answer" in printer.health().detail
        with pytest.raises(PrinterError):
            printer.print_pages([receipt])
    finally:
        printer.stop()


def test_file_printer_writes_escpos_that_decodes_back(tmp_path: Path, receipt: Document) -> None:
    out = tmp_path / "printer.bin"
    printer = EscposPrinter(PrinterConfig(driver="file", path=out, width_px=384))
    printer.start()
    try:
        printer.print_pages([receipt, receipt])
    finally:
        printer.stop()
    pages = decode(out.read_bytes())
    assert len(pages) == 2 and pages[0].images[0].width == 384


def test_unknown_printer_settings_fail_at_build() -> None:
    with pytest.raises(DeviceError, match="needs: host"):
        EscposPrinter(PrinterConfig(driver="network"))


# -- camera -----------------------------------------------------------------------------------------


def test_camera_from_an_image_file_delivers_a_datamatrix_scan_once(tmp_path: Path) -> None:
    image = tmp_path / "counter.png"
    cv2.imwrite(str(image), synthetic_frame((640, 480), "datamatrix", TRACKING))
    bus = ScanBus()
    seen = bus.subscribe()
    camera = OpenCvCamera(CameraConfig(driver="file", path=image, fps=20), bus)
    camera.start()
    try:
        event = seen.get(timeout=5)
        assert (event.code, event.kind, event.source) == (TRACKING, "tracking", "camera")
        until(lambda: camera.frames >= 5)
        assert seen.empty()  # the same label in view is one scan
        frame = camera.snapshot()
        assert frame is not None and frame.shape == (480, 640, 3)
        assert camera.health().state == "ok"
    finally:
        camera.stop()


def test_camera_from_a_video_file_loops(tmp_path: Path) -> None:
    video = tmp_path / "counter.avi"
    writer = cv2.VideoWriter(str(video), cv2.VideoWriter.fourcc(*"MJPG"), 10, (320, 240))
    for i in range(3):
        writer.write(np.full((240, 320, 3), 60 * i, np.uint8))
    writer.release()
    camera = OpenCvCamera(CameraConfig(driver="file", path=video, fps=60, decode=False))
    camera.start()
    try:
        until(lambda: camera.frames >= 10)  # more frames than the file holds
        assert camera.health().state == "ok"
    finally:
        camera.stop()


def test_camera_without_its_source_is_an_error(tmp_path: Path) -> None:
    camera = OpenCvCamera(CameraConfig(driver="file", path=tmp_path / "missing.png"))
    with pytest.raises(DeviceError, match="no such camera file"):
        camera.start()
    assert camera.health().state == "error" and camera.snapshot() is None


def test_the_watchdog_restarts_a_device_whose_thread_died(tmp_path: Path) -> None:
    image = tmp_path / "counter.png"
    cv2.imwrite(str(image), synthetic_frame((320, 240)))
    camera = OpenCvCamera(CameraConfig(driver="file", path=image, fps=30, decode=False))
    manager = DeviceManager({"camera": camera})
    manager.start()
    try:
        camera.reader.stop()  # the frame thread is gone, as after a crash
        frames = camera.frames
        until(lambda: manager.restarts["camera"] >= 1 and camera.reader.alive)
        until(lambda: camera.frames > frames and manager.health()["camera"].state == "ok")
    finally:
        manager.stop()


class SerialPrinterPeer:
    """A receipt printer on a pty: answers DLE EOT status queries and keeps the bytes it receives."""

    def __init__(self, paper_byte: int = 0x12) -> None:
        from kiosk.devices.peers.pty_port import PtyPort
        from kiosk.devices.printing import EscposDecoder

        self.pty = PtyPort()
        self.paper_byte = paper_byte
        self.decoder = EscposDecoder()
        self.received = bytearray()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="serial-printer-peer", daemon=True)
        self._thread.start()

    def _run(self) -> None:
        while not self._stop.is_set():
            ready, _, _ = select.select([self.pty.master], [], [], 0.05)
            if not ready:
                continue
            try:
                data = os.read(self.pty.master, 65536)
            except OSError:
                return
            self.received += data
            for query in self.decoder.feed(data):
                self.pty.write(bytes((0x12 if query.n == 1 else self.paper_byte,)))

    def stop(self) -> None:
        self._stop.set()
        self._thread.join(5)
        self.pty.close()


def test_serial_printer_checks_paper_then_prints_through_a_pty(receipt: Document) -> None:
    peer = SerialPrinterPeer()
    printer = EscposPrinter(PrinterConfig(driver="serial", device=peer.pty.name, width_px=384, timeout_s=0.5))
    try:
        printer.start()
        assert printer.health().state == "ok"
        printer.print_pages([receipt])
        until(lambda: len(decode(bytes(peer.received))) == 1 and decode(bytes(peer.received))[0].images)
        png = decode(bytes(peer.received))[0].images[0]
        assert TRACKING in {s.data.decode() for s in pyzbar.decode(png)}
        peer.paper_byte = 0x12 | 0x60  # paper end sensor
        assert printer.refresh().paper == "out"
        with pytest.raises(PrinterError, match="paper out"):
            printer.print_pages([receipt])
    finally:
        printer.stop()
        peer.stop()
