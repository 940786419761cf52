"""A receipt or label as a list of blocks, laid out once and rendered at any paper width."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class Title:
    """A centred heading."""

    text: str


@dataclass(frozen=True)
class Text:
    """A wrapped paragraph."""

    text: str
    center: bool = False


@dataclass(frozen=True)
class Field:
    """A key and its value: one line when it fits, else the value below the key."""

    key: str
    value: str


@dataclass(frozen=True)
class Barcode:
    """A Code128 symbol with its human-readable text below."""

    data: str


@dataclass(frozen=True)
class QrCode:
    """A QR symbol."""

    data: str


@dataclass(frozen=True)
class Rule:
    """A horizontal line."""


@dataclass(frozen=True)
class Space:
    """Vertical space in body-text lines."""

    lines: float = 1.0


Block = Title | Text | Field | Barcode | QrCode | Rule | Space


@dataclass
class Document:
    """An ordered list of blocks."""

    blocks: list[Block] = field(default_factory=list)

    def add(self, *blocks: Block) -> Document:
        """Append blocks; return self for chaining."""
        self.blocks.extend(blocks)
        return self

    def text(self) -> str:
        """All text the document shows (for a search or a text-only fallback)."""
        parts: list[str] = []
        for b in self.blocks:
            if isinstance(b, Title | Text | Barcode):
                parts.append(b.text if not isinstance(b, Barcode) else b.data)
            elif isinstance(b, Field):
                parts.append(f"{b.key}: {b.value}")
        return "\n".join(parts)
