"""Scale protocol parsers fed bytes: frames, split frames, states, garbage and hostile input."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from kiosk.devices.scales import (
    CasParser,
    MtSicsParser,
    Reading,
    Reply,
    StableWeight,
    Toledo8217Parser,
    make_parser,
)
from kiosk.devices.scales.framing import FrameSplitter, Overflow
from kiosk.devices.scales.toledo8217 import SERIAL


def feed_bytewise(parser, data: bytes) -> list:
    out = []
    for i in range(len(data)):
        out += parser.feed(data[i : i + 1])
    return out


def test_toledo_serial_settings_are_7e1_9600():
    assert SERIAL.as_kwargs() == {"baudrate": 9600, "bytesize": 7, "parity": "E", "stopbits": 1}


def test_toledo_weight_and_status_bytes():
    p = Toledo8217Parser()
    out = p.feed(b"\x0201.234\r\x02?\x21\r\x02?\x22\r\x02?\x24\r\x02?\xa1\r")
    assert out == [
        Reading(1234, True, "ok"),
        Reading(None, False, "motion", "in motion"),
        Reading(None, False, "overload", "over capacity"),
        Reading(None, False, "underload", "under zero"),
        Reading(None, False, "motion", "in motion"),  # parity bit delivered: ignored
    ]


def test_toledo_split_frame_gives_same_result():
    data = b"\x0200.500\r\x02?\x21\r"
    assert feed_bytewise(Toledo8217Parser(), data) == Toledo8217Parser().feed(data)
    assert [r.weight_g for r in feed_bytewise(Toledo8217Parser(), data)] == [500, None]


def test_toledo_lb_unit():
    assert Toledo8217Parser(unit="lb").feed(b"\x0202.00\r") == [Reading(907, True, "ok")]


@pytest.mark.parametrize(
    "frame",
    [b"01.234\r", b"\x02abc\r", b"\x02?\r", b"\x02?12\r", b"\x02\r", b"\x021e5\r", b"\x02NaN\r"],
)
def test_toledo_garbage_is_error(frame):
    (r,) = Toledo8217Parser().feed(frame)
    assert r.state == "error" and r.weight_g is None and not r.usable


def test_toledo_noise_before_stx_is_skipped():
    assert Toledo8217Parser().feed(b"\xff\x00\x0201.000\r") == [Reading(1000, True, "ok")]


def test_mtsics_lines():
    p = MtSicsParser()
    out = p.feed(
        b"S S      1.234 kg\r\nS D     12.5 g\r\nS S    250 g\r\nS I\r\nS +\r\nS -\r\n"
        b"ES\r\nET\r\nEL\r\nZ A\r\nZ I\r\nT S      0.100 kg\r\nT +\r\n"
    )
    assert out == [
        Reading(1234, True, "ok"),
        Reading(12, False, "motion"),  # 12.5 g rounds half to even
        Reading(250, True, "ok"),
        Reading(None, False, "error", "command not executable now"),
        Reading(None, False, "overload", "overload"),
        Reading(None, False, "underload", "underload"),
        Reading(None, False, "error", "syntax error"),
        Reading(None, False, "error", "transmission error"),
        Reading(None, False, "error", "logical error"),
        Reply("Z", True, ""),
        Reply("Z", False, "command not executable now"),
        Reply("T", True, "0.100 kg"),
        Reply("T", False, "overload"),
    ]


def test_mtsics_negative_is_underload_not_weight():
    (r,) = MtSicsParser().feed(b"S S     -0.020 kg\r\n")
    assert r.state == "underload" and r.weight_g is None


def test_mtsics_split_lines():
    data = b"S S      1.234 kg\r\nS D      1.200 kg\r\n"
    out = feed_bytewise(MtSicsParser(), data)
    assert [(r.weight_g, r.stable) for r in out] == [(1234, True), (1200, False)]


@pytest.mark.parametrize(
    "line", [b"S S 1.0\r\n", b"S S 1.0 oz\r\n", b"S X 1 g\r\n", b"XYZ\r\n", b"\r\n", b"S S \xff g\r\n"]
)
def test_mtsics_garbage_is_error(line):
    (r,) = MtSicsParser().feed(line)
    assert isinstance(r, Reading) and r.state == "error"


def test_cas_stream():
    out = CasParser().feed(
        b"ST,GS,+0001.23kg\r\nUS,GS,+0001.20kg\r\nOL,GS,+9999.99kg\r\nST,NT,+  0.456kg\r\n"
        b"ST,GS,01,+0002.00kg\r\nST,GS,-0000.10kg\r\n"
    )
    assert out == [
        Reading(1230, True, "ok"),
        Reading(1200, False, "motion"),
        Reading(None, False, "overload", "overload"),
        Reading(456, True, "ok"),
        Reading(2000, True, "ok"),
        Reading(None, False, "underload", "below zero: -100 g"),
    ]


@pytest.mark.parametrize("line", [b"XX,GS,+1kg\n", b"ST,ZZ,+1kg\n", b"ST,GS\n", b"ST,GS,+1.2.3kg\n"])
def test_cas_garbage_is_error(line):
    (r,) = CasParser().feed(line)
    assert r.state == "error"


def test_endless_stream_without_terminator_is_bounded():
    p = CasParser()
    out = p.feed(b"A" * 10_000)
    assert len(out) == 1 and out[0].detail == "line too long"
    assert p.feed(b"A" * 10_000) == []  # still the same run: reported once
    # the next terminator ends the bad run; the following line parses
    assert p.feed(b"\nST,GS,+0001.00kg\r\n") == [Reading(1000, True, "ok")]


def test_splitter_keeps_split_terminator():
    s = FrameSplitter(b"\r\n", max_len=4)
    assert s.feed(b"abcd\r") == []
    assert s.feed(b"\nxyzzy\r\n") == [b"abcd", Overflow(b"xyzz")]


def test_make_parser_unknown_protocol():
    assert isinstance(make_parser("cas"), CasParser)
    with pytest.raises(ValueError, match="toledo8217"):
        make_parser("sartorius")


PARSERS = [Toledo8217Parser, MtSicsParser, CasParser]


@pytest.mark.parametrize("factory", PARSERS)
@given(chunks=st.lists(st.binary(max_size=80), max_size=20))
def test_random_bytes_never_raise(factory, chunks):
    p = factory()
    for chunk in chunks:
        for event in p.feed(chunk):
            assert isinstance(event, Reading | Reply)
            if isinstance(event, Reading):
                if event.state != "ok" and event.state != "motion":
                    assert event.weight_g is None
                if event.weight_g is not None:
                    assert event.weight_g >= 0


@given(grams=st.integers(min_value=0, max_value=999_999))
def test_mtsics_roundtrip_any_weight(grams):
    (r,) = MtSicsParser().feed(f"S S {grams / 1000:10.3f} kg\r\n".encode())
    assert r == Reading(grams, True, "ok")


def test_stable_weight_needs_stable_and_repeats():
    f = StableWeight(repeats=3)
    assert f.push(Reading(1000, False, "motion")) is None
    assert f.push(Reading(1000, True, "ok")) is None
    assert f.push(Reading(1000, True, "ok")) is None
    assert f.push(Reading(1000, True, "ok")) == 1000
    assert f.push(Reading(1000, True, "ok")) == 1000
    assert f.push(Reading(1010, True, "ok")) is None  # a new value starts over
    assert f.push(Reading(None, False, "overload")) is None
    assert f.weight_g is None


def test_stable_weight_motion_breaks_run():
    f = StableWeight(repeats=2)
    f.push(Reading(500, True, "ok"))
    f.push(Reading(520, False, "motion"))
    assert f.push(Reading(500, True, "ok")) is None
    assert f.push(Reading(500, True, "ok")) == 500


def test_stable_weight_tolerance():
    f = StableWeight(repeats=2, tolerance_g=2)
    f.push(Reading(500, True, "ok"))
    assert f.push(Reading(501, True, "ok")) == 500
    with pytest.raises(ValueError):
        StableWeight(repeats=0)
