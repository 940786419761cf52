"""Split a byte stream into frames at a terminator, bounding memory on a stream with none."""

from __future__ import annotations


class Overflow(bytes):
    """The start of a run dropped because no terminator came within the frame limit."""


class FrameSplitter:
    """Accumulate bytes and return complete frames (terminator removed) as they arrive."""

    def __init__(self, terminator: bytes, max_len: int = 64) -> None:
        if not terminator:
            raise ValueError("terminator must not be empty")
        self.terminator = terminator
        self.max_len = max_len
        self._buf = bytearray()
        self._discarding = False  # inside an over-long run: drop everything up to the next terminator

    def feed(self, data: bytes) -> list[bytes]:
        """Add data; return finished frames, with one Overflow for each run too long to be a frame."""
        self._buf += data
        frames: list[bytes] = []
        while True:
            idx = self._buf.find(self.terminator)
            if idx < 0:
                break
            frame = bytes(self._buf[:idx])
            del self._buf[: idx + len(self.terminator)]
            if self._discarding:
                self._discarding = False
            elif len(frame) > self.max_len:
                frames.append(Overflow(frame[: self.max_len]))
            else:
                frames.append(frame)
        keep = len(self.terminator) - 1  # a terminator may be split across reads
        if len(self._buf) > self.max_len + keep:
            if not self._discarding:
                frames.append(Overflow(bytes(self._buf[: self.max_len])))
                self._discarding = True
            del self._buf[: len(self._buf) - keep]
        return frames

    def reset(self) -> None:
        """Forget any partial frame (after a reconnect)."""
        self._buf.clear()
        self._discarding = False
