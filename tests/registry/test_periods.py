"""Periods stored in one neutral form."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from distretto.registry.domain.periods import Period, check_period, parse_period


def test_parse_period_every_form():
    assert parse_period("") == Period("none")
    assert parse_period("2022") == Period("year", 2022)
    assert parse_period("2012-05") == Period("month", 2012, 5)
    assert parse_period("1991-11-11") == Period("day", 1991, 11, 11)
    assert parse_period("2025-Q1") == Period("quarter", 2025, part=1)
    assert parse_period("2024-H1") == Period("half", 2024, part=1)
    assert parse_period("2017/2021") == Period("range", 2017, until=2021)
    assert parse_period("2014/") == Period("since", 2014)


def test_parse_period_rejects_free_text_and_impossible_dates():
    for text in ("2025 Q1", "since 2014", "May 2012", "2021-02-30", "2021/2019", "2025-Q5", "n.d."):
        assert parse_period(text) is None
    assert check_period("2025 Q1") == (
        "Write the period as 2022, 2012-05, 1991-11-11, 2025-Q1, 2024-H1, "
        "2017/2021 (a range) or 2014/ (since), or leave it empty."
    )


@given(st.integers(1000, 9999), st.integers(1, 4))
def test_parse_period_quarters_round_trip(year, quarter):
    assert parse_period(f"{year}-Q{quarter}") == Period("quarter", year, part=quarter)
