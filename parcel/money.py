"""Exact taka amounts: parsed from strings or numbers, two decimal places, never floats.

Two grammars, both exact:
- the wire and the APIs (`parse_taka`): ASCII digits, no sign, no grouping, no exponent, at most two
  decimals (`AMOUNT_PATTERN`), or a JSON number that is such an amount;
- what a clerk types at the counter (`parse_typed_taka`): the same, in ASCII or Bengali digits, with
  correct digit grouping in the international (`1,250,000.50`) or the lakh style (`12,50,000.50`).
Anything else is refused: a decimal comma, an exponent, a sign, `_`, other scripts' digits.
"""

from __future__ import annotations

import re
from decimal import Decimal

MAX_TAKA = Decimal("10000000")
PAISA = Decimal("0.01")

# The documented pattern of an amount on the wire and in the merchant and kiosk APIs: digits with at
# most two decimals, up to MAX_TAKA (so that every string it matches is an amount the hub takes).
AMOUNT_PATTERN = r"^0*([0-9]{1,7}(\.[0-9]{1,2})?|10000000(\.0{1,2})?)$"
_AMOUNT = re.compile(AMOUNT_PATTERN)
# A float's shortest repr is the wire grammar with a trailing ".0" for whole numbers.
_FLOAT_REPR = re.compile(r"^(0|[1-9][0-9]{0,7})\.[0-9]{1,2}$")
# Grouped integer parts: international (groups of three) or lakh style (the last three, then twos).
_GROUPED = re.compile(r"^(?:[1-9][0-9]{0,2}(?:,[0-9]{3})+|[1-9][0-9]?(?:,[0-9]{2})+,[0-9]{3})$")
_TYPED = re.compile(r"^(?P<whole>[0-9,]+)(?P<fraction>\.[0-9]{1,2})?$")
_BENGALI_DIGITS = str.maketrans("০১২৩৪৫৬৭৮৯", "0123456789")


class InvalidAmount(ValueError):
    """Raised when a value is not an exact, non-negative taka amount."""


def parse_taka(value: object) -> Decimal:
    """Return an amount of the wire grammar as a Decimal with two places, or raise InvalidAmount.

    Accepts a string matching AMOUNT_PATTERN ("1250", "1250.5", "1250.50"), a non-negative int,
    a float whose shortest repr has at most two decimals (a JSON number), or a Decimal (a stored
    value). Refuses everything else, naming why.
    """
    if isinstance(value, bool) or value is None:
        raise InvalidAmount("an amount is required")
    if isinstance(value, Decimal):
        return _bounded(value)
    if isinstance(value, int):
        return _bounded(Decimal(value))
    if isinstance(value, float):
        text = repr(value)
        if not _FLOAT_REPR.fullmatch(text):
            raise InvalidAmount(f"{text} is not an amount of taka with at most two decimals")
        return _bounded(Decimal(text))
    if not isinstance(value, str):
        raise InvalidAmount("an amount is a number or a decimal string such as 1250.50")
    if not _AMOUNT.fullmatch(value):
        raise InvalidAmount(
            f"{value[:40]!r} is not an amount: write digits with at most two decimals, like 1250.50"
        )
    return _bounded(Decimal(value))


def parse_typed_taka(text: str) -> Decimal:
    """Return an amount as a clerk types it (Bengali or ASCII digits, correct grouping), or raise.

    "1250", "১২৫০.৫০", "1,250.50" and "12,50,000" are amounts; "12,50" (a decimal comma),
    "1,2,50", "1e3", "+5" and "-0" are not.
    """
    typed = text.strip().translate(_BENGALI_DIGITS)
    if not typed:
        raise InvalidAmount("an amount is required")
    match = _TYPED.fullmatch(typed)
    if match is None:
        raise InvalidAmount(f"{text.strip()[:40]!r} is not an amount: write digits with at most two decimals")
    whole, fraction = match["whole"], match["fraction"] or ""
    if "," in whole:
        if not _GROUPED.fullmatch(whole):
            raise InvalidAmount(
                f"{text.strip()[:40]!r} has its digits grouped wrongly (1,250.50 or 1,25,000)"
            )
        whole = whole.replace(",", "")
    return parse_taka(whole + fraction)


def _bounded(amount: Decimal) -> Decimal:
    if not amount.is_finite():
        raise InvalidAmount("an amount must be a finite number")
    if amount.is_signed():
        raise InvalidAmount("an amount must not be negative")
    if amount > MAX_TAKA:
        raise InvalidAmount("the amount is too large (at most 10,000,000 taka)")
    if amount != amount.quantize(PAISA):
        raise InvalidAmount("an amount has at most two decimal places")
    return amount.quantize(PAISA)


def format_taka(amount: Decimal) -> str:
    """The wire form of an amount: a plain decimal string with two places."""
    return f"{amount.quantize(PAISA):f}"
