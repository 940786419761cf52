"""CAS continuous stream: `ST,GS,+0001.23kg` lines (ST stable, US unstable, OL overload)."""

from __future__ import annotations

import re

from kiosk.devices.scales.framing import FrameSplitter, Overflow
from kiosk.devices.scales.reading import Reading, SerialSettings, decode_ascii, error, weight_reading

SERIAL = SerialSettings(baudrate=9600, bytesize=8, parity="N", stopbits=1)
COMMANDS: dict[str, bytes] = {}  # the scale streams; nothing to ask

_FIELD = re.compile(r"^\s*([+-]?)\s*([\d.]+)\s*([a-zA-Z]+)\s*$")
_KINDS = ("GS", "NT", "TR")  # gross, net, tare


class CasParser:
    """Feed bytes from a CAS scale in continuous mode; get a Reading per line."""

    protocol = "cas"
    serial = SERIAL
    commands = COMMANDS
    poll = b""

    def __init__(self, max_len: int = 48) -> None:
        self._frames = FrameSplitter(b"\n", max_len)

    def feed(self, data: bytes) -> list[Reading]:
        """Parse whatever complete lines data finishes."""
        return [self.parse_line(f) for f in self._frames.feed(data)]

    def reset(self) -> None:
        """Drop any partial line."""
        self._frames.reset()

    @staticmethod
    def parse_line(frame: bytes) -> Reading:
        """Parse one line without its LF (a trailing CR is tolerated)."""
        if isinstance(frame, Overflow):
            return error("line too long")
        text = decode_ascii(frame.rstrip(b"\r"))
        if text is None:
            return error(f"unreadable line {bytes(frame)!r}")
        fields = text.split(",")
        # some models put a device number between the kind and the weight
        if len(fields) not in (3, 4) or fields[1].strip() not in _KINDS:
            return error(f"bad line {text!r}")
        status = fields[0].strip()
        if status == "OL":
            return Reading(None, False, "overload", "overload")
        if status not in ("ST", "US"):
            return error(f"unknown status {status!r}")
        m = _FIELD.match(fields[-1])
        if not m:
            return error(f"bad weight field {fields[-1]!r}")
        sign, number, unit = m.groups()
        return weight_reading(sign + number, unit, stable=status == "ST")
