"""The fonts shipped for receipts: a Bengali face plus a Latin face for what it lacks."""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cache
from importlib import resources
from pathlib import Path

from fontTools.ttLib import TTFont
from PIL import ImageFont

BENGALI = "Lohit-Bengali.ttf"
LATIN = "NotoMono-Regular.ttf"


class MissingGlyphs(ValueError):
    """Text holds characters no shipped font can draw (they would print as boxes)."""


def font_path(name: str) -> Path:
    """Path of a font file shipped in this package."""
    return Path(str(resources.files(__package__) / "fonts" / name))


@cache
def _cmap(path: Path) -> frozenset[int]:
    with TTFont(path, lazy=True) as font:
        return frozenset(font.getBestCmap())


@cache
def _load(path: Path, size: int) -> ImageFont.FreeTypeFont:
    return ImageFont.truetype(str(path), size, layout_engine=ImageFont.Layout.RAQM)


def _neutral(ch: str) -> bool:
    # spaces and joiners take the font of the run they sit in
    return ch.isspace() or ch in "\u200c\u200d"


@dataclass(frozen=True)
class FontSet:
    """Fonts tried in order for each character; runs of one font are shaped together."""

    paths: tuple[Path, ...] = field(default_factory=lambda: (font_path(BENGALI), font_path(LATIN)))
    ascii_font: int = 1  # one face for Latin letters and digits, so "RR123456785BD" looks even

    def covers(self, ch: str) -> bool:
        """True when some font in the set has a glyph for ch."""
        return _neutral(ch) or any(ord(ch) in _cmap(p) for p in self.paths)

    def missing(self, text: str) -> set[str]:
        """The characters of text that no font in the set can draw."""
        return {ch for ch in text if not self.covers(ch)}

    def runs(self, text: str) -> list[tuple[int, str]]:
        """Split text into (font index, substring) runs; raise MissingGlyphs for tofu."""
        missing = self.missing(text)
        if missing:
            raise MissingGlyphs(f"no glyph for {''.join(sorted(missing))!r}")
        runs: list[tuple[int, str]] = []
        for ch in text:
            if _neutral(ch) and runs:
                idx = runs[-1][0]
            elif ch.isascii() and ord(ch) in _cmap(self.paths[self.ascii_font]):
                idx = self.ascii_font
            else:
                idx = next((i for i, p in enumerate(self.paths) if ord(ch) in _cmap(p)), 0)
            if runs and runs[-1][0] == idx:
                runs[-1] = (idx, runs[-1][1] + ch)
            else:
                runs.append((idx, ch))
        return runs

    def font(self, index: int, size: int) -> ImageFont.FreeTypeFont:
        """The font at index in the set, at a pixel size, with RAQM layout."""
        return _load(self.paths[index], size)
