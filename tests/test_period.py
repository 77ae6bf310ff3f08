"""Canonical periods: the days a figure is about."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import factlint.period as period_module
from factlint.period import PeriodError, parse_period, period_bounds, period_days

D = dt.date


@pytest.mark.parametrize(
    ("text", "start", "end"),
    [
        ("2022", D(2022, 1, 1), D(2022, 12, 31)),
        ("2024-H1", D(2024, 1, 1), D(2024, 6, 30)),
        ("2024-H2", D(2024, 7, 1), D(2024, 12, 31)),
        ("2024-Q1", D(2024, 1, 1), D(2024, 3, 31)),
        ("2024-Q3", D(2024, 7, 1), D(2024, 9, 30)),
        ("2024-Q4", D(2024, 10, 1), D(2024, 12, 31)),
        ("2020-07", D(2020, 7, 1), D(2020, 7, 31)),
        ("2024-02", D(2024, 2, 1), D(2024, 2, 29)),  # leap year
        ("2023-02", D(2023, 2, 1), D(2023, 2, 28)),
        ("2024-09-10", D(2024, 9, 10), D(2024, 9, 10)),
        ("2013-09-29/2024", D(2013, 9, 29), D(2024, 12, 31)),
        ("2024-01/2024-Q3", D(2024, 1, 1), D(2024, 9, 30)),
        ("2022/2022", D(2022, 1, 1), D(2022, 12, 31)),
    ],
)
def test_parse_period(text: str, start: dt.date, end: dt.date) -> None:
    assert parse_period(text) == (start, end)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("2024-Q5", "not one of"),
        ("2024-H3", "not one of"),
        ("2022-13", "month 13"),
        ("2022-00", "month 0"),
        ("2023-02-29", "day is out of range"),
        ("2024/2023", "ends before it starts"),
        ("2020/2021/2022", "more than one"),
        ("22", "not one of"),
        (" 2022", "not one of"),
        ("2022-1", "not one of"),
        ("FY2022", "not one of"),
        ("", "not one of"),
        ("0000", "year 0"),
    ],
)
def test_parse_period_rejects_with_a_reason(text: str, message: str) -> None:
    with pytest.raises(PeriodError, match=message):
        parse_period(text)


def test_period_bounds_is_aligned_typed_and_never_raises() -> None:
    periods = pd.Series(
        ["2022", "2024-H1", None, "bad", "2022", np.nan, "1000"], index=list("abcdefg")
    )
    bounds = period_bounds(periods)
    assert list(bounds.index) == list("abcdefg")
    assert str(bounds["start"].dtype) == "datetime64[ns]"
    assert str(bounds["end"].dtype) == "datetime64[ns]"
    assert bounds["valid"].tolist() == [True, True, False, False, True, False, False]
    assert bounds.loc["b", "end"] == pd.Timestamp("2024-06-30")
    assert bounds.loc["e", "start"] == pd.Timestamp("2022-01-01")
    assert pd.isna(bounds.loc["d", "start"])


def test_period_bounds_of_nothing() -> None:
    bounds = period_bounds(pd.Series([], dtype=object))
    assert bounds.empty and list(bounds.columns) == ["start", "end", "valid"]


def test_period_bounds_parses_each_distinct_period_once(monkeypatch: pytest.MonkeyPatch) -> None:
    calls: list[str] = []
    real = period_module.parse_period

    def counting(text: str) -> tuple[dt.date, dt.date]:
        calls.append(text)
        return real(text)

    monkeypatch.setattr(period_module, "parse_period", counting)
    periods = pd.Series(["2022", "2024-H1", "2024-Q3"] * 10_000)
    bounds = period_bounds(periods)
    assert sorted(calls) == ["2022", "2024-H1", "2024-Q3"]
    assert bounds["valid"].all() and len(bounds) == 30_000


@pytest.mark.parametrize(
    ("start", "end", "days"),
    [
        (D(2024, 1, 1), D(2024, 12, 31), 366),
        (D(2023, 1, 1), D(2023, 12, 31), 365),
        ("2024-09-10", "2024-09-10", 1),
        (pd.Timestamp("2024-01-01"), np.datetime64("2024-06-30"), 182),
    ],
)
def test_period_days_counts_both_ends(
    start: dt.date | str | pd.Timestamp, end: dt.date | str | np.datetime64, days: int
) -> None:
    assert period_days(start, end) == days


@settings(max_examples=200, deadline=None)
@given(
    a=st.dates(dt.date(1900, 1, 1), dt.date(2100, 12, 31)),
    b=st.dates(dt.date(1900, 1, 1), dt.date(2100, 12, 31)),
)
def test_a_span_of_days_covers_its_days(a: dt.date, b: dt.date) -> None:
    first, last = sorted((a, b))
    start, end = parse_period(f"{first.isoformat()}/{last.isoformat()}")
    assert (start, end) == (first, last)
    assert period_days(start, end) == (last - first).days + 1
    # a year contains each of its quarters
    y_start, y_end = parse_period(str(first.year))
    q = (first.month - 1) // 3 + 1
    q_start, q_end = parse_period(f"{first.year}-Q{q}")
    assert y_start <= q_start <= first <= q_end <= y_end
