"""Render a Document to a 1-bit Pillow image the width of the paper, plus a PNG preview."""

from __future__ import annotations

import io
from dataclasses import dataclass, field

from PIL import Image, ImageDraw

from kiosk.devices.printing.fonts import FontSet
from kiosk.devices.printing.layout import Barcode, Document, Field, QrCode, Rule, Space, Text, Title
from kiosk.devices.printing.symbols import code128_image, qr_image

WIDTHS = (384, 576)  # 58 mm and 80 mm paper at 203 dpi
THRESHOLD = 140  # grey level below which an anti-aliased pixel prints


@dataclass(frozen=True)
class Style:
    """Sizes in dots for one paper width."""

    width: int
    margin: int
    body: int
    title: int
    barcode_height: int

    @classmethod
    def for_width(cls, width: int) -> Style:
        """The default style for a paper width in dots."""
        if width < 200:
            raise ValueError(f"paper width {width} dots is too narrow")
        k = width / 384
        return cls(width, round(8 * k), round(22 * k), round(30 * k), round(72 * k))


@dataclass
class _Canvas:
    """Rows of rendered blocks stacked top to bottom."""

    style: Style
    fonts: FontSet
    parts: list[tuple[Image.Image, int]] = field(default_factory=list)  # (image, x)

    @property
    def inner(self) -> int:
        """Printable width between the margins."""
        return self.style.width - 2 * self.style.margin

    def measure(self, text: str, size: int) -> float:
        """Advance width of text at size, shaped run by run."""
        return sum(self.fonts.font(i, size).getlength(run) for i, run in self.fonts.runs(text))

    def line_image(self, pieces: list[tuple[str, float]], size: int) -> Image.Image:
        """One text line: each (text, x) piece drawn on a shared baseline."""
        ascent = max(self.fonts.font(i, size).getmetrics()[0] for i in range(len(self.fonts.paths)))
        descent = max(self.fonts.font(i, size).getmetrics()[1] for i in range(len(self.fonts.paths)))
        img = Image.new("L", (self.style.width, ascent + descent + 2), 255)
        draw = ImageDraw.Draw(img)
        for text, x0 in pieces:
            x = x0
            for i, run in self.fonts.runs(text):
                font = self.fonts.font(i, size)
                draw.text((x, ascent + 1), run, font=font, fill=0, anchor="ls")
                x += font.getlength(run)
        return img

    def wrap(self, text: str, size: int, width: float) -> list[str]:
        """Greedy word wrap; a word longer than the line is split by characters."""
        lines: list[str] = []
        for para in text.split("\n"):
            line = ""
            for word in para.split(" "):
                candidate = f"{line} {word}" if line else word
                if self.measure(candidate, size) <= width:
                    line = candidate
                    continue
                if line:
                    lines.append(line)
                line = word
                while self.measure(line, size) > width and len(line) > 1:
                    cut = len(line) - 1
                    while cut > 1 and self.measure(line[:cut], size) > width:
                        cut -= 1
                    lines.append(line[:cut])
                    line = line[cut:]
            lines.append(line)
        return lines

    def text(self, text: str, size: int, center: bool = False) -> None:
        """Add a wrapped paragraph."""
        m = self.style.margin
        for line in self.wrap(text, size, self.inner):
            x = m + (self.inner - self.measure(line, size)) / 2 if center else m
            self.parts.append((self.line_image([(line, x)], size), 0))

    def field(self, key: str, value: str) -> None:
        """Add a key with its value right-aligned, or below it when the line is too short."""
        size, m = self.style.body, self.style.margin
        label = f"{key}:"
        gap = size / 2
        vw = self.measure(value, size)
        if self.measure(label, size) + gap + vw <= self.inner:
            self.parts.append((self.line_image([(label, m), (value, m + self.inner - vw)], size), 0))
            return
        self.text(label, size)
        for line in self.wrap(value, size, self.inner - 2 * gap):
            self.parts.append((self.line_image([(line, m + 2 * gap)], size), 0))

    def symbol(self, img: Image.Image) -> None:
        """Add a centred symbol image."""
        self.parts.append((img, (self.style.width - img.width) // 2))

    def space(self, lines: float) -> None:
        """Add blank space, in body lines."""
        self.parts.append((Image.new("1", (1, max(1, round(lines * self.style.body))), 1), 0))

    def rule(self) -> None:
        """Add a horizontal line."""
        img = Image.new("1", (self.inner, 6), 1)
        ImageDraw.Draw(img).line([(0, 3), (self.inner, 3)], fill=0, width=2)
        self.parts.append((img, self.style.margin))

    def compose(self) -> Image.Image:
        """Stack everything added into one 1-bit image."""
        height = sum(img.height for img, _ in self.parts) + self.style.margin
        out = Image.new("1", (self.style.width, height), 1)
        y = 0
        for img, x in self.parts:
            one_bit = img if img.mode == "1" else img.point(lambda p: 255 if p >= THRESHOLD else 0, mode="1")
            out.paste(one_bit, (x, y))
            y += img.height
        return out


def render(doc: Document, width: int = 384, fonts: FontSet | None = None) -> Image.Image:
    """Render doc as a 1-bit image `width` dots wide (black = 0); raise MissingGlyphs on tofu."""
    style = Style.for_width(width)
    canvas = _Canvas(style, fonts or FontSet())
    for block in doc.blocks:
        if isinstance(block, Title):
            canvas.text(block.text, style.title, center=True)
        elif isinstance(block, Text):
            canvas.text(block.text, style.body, center=block.center)
        elif isinstance(block, Field):
            canvas.field(block.key, block.value)
        elif isinstance(block, Barcode):
            canvas.symbol(code128_image(block.data, canvas.inner, style.barcode_height))
            canvas.text(block.data, style.body, center=True)
        elif isinstance(block, QrCode):
            canvas.symbol(qr_image(block.data, min(canvas.inner, style.width // 2 + 64)))
        elif isinstance(block, Rule):
            canvas.rule()
        elif isinstance(block, Space):
            canvas.space(block.lines)
    return canvas.compose()


def png_bytes(image: Image.Image) -> bytes:
    """A PNG of a rendered receipt, for the preview in the clerk's page."""
    buf = io.BytesIO()
    image.save(buf, format="PNG", optimize=True)
    return buf.getvalue()


def preview_png(doc: Document, width: int = 384) -> bytes:
    """Render doc and return it as PNG bytes."""
    return png_bytes(render(doc, width))
