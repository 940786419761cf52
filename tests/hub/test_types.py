"""Stored UTC text: one width for every time, so text order is time order on every database."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest
from hypothesis import given
from hypothesis import strategies as st

from hub.db.types import utc_text

AWARE = st.datetimes(
    min_value=datetime(1, 1, 2),
    max_value=datetime(9999, 12, 30),
    timezones=st.sampled_from([UTC, timezone(timedelta(hours=6))]),
)


@pytest.mark.parametrize(
    ("value", "text"),
    [
        (
            datetime(2026, 11, 24, 10, 0, tzinfo=timezone(timedelta(hours=6))),
            "2026-11-24T04:00:00.000000+00:00",
        ),
        (datetime(999, 1, 2, 3, 4, 5, 6, tzinfo=UTC), "0999-01-02T03:04:05.000006+00:00"),
    ],
)
def test_utc_text_is_fixed_width_utc(value: datetime, text: str) -> None:
    assert utc_text(value) == text


@given(AWARE, AWARE)
def test_text_order_is_time_order(a: datetime, b: datetime) -> None:
    assert len(utc_text(a)) == len(utc_text(b)) == 32
    assert (utc_text(a) < utc_text(b)) == (a < b)


def test_a_naive_time_is_refused() -> None:
    with pytest.raises(ValueError, match="naive"):
        utc_text(datetime(2026, 1, 1))
