"""Decode an ESC/POS byte stream back into text lines, raster images, cuts and status queries."""

from __future__ import annotations

from dataclasses import dataclass, field

from PIL import Image

ESC, GS, FS, DLE = 0x1B, 0x1D, 0x1C, 0x10
LF, CR = 0x0A, 0x0D
_INVERT = bytes(0xFF - i for i in range(256))
MAX_RASTER_WIDTH_BYTES = 256  # 2048 dots, wider than any roll printer
MAX_RASTER_ROWS = 4096

# fixed argument counts after the command byte
_ESC_ARGS = {
    b"@": 0, b"2": 0, b"3": 1, b"a": 1, b"E": 1, b"-": 1, b"!": 1, b"t": 1, b"M": 1, b"d": 1,
    b"J": 1, b"G": 1, b"V": 1, b"{": 1, b"R": 1, b"p": 3, b" ": 1, b"e": 1, b"r": 1, b"$": 2,
    b"\\": 2, b"U": 1, b"=": 1, b"i": 0, b"m": 0, b"L": 0, b"S": 0, b"T": 1, b"c": 2,
}  # fmt: skip
_GS_ARGS = {
    b"!": 1, b"B": 1, b"H": 1, b"h": 1, b"w": 1, b"f": 1, b"b": 1, b"L": 2, b"W": 2, b"P": 2,
    b"$": 2, b"I": 1, b"r": 1, b"a": 1, b"T": 1, b"^": 3,
}  # fmt: skip
_FS_ARGS = {b".": 0, b"&": 0, b"p": 2, b"C": 1, b"!": 1, b"-": 1, b"S": 2, b"W": 1}


class _Incomplete(Exception):
    """The buffer ends inside a command."""


@dataclass(frozen=True)
class StatusQuery:
    """DLE EOT n: the host asks for real-time status n (1 printer, 2 offline, 3 error, 4 paper)."""

    n: int


@dataclass
class Page:
    """What was printed between two cuts."""

    lines: list[str] = field(default_factory=list)
    images: list[Image.Image] = field(default_factory=list)
    cut: bool = False


