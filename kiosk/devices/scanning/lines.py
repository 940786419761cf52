"""Frame the byte stream of a USB CDC serial scanner into scanned strings."""

from __future__ import annotations

from dataclasses import dataclass

from kiosk.devices.scales.framing import FrameSplitter, Overflow

SUFFIXES = {"CR": b"\r", "LF": b"\n", "CRLF": b"\r\n"}


@dataclass(frozen=True)
class Rejected:
    """A frame that is not a usable scan, with the reason."""

    reason: str
    raw: bytes


class LineFramer:
    """Feed bytes; get the text of each complete scan, or Rejected for bad frames."""

    def __init__(self, suffix: str = "CR", max_len: int = 128, min_len: int = 1) -> None:
        try:
            terminator = SUFFIXES[suffix.upper()]
        except KeyError:
            raise ValueError(f"unknown scanner suffix {suffix!r}; known: {', '.join(SUFFIXES)}") from None
        self.min_len = min_len
        self._frames = FrameSplitter(terminator, max_len)
        # with a CR suffix a scanner set to CRLF leaves an LF at the start of the next scan
        self._strip = b"\r\n"

    def feed(self, data: bytes) -> list[str | Rejected]:
        """Parse whatever complete scans data finishes."""
        return [self._frame(f) for f in self._frames.feed(data)]

    def reset(self) -> None:
        """Drop any partial scan."""
        self._frames.reset()

    def _frame(self, frame: bytes) -> str | Rejected:
        if isinstance(frame, Overflow):
            return Rejected("too long", bytes(frame))
        raw = frame.strip(self._strip)
        try:
            text = raw.decode("utf-8")
        except UnicodeDecodeError:
            return Rejected("not text", raw)
        if not text.isprintable():
            return Rejected("non-printable characters", raw)
        if len(text.strip()) < self.min_len:
            return Rejected("too short", raw)
        return text.strip()
