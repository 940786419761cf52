"""Documents to and from JSON, so a print job can be kept and rendered again for a reprint."""

from __future__ import annotations

import json
from dataclasses import asdict, fields
from typing import Any

from kiosk.devices.printing.layout import Barcode, Block, Document, Field, QrCode, Rule, Space, Text, Title

BLOCKS: dict[str, type[Block]] = {
    "title": Title,
    "text": Text,
    "field": Field,
    "barcode": Barcode,
    "qr": QrCode,
    "rule": Rule,
    "space": Space,
}
_NAMES = {cls: name for name, cls in BLOCKS.items()}


def to_data(pages: list[Document]) -> list[list[dict[str, Any]]]:
    """Pages of blocks as plain lists and dicts."""
    return [[{"type": _NAMES[type(b)], **asdict(b)} for b in doc.blocks] for doc in pages]


def from_data(data: Any) -> list[Document]:
    """Pages back from to_data's output; ValueError on anything else."""
    if not isinstance(data, list):
        raise ValueError("a print job is a list of pages")
    pages: list[Document] = []
    for page in data:
        if not isinstance(page, list):
            raise ValueError("a page is a list of blocks")
        doc = Document()
        for item in page:
            if not isinstance(item, dict) or item.get("type") not in BLOCKS:
                raise ValueError(f"unknown block {item!r}")
            cls = BLOCKS[item["type"]]
            names = {f.name for f in fields(cls)}
            doc.add(cls(**{k: v for k, v in item.items() if k in names}))
        pages.append(doc)
    return pages


def dumps(pages: list[Document]) -> str:
    """JSON text of pages."""
    return json.dumps(to_data(pages), ensure_ascii=False, separators=(",", ":"))


def loads(text: str) -> list[Document]:
    """Pages from JSON text."""
    return from_data(json.loads(text))
