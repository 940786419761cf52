"""Taka amounts: the wire grammar and the counter's typed grammar, exact and nothing else.

The property tests hold the parsers against oracles written another way (character by character, no
regular expressions): whatever a parser accepts is in its grammar and round-trips to the same paisa,
and whatever is outside the grammar is refused.
"""

from __future__ import annotations

from decimal import Decimal

import pytest
from hypothesis import example, given
from hypothesis import strategies as st

from parcel.money import MAX_TAKA, InvalidAmount, format_taka, parse_taka, parse_typed_taka

DIGITS = "0123456789"
BENGALI = "০১২৩৪৫৬৭৮৯"


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("1250", "1250.00"),
        ("1250.5", "1250.50"),
        ("0", "0.00"),
        ("0.05", "0.05"),
        ("007.50", "7.50"),
        ("10000000", "10000000.00"),
        (1250, "1250.00"),
        (0.1, "0.10"),
        (1000.0, "1000.00"),
        (Decimal("7.25"), "7.25"),
    ],
)
def test_wire_amounts_are_exact(value: object, expected: str) -> None:
    assert parse_taka(value) == Decimal(expected)


@pytest.mark.parametrize(
    "value",
    [
        "12,50",  # a decimal comma: a merchant's locale would collect 100 times the amount
        "1,250.50",  # grouping is for people at the counter, not for the wire
        "1e3",
        "12_000",
        "+5",
        "-0",
        "-1",
        " 5",
        "5\n",
        "1.005",
        "١٢٣",  # Arabic-Indic digits
        "১২৩",  # Bengali digits: the counter's forms turn them into the wire grammar first
        "",
        ".5",
        "5.",
        "NaN",
        "Infinity",
        "10000000.01",
        True,
        None,
        0.005,
        -0.0,
        1e16,
        float("nan"),
        -1,
        [],
    ],
)
def test_wire_refuses_everything_else(value: object) -> None:
    with pytest.raises(InvalidAmount):
        parse_taka(value)


@pytest.mark.parametrize(
    ("typed", "expected"),
    [
        ("১২৫০.৫০", "1250.50"),
        ("1,250.50", "1250.50"),
        ("১,২৫০", "1250.00"),
        ("1,25,000.00", "125000.00"),
        ("12,50,000", "1250000.00"),
        ("1,250,000", "1250000.00"),
        (" 250 ", "250.00"),
        ("0", "0.00"),
    ],
)
def test_the_counter_takes_bengali_digits_and_grouping(typed: str, expected: str) -> None:
    assert parse_typed_taka(typed) == Decimal(expected)


@pytest.mark.parametrize(
    "typed",
    ["12,50", "1,2,50", "1,2500", "12,345,67", ",250", "250,", "1e3", "+5", "-0", "৳ 50", "50 Tk", ""],
)
def test_the_counter_refuses_wrong_grouping_and_signs(typed: str) -> None:
    with pytest.raises(InvalidAmount):
        parse_typed_taka(typed)


def test_the_wire_form_has_two_places() -> None:
    assert format_taka(parse_taka("5")) == "5.00"
    assert format_taka(parse_taka(0)) == "0.00"  # never "-0.00"


# --- oracles ----------------------------------------------------------------------------------


def wire_oracle(text: str) -> Decimal | None:
    """The wire grammar, read character by character: digits, an optional point and 1-2 digits."""
    whole, point, fraction = text.partition(".")
    if not whole or any(c not in DIGITS for c in whole + fraction):
        return None
    if point and not 1 <= len(fraction) <= 2:
        return None
    value = Decimal(whole) + (Decimal(fraction) / 10 ** len(fraction) if fraction else 0)
    return value if value <= MAX_TAKA else None


def grouped_oracle(whole: str) -> str | None:
    """A grouped integer part with its commas taken out, or None when the groups are wrong."""
    groups = whole.split(",")
    if len(groups) == 1:
        return whole
    first, rest = groups[0], groups[1:]
    if not first or first[0] == "0" or any(not g or any(c not in DIGITS for c in g) for g in groups):
        return None
    international = len(first) <= 3 and all(len(g) == 3 for g in rest)
    lakh = len(first) <= 2 and len(rest[-1]) == 3 and all(len(g) == 2 for g in rest[:-1]) and len(rest) >= 2
    return "".join(groups) if international or lakh else None


def typed_oracle(text: str) -> Decimal | None:
    """What a clerk may type: the wire grammar in ASCII or Bengali digits, grouped correctly."""
    text = text.strip()
    ascii_text = "".join(DIGITS[BENGALI.index(c)] if c in BENGALI else c for c in text)
    whole, point, fraction = ascii_text.partition(".")
    ungrouped = grouped_oracle(whole)
    if ungrouped is None:
        return None
    return wire_oracle(ungrouped + point + fraction)


def outcome(parse: object, text: str) -> Decimal | None:
    try:
        return parse(text)  # type: ignore[operator,no-any-return]
    except InvalidAmount:
        return None


amounts = st.decimals(min_value=0, max_value=MAX_TAKA, places=2)
hostile = st.text(alphabet="0123456789০১২৩৪৫৬৭৮৯١٢.,eE+-_ \t\n৳x", max_size=14)


def _group(digits: str, lakh: bool) -> str:
    if len(digits) <= 3:
        return digits
    head, tail = digits[:-3], digits[-3:]
    size = 2 if lakh else 3
    groups = []
    while head:
        groups.insert(0, head[-size:])
        head = head[:-size]
    return ",".join([*groups, tail])


@given(amounts, st.booleans(), st.booleans(), st.booleans())
def test_every_written_form_of_an_amount_reads_back_to_the_same_paisa(
    amount: Decimal, bengali: bool, grouped: bool, lakh: bool
) -> None:
    wire = format_taka(amount)
    assert parse_taka(wire) == amount
    assert parse_taka(wire.removesuffix("0").removesuffix(".0")) == amount
    whole, _, fraction = wire.partition(".")
    typed = (_group(whole, lakh) if grouped else whole) + "." + fraction
    if bengali:
        typed = typed.translate(str.maketrans(DIGITS, BENGALI))
    assert parse_typed_taka(typed) == amount
    assert format_taka(parse_typed_taka(typed)) == wire


@given(hostile)
@example("12,50")
@example("1,25,000.00")
@example("1e3")
@example("-0")
def test_the_wire_parser_agrees_with_its_grammar(text: str) -> None:
    assert outcome(parse_taka, text) == wire_oracle(text)


@given(hostile)
@example("১,২৫,০০০.৫০")
@example("12,345,67")
@example("1,2,50")
def test_the_counter_parser_agrees_with_its_grammar(text: str) -> None:
    assert outcome(parse_typed_taka, text) == typed_oracle(text)
