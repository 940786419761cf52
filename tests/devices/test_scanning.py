"""Scanner line framing, S10 classification and duplicate filtering, on bytes."""

from __future__ import annotations

import time
from collections.abc import Iterator

import pytest
import serial
from hypothesis import given
from hypothesis import strategies as st

from kiosk.devices.peers import ScannerPeer
from kiosk.devices.scanning import DuplicateFilter, LineFramer, Rejected, Scan, classify
from parcel import s10

GOOD = s10.make("RR", 12345678)  # RR123456785BD


@pytest.mark.parametrize("suffix,term", [("CR", b"\r"), ("LF", b"\n"), ("CRLF", b"\r\n")])
def test_suffixes(suffix, term):
    f = LineFramer(suffix)
    data = GOOD.encode() + term + b"123456" + term
    assert f.feed(data[:5]) == []
    assert f.feed(data[5:]) == [GOOD, "123456"]


def test_crlf_scanner_on_cr_config_still_frames():
    assert LineFramer("CR").feed(b"ABC\r\nDEF\r\n") == ["ABC", "DEF"]


def test_unknown_suffix_fails():
    with pytest.raises(ValueError, match="CRLF"):
        LineFramer("TAB")


def test_rejections():
    f = LineFramer("CR", max_len=20, min_len=3)
    out = f.feed(b"AB\x07CD\r\xff\xfe\r\r" + b"9" * 50 + b"\rOK1\r")
    assert out == [
        Rejected("non-printable characters", b"AB\x07CD"),
        Rejected("not text", b"\xff\xfe"),
        Rejected("too short", b""),
        Rejected("too long", b"9" * 20),
        "OK1",
    ]


@given(st.lists(st.binary(max_size=60), max_size=10))
def test_random_bytes_never_raise(chunks):
    f = LineFramer("CRLF", max_len=32)
    for c in chunks:
        for item in f.feed(c):
            assert isinstance(item, Rejected) or (item.isprintable() and len(item) <= 32)


def test_classify_tracking_invalid_other():
    assert classify(GOOD) == Scan("tracking", GOOD)
    assert classify(" rr 1234 5678 5bd ") == Scan("tracking", GOOD)
    bad = classify("RR123456789BD")
    assert bad.kind == "invalid" and "check digit" in bad.error
    foreign = classify(s10.make("EE", 1, "CN"))
    assert foreign.kind == "invalid" and "BD" in foreign.error
    assert classify(s10.make("EE", 1, "CN"), country=None).kind == "tracking"
    assert classify("123456") == Scan("other", "123456")
    url = "https://dakbooth.example/t/RR123456785BD"
    assert classify(url) == Scan("other", url)


def test_duplicate_filter_window():
    now = [100.0]
    f = DuplicateFilter(window_s=2.0, clock=lambda: now[0])
    assert f.accept(GOOD)
    now[0] += 1.0
    assert not f.accept(GOOD)  # re-read
    assert f.accept("123456")  # another value is fine
    now[0] += 1.5
    assert not f.accept(GOOD)  # still seen within 2 s of the last sighting
    now[0] += 2.5
    assert f.accept(GOOD)


@pytest.fixture
def scanner() -> Iterator[tuple[ScannerPeer, serial.Serial]]:
    peer = ScannerPeer("CRLF").start()
    port = serial.Serial(peer.port, timeout=0.05)
    try:
        yield peer, port
    finally:
        port.close()
        peer.stop()


def read_scans(port: serial.Serial, framer: LineFramer, count: int, timeout: float = 2.0) -> list:
    out: list = []
    deadline = time.monotonic() + timeout
    while len(out) < count and time.monotonic() < deadline:
        out += framer.feed(port.read(256))
    return out


def test_scanner_through_pty(scanner):
    peer, port = scanner
    framer, dedupe = LineFramer("CRLF"), DuplicateFilter(window_s=5)
    peer.scan(GOOD, repeat=3)
    peer.scan_garbled()
    peer.scan_split("123456", at=3)
    peer.scan("RR123456789BD")
    items = read_scans(port, framer, 6)
    assert items[:3] == [GOOD, GOOD, GOOD]
    assert items[3] == Rejected("not text", b"RR12\x1b\x00\xfe\x07")
    accepted = [classify(i) for i in items if isinstance(i, str) and dedupe.accept(i)]
    assert [s.kind for s in accepted] == ["tracking", "other", "invalid"]
    assert accepted[0].value == GOOD


def test_scanner_unplug(scanner):
    peer, port = scanner
    peer.unplug()
    with pytest.raises(serial.SerialException):
        for _ in range(20):
            port.read(16)
    with pytest.raises(RuntimeError, match="unplugged"):
        peer.scan(GOOD)
