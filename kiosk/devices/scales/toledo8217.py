"""Mettler Toledo 8217 protocol: `W` asks for the weight; replies are STX-framed and CR-terminated."""

from __future__ import annotations

from kiosk.devices.scales.framing import FrameSplitter, Overflow
from kiosk.devices.scales.reading import Reading, SerialSettings, decode_ascii, error, weight_reading

STX = b"\x02"
CR = b"\r"
SERIAL = SerialSettings(baudrate=9600, bytesize=7, parity="E", stopbits=1)

REQUEST_WEIGHT = b"W"
ZERO = b"Z"
TARE = b"T"
CLEAR = b"C"
COMMANDS = {"weight": REQUEST_WEIGHT, "zero": ZERO, "tare": TARE, "clear": CLEAR}

# status byte sent as STX ? <status> CR when the weight cannot be given
MOTION = 0x01
OVER_CAPACITY = 0x02
UNDER_ZERO = 0x04
OUTSIDE_ZERO_CAPTURE = 0x08
CENTER_OF_ZERO = 0x10


def status_reading(status: int) -> Reading:
    """Turn an 8217 status byte into a reading state."""
    if status & OVER_CAPACITY:
        return Reading(None, False, "overload", "over capacity")
    if status & UNDER_ZERO:
        return Reading(None, False, "underload", "under zero")
    if status & MOTION:
        return Reading(None, False, "motion", "in motion")
    if status & OUTSIDE_ZERO_CAPTURE:
        return error("outside zero capture range")
    return error(f"status byte {status:#04x} with no weight")


class Toledo8217Parser:
    """Feed bytes from an 8217 scale; get a Reading for each reply."""

    protocol = "toledo8217"
    serial = SERIAL
    commands = COMMANDS
    poll = REQUEST_WEIGHT

    def __init__(self, unit: str = "kg", max_len: int = 16) -> None:
        self.unit = unit
        self._frames = FrameSplitter(CR, max_len)

    def feed(self, data: bytes) -> list[Reading]:
        """Parse whatever complete replies data finishes."""
        return [self.parse_frame(f) for f in self._frames.feed(data)]

    def reset(self) -> None:
        """Drop any partial reply."""
        self._frames.reset()

    def parse_frame(self, frame: bytes) -> Reading:
        """Parse one reply without its CR."""
        if isinstance(frame, Overflow):
            return error("reply too long")
        start = frame.rfind(STX)
        if start < 0:
            return error("reply without STX")
        body = frame[start + 1 :]
        if body[:1] == b"?":
            if len(body) != 2:
                return error(f"bad status reply {body!r}")
            # 7-bit line: ignore the parity bit if the port delivered it
            return status_reading(body[1] & 0x7F)
        text = decode_ascii(body)
        if not text:
            return error(f"bad weight reply {body!r}")
        # the scale only sends a weight when it is stable; motion comes as a status reply
        return weight_reading(text, self.unit, stable=True)