class EscposDecoder:
    """Feed ESC/POS bytes; pages collect text and images, feed() returns status queries at once."""

    def __init__(self, encoding: str = "cp437") -> None:
        self.encoding = encoding
        self.pages: list[Page] = [Page()]
        self.unknown: list[bytes] = []
        self._buf = bytearray()
        self._text = bytearray()
        self._raster_open = False  # the last thing on the page is a raster band

    @property
    def page(self) -> Page:
        """The page being printed now."""
        return self.pages[-1]

    def feed(self, data: bytes) -> list[StatusQuery]:
        """Decode data (commands may be split across calls); return the status queries it held."""
        self._buf += data
        queries: list[StatusQuery] = []
        pos = 0
        while pos < len(self._buf):
            try:
                pos = self._step(pos, queries)
            except _Incomplete:
                break
        del self._buf[:pos]
        return queries

    def finish(self) -> list[Page]:
        """Flush pending text and return the non-empty pages."""
        self._flush_text()
        return [p for p in self.pages if p.lines or p.images]

    def _need(self, pos: int, n: int) -> bytes:
        if pos + n > len(self._buf):
            raise _Incomplete
        return bytes(self._buf[pos : pos + n])

    def _step(self, pos: int, queries: list[StatusQuery]) -> int:
        b = self._buf[pos]
        if b == ESC:
            return self._esc(pos)
        if b == GS:
            return self._gs(pos)
        if b == FS:
            cmd = self._need(pos + 1, 1)
            return self._fixed(pos, cmd, _FS_ARGS)
        if b == DLE:
            code, n = self._need(pos + 1, 2)
            if code == 0x04:
                queries.append(StatusQuery(n))
                return pos + 3
            if code == 0x14:  # DLE DC4 fn m t
                self._need(pos + 2, 3)
                return pos + 5
            return pos + 3  # DLE ENQ n and others
        if b == LF:
            self._flush_text(force=True)
            return pos + 1
        if b >= 0x20:
            self._text.append(b)
            self._raster_open = False
        return pos + 1  # CR and other controls do not print

    def _fixed(self, pos: int, cmd: bytes, table: dict[bytes, int]) -> int:
        if cmd not in table:
            self.unknown.append(bytes(self._buf[pos : pos + 2]))
            return pos + 2
        self._need(pos + 2, table[cmd])
        return pos + 2 + table[cmd]

    def _esc(self, pos: int) -> int:
        cmd = self._need(pos + 1, 1)
        if cmd == b"*":  # column image: m nL nH then n or 3n bytes
            m, nl, nh = self._need(pos + 2, 3)
            size = (nl + 256 * nh) * (3 if m >= 32 else 1)
            self._need(pos + 5, size)
            return pos + 5 + size
        if cmd == b"D":  # tab stops, NUL-terminated
            end = self._buf.find(b"\x00", pos + 2)
            if end < 0:
                raise _Incomplete
            return end + 1
        if cmd in (b"@", b"i", b"m"):
            self._flush_text()
        if cmd in (b"i", b"m"):
            self._cut()
        return self._fixed(pos, cmd, _ESC_ARGS)

    def _gs(self, pos: int) -> int:
        cmd = self._need(pos + 1, 1)
        if cmd == b"v":
            _zero, _m, xl, xh, yl, yh = self._need(pos + 2, 6)
            wb, h = xl + 256 * xh, yl + 256 * yh
            if wb > MAX_RASTER_WIDTH_BYTES or h > MAX_RASTER_ROWS:
                # no receipt printer takes this: treat the header as noise instead of waiting for megabytes
                self.unknown.append(bytes(self._buf[pos : pos + 8]))
                return pos + 8
            data = self._need(pos + 8, wb * h)
            self._raster(wb, h, data)
            return pos + 8 + wb * h
        if cmd == b"V":
            (m,) = self._need(pos + 2, 1)
            self._flush_text()
            self._cut()
            return pos + (4 if m in (65, 66, 97, 98, 103, 104) else 3)
        if cmd == b"k":
            (m,) = self._need(pos + 2, 1)
            if m <= 6:
                end = self._buf.find(b"\x00", pos + 3)
                if end < 0:
                    raise _Incomplete
                return end + 1
            (n,) = self._need(pos + 3, 1)
            self._need(pos + 4, n)
            return pos + 4 + n
        if cmd == b"(":  # GS ( fn pL pH data
            _fn, pl, ph = self._need(pos + 2, 3)
            size = pl + 256 * ph
            self._need(pos + 5, size)
            return pos + 5 + size
        if cmd == b"8":  # GS 8 L p1 p2 p3 p4 data
            _l, *p = self._need(pos + 2, 5)
            size = p[0] + (p[1] << 8) + (p[2] << 16) + (p[3] << 24)
            self._need(pos + 7, size)
            return pos + 7 + size
        return self._fixed(pos, cmd, _GS_ARGS)

    def _raster(self, width_bytes: int, height: int, data: bytes) -> None:
        self._flush_text()
        if width_bytes == 0 or height == 0:
            return
        # raster 1 = black dot; Pillow mode "1" 0 = black
        band = Image.frombytes("1", (width_bytes * 8, height), data.translate(_INVERT))
        images = self.page.images
        if self._raster_open and images and images[-1].width == band.width:
            top = images[-1]
            joined = Image.new("1", (top.width, top.height + band.height), 1)
            joined.paste(top, (0, 0))
            joined.paste(band, (0, top.height))
            images[-1] = joined
        else:
            images.append(band)
        self._raster_open = True

    def _flush_text(self, force: bool = False) -> None:
        if self._text or force:
            self.page.lines.append(self._text.decode(self.encoding, errors="replace"))
            self._text.clear()
            self._raster_open = False

    def _cut(self) -> None:
        self.page.cut = True
        self.pages.append(Page())
        self._raster_open = False


def decode(data: bytes, encoding: str = "cp437") -> list[Page]:
    """Decode a whole ESC/POS stream into pages."""
    dec = EscposDecoder(encoding)
    dec.feed(data)
    return dec.finish()
