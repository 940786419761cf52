"""The merchant API's field types: each one's pattern is both what the server enforces and what the
OpenAPI document says, so the two cannot disagree.

The API is exact where a person at the counter may be loose: amounts are decimal strings of the wire
grammar or whole numbers, phone numbers are written without separators, text holds no NUL. Every
regular expression here means the same in Python's, Rust's (pydantic) and ECMA's (JSON Schema)
dialects: explicit ASCII classes, no `\\d` or `\\s`.
"""

from __future__ import annotations

import re
from decimal import Decimal
from typing import Annotated, Any

from pydantic import AfterValidator, BeforeValidator, Field, PlainSerializer, StrictInt, WithJsonSchema
from pydantic_core import PydanticCustomError

from parcel.money import AMOUNT_PATTERN, MAX_TAKA, InvalidAmount, format_taka, parse_taka
from parcel.phone import normalise_mobile

# What Python's str.isspace() calls white space, spelled out (ECMA's \s differs at the edges).
SPACES = r"\t\n\x0b\x0c\r\x1c-\x1f \x85\xa0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000"
# Free text: no NUL (no database stores it) and at least one character that is not white space.
TEXT_PATTERN = rf"^[^\x00]*[^\x00{SPACES}][^\x00]*$"
NO_NUL_PATTERN = r"^[^\x00]*$"
BOOTH_PATTERN = r"^BD-[0-9]{4}-[0-9]{2}$"
PHONE_PATTERN = r"^(\+?880|0)1[3-9][0-9]{8}$"
# A plain ASCII address, no display name (what the hub's SMTP driver sends to).
EMAIL_PATTERN = (
    r"^[A-Za-z0-9.!#$%&'*+/=?^_`{|}~-]{1,64}@[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?"
    r"(\.[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?)+$"
)
# A payout account or mobile wallet number; it starts with a letter or digit, so a spreadsheet never
# reads it as a formula.
ACCOUNT_PATTERN = r"^[0-9A-Za-z][0-9A-Za-z-]{5,39}$"


def _api_taka(value: Any) -> Decimal:
    """An amount as the API takes it: a wire-grammar string, or a whole JSON number of taka."""
    if isinstance(value, float) and not value.is_integer():
        raise PydanticCustomError("amount", 'write an amount with decimals as a string, like "1250.50"')
    try:
        return parse_taka(int(value) if isinstance(value, float) else value)
    except InvalidAmount as exc:
        raise PydanticCustomError("amount", str(exc)) from None


Taka = Annotated[
    Decimal,
    BeforeValidator(_api_taka),
    PlainSerializer(format_taka, return_type=str),
    WithJsonSchema(
        {
            "oneOf": [
                {"type": "string", "pattern": AMOUNT_PATTERN},
                {"type": "integer", "minimum": 0, "maximum": int(MAX_TAKA)},
            ],
            "description": 'taka: a decimal string with at most two decimals ("1250.50"), or a whole '
            "number of taka; at most 10,000,000",
        }
    ),
]


def _matching(pattern: str, what: str) -> AfterValidator:
    """A check that text matches pattern, refused with what it should be (not the regular expression)."""
    compiled = re.compile(pattern)

    def check(value: str) -> str:
        if not compiled.fullmatch(value):
            raise PydanticCustomError("pattern_mismatch", what)
        return value

    return AfterValidator(check)


def _text(pattern: str, what: str, description: str | None = None, **limits: int) -> Any:
    """A str field type whose pattern is checked with a readable refusal and written in the document."""
    extra: dict[str, Any] = {"pattern": pattern} | ({"description": description} if description else {})
    return Annotated[str, Field(json_schema_extra=extra, **limits), _matching(pattern, what)]  # type: ignore[arg-type]


def _whole(value: Any) -> Any:
    """A JSON number with no fraction (800.0) is a whole number, as JSON Schema's integer says."""
    if isinstance(value, float) and value.is_integer():
        return int(value)
    return value


BoothId = _text(BOOTH_PATTERN, "a booth id looks like BD-1207-01", "a booth id, BD-<postcode>-<number>")
Phone = Annotated[
    _text(
        PHONE_PATTERN,
        "a Bangladeshi mobile number: 01XXXXXXXXX or +8801XXXXXXXXX",
        "01XXXXXXXXX or +8801XXXXXXXXX",
    ),
    AfterValidator(normalise_mobile),
]
Name = Annotated[
    _text(TEXT_PATTERN, "must not be blank or hold NUL", min_length=1, max_length=200),
    AfterValidator(str.strip),
]
Reference = _text(NO_NUL_PATTERN, "must not hold NUL", min_length=1, max_length=100)
Email = _text(EMAIL_PATTERN, "not a valid e-mail address (name@example.com)", max_length=254)
Account = _text(ACCOUNT_PATTERN, "6 to 40 letters, digits or '-', starting with a letter or digit")
Grams = Annotated[StrictInt, Field(ge=1, le=100_000, description="whole grams"), BeforeValidator(_whole)]
