"""Exact taka amounts: parsed from strings or numbers, two decimal places, never floats."""

from __future__ import annotations

from decimal import Decimal, InvalidOperation

MAX_TAKA = Decimal("10000000")
PAISA = Decimal("0.01")


class InvalidAmount(ValueError):
    """Raised when a value is not an exact, non-negative taka amount."""


def parse_taka(value: object) -> Decimal:
    """Return value as a Decimal with two places, or raise InvalidAmount.

    Accepts a decimal string ("1250", "1250.50"), an int, a Decimal, or a float whose
    shortest repr has at most two decimals (JSON numbers). Rejects anything inexact.
    """
    if isinstance(value, bool) or value is None:
        raise InvalidAmount("amount is required")
    if isinstance(value, float):
        value = repr(value)
    if isinstance(value, str):
        value = value.strip().replace(",", "")
    try:
        amount = Decimal(value)  # type: ignore[arg-type]
    except (InvalidOperation, TypeError, ValueError):
        raise InvalidAmount(f"{str(value)[:40]!r} is not an amount") from None
    if not amount.is_finite():
        raise InvalidAmount("amount must be a finite number")
    if amount < 0:
        raise InvalidAmount("amount must not be negative")
    if amount > MAX_TAKA:
        raise InvalidAmount("amount is too large")
    if amount != amount.quantize(PAISA):
        raise InvalidAmount("amount has more than two decimal places")
    return amount.quantize(PAISA)


def format_taka(amount: Decimal) -> str:
    """The wire form of an amount: a plain decimal string with two places."""
    return f"{amount.quantize(PAISA):f}"
