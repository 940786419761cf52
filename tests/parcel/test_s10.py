"""S10 tracking numbers: check digit, validation, serial blocks."""

import pytest
from hypothesis import given
from hypothesis import strategies as st

from parcel import s10


def test_check_digit_of_the_upu_example() -> None:
    assert s10.check_digit("47312482") == 9  # UPU S10 worked example: RR473124829CH
    assert s10.make("CP", 12345678) == "CP123456785BD"


@pytest.mark.parametrize(
    ("serial", "digit"),
    [("00000000", 5), ("00000001", 4), ("00000010", 2)],  # sum 0 → 11 → 5; 10 → 0 below
)
def test_check_digit_special_cases(serial: str, digit: int) -> None:
    assert s10.check_digit(serial) == digit


def test_check_digit_ten_maps_to_zero() -> None:
    # weights 8 6 4 2 3 5 9 7; serial 00000100 → sum 9 → 11-9 = 2; find one whose remainder is 1
    serial = next(
        f"{n:08d}"
        for n in range(1000)
        if sum(int(d) * w for d, w in zip(f"{n:08d}", s10.WEIGHTS, strict=True)) % 11 == 1
    )
    assert s10.check_digit(serial) == 0


@pytest.mark.parametrize(
    "bad",
    [
        "",
        "CP123456784BD",
        "CP12345678BD",
        "C1123456785BD",
        "CP123456785US",
        "CP1234567850BD",
        "১২৩",
        "x" * 100,
    ],
)
def test_invalid_numbers_are_refused_with_a_reason(bad: str) -> None:
    with pytest.raises(s10.InvalidTrackingNumber):
        s10.validate(bad)
    assert not s10.is_valid(bad)


def test_scanned_forms_are_normalised() -> None:
    assert s10.validate(" cp 1234 5678 5bd\r\n") == "CP123456785BD"


@given(st.integers(0, 99_999_999), st.sampled_from(["CP", "EE", "RR", "LX"]))
def test_every_made_number_validates(serial: int, service: str) -> None:
    number = s10.make(service, serial)
    assert s10.validate(number) == number


@given(st.integers(0, 99_999_999), st.integers(1, 9))
def test_a_mistyped_check_digit_is_detected(serial: int, delta: int) -> None:
    number = s10.make("CP", serial)
    changed = f"{number[:10]}{(int(number[10]) + delta) % 10}{number[11:]}"
    assert not s10.is_valid(changed)


def test_serial_block_issues_only_inside_itself() -> None:
    block = s10.SerialBlock("CP", 10_000_000, 10_010_000)
    assert len(block) == 10_000
    assert block.number(10_000_000) == s10.make("CP", 10_000_000)
    with pytest.raises(ValueError):
        block.number(10_010_000)
    with pytest.raises(ValueError):
        s10.SerialBlock("CP", 5, 5)
