"""Bengali digits for texts shown in Bengali, shared by the kiosk's and the hub's pages and messages."""

from __future__ import annotations

TO_BENGALI = str.maketrans("0123456789", "০১২৩৪৫৬৭৮৯")


def bengali_digits(text: str) -> str:
    """text with every ASCII digit written as a Bengali digit."""
    return text.translate(TO_BENGALI)
