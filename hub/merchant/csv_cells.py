"""CSV a person opens in a spreadsheet: every text cell that a spreadsheet would run as a formula is
neutralised, as OWASP's CSV injection guidance says (a leading apostrophe)."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def safe_cell(value: object) -> object:
    """A cell's value for a spreadsheet: text beginning like a formula gets a leading apostrophe."""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


def spreadsheet_csv(header: list[str], rows: Iterable[Iterable[object]]) -> str:
    """CSV text (CRLF line ends, as RFC 4180) with every cell made safe to open in a spreadsheet."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(header)
    writer.writerows([safe_cell(v) for v in row] for row in rows)
    return out.getvalue()
