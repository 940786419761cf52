"""MT-SICS level 0 (S, SI, Z, T): CR LF terminated text replies from Mettler Toledo balances."""

from __future__ import annotations

from kiosk.devices.scales.framing import FrameSplitter, Overflow
from kiosk.devices.scales.reading import Reading, Reply, SerialSettings, decode_ascii, error, weight_reading

CRLF = b"\r\n"
SERIAL = SerialSettings(baudrate=9600, bytesize=8, parity="N", stopbits=1)

STABLE_WEIGHT = b"S\r\n"
IMMEDIATE_WEIGHT = b"SI\r\n"
ZERO = b"Z\r\n"
TARE = b"T\r\n"
COMMANDS = {"weight": STABLE_WEIGHT, "weight_now": IMMEDIATE_WEIGHT, "zero": ZERO, "tare": TARE}

ERRORS = {"ES": "syntax error", "ET": "transmission error", "EL": "logical error"}
_STATUS_TEXT = {"I": "command not executable now", "+": "overload", "-": "underload"}

Event = Reading | Reply


class MtSicsParser:
    """Feed bytes from an MT-SICS balance; get Readings for S/SI and Replies for Z/T."""

    protocol = "mt-sics"
    serial = SERIAL
    commands = COMMANDS
    poll = IMMEDIATE_WEIGHT

    def __init__(self, max_len: int = 64) -> None:
        self._frames = FrameSplitter(b"\n", max_len)

    def feed(self, data: bytes) -> list[Event]:
        """Parse whatever complete lines data finishes."""
        return [self.parse_line(f) for f in self._frames.feed(data)]

    def reset(self) -> None:
        """Drop any partial line."""
        self._frames.reset()

    def parse_line(self, frame: bytes) -> Event:
        """Parse one line without its LF (a trailing CR is tolerated)."""
        if isinstance(frame, Overflow):
            return error("line too long")
        text = decode_ascii(frame.rstrip(b"\r"))
        if text is None:
            return error(f"unreadable line {bytes(frame)!r}")
        parts = text.split()
        if not parts:
            return error("empty line")
        head = parts[0]
        if head in ERRORS and len(parts) == 1:
            return error(ERRORS[head])
        if head in ("S", "SI") and len(parts) >= 2:
            return self._weight(parts[1:])
        if head in ("Z", "T") and len(parts) >= 2:
            return self._reply(head, parts[1:])
        return error(f"unknown line {text!r}")

    @staticmethod
    def _weight(parts: list[str]) -> Reading:
        status = parts[0]
        if status in ("S", "D") and len(parts) == 3:
            return weight_reading(parts[1], parts[2], stable=status == "S")
        if status == "+" and len(parts) == 1:
            return Reading(None, False, "overload", "overload")
        if status == "-" and len(parts) == 1:
            return Reading(None, False, "underload", "underload")
        if status == "I" and len(parts) == 1:
            return error(_STATUS_TEXT["I"])
        return error(f"bad weight reply {' '.join(parts)!r}")

    @staticmethod
    def _reply(command: str, parts: list[str]) -> Reply | Reading:
        status = parts[0]
        # Z A = zeroed; T S <tare> <unit> = tare stored
        if (command, status) in (("Z", "A"), ("T", "S")):
            return Reply(command, True, " ".join(parts[1:]))
        if status in _STATUS_TEXT and len(parts) == 1:
            return Reply(command, False, _STATUS_TEXT[status])
        return error(f"bad {command} reply {' '.join(parts)!r}")
