"""Wording of intervals and figures: interval_text writes what format_interval writes, and
figure_text what a fact's written value reads, row by row."""

from __future__ import annotations

import math
import re

import numpy as np
import pandas as pd
import pytest

from factlint.interval import Interval, auto_digits, format_interval
from factlint.rules.wording import QUALIFIER_WORDS, figure_text, interval_text, unit_suffix

ENDS = [0.0, -0.0, 1e-9, -1e-9, -0.004, -0.0049, 0.0049, 0.5, -0.5, 19.995, -3.25, 1234567.891]


def one_by_one(lo: float, hi: float, lo_open: bool, hi_open: bool, unit: str) -> str:
    """interval_text of one interval through format_interval (as it was written first)."""
    if unit == "date":
        return format_interval(lo, hi, lo_open, hi_open, "date")
    suffix = unit_suffix(unit)
    if math.isinf(hi) and math.isfinite(lo):
        word = "more than" if lo_open else "at least"
        return f"{word} {format_interval(lo, lo, digits=auto_digits(lo, lo))}{suffix}"
    if math.isfinite(hi) and (math.isinf(lo) or (lo == 0 and hi > 0)):
        word = "less than" if hi_open else "at most"
        return f"{word} {format_interval(hi, hi, digits=auto_digits(hi, hi))}{suffix}"
    digits = None if math.isnan(lo) or math.isnan(hi) else auto_digits(lo, hi)
    return format_interval(lo, hi, lo_open, hi_open, "", digits=digits) + suffix


@pytest.mark.parametrize("unit", ["percent", "count", "", "billion yuan"])
def test_interval_text_writes_each_interval_as_format_interval_does(unit: str) -> None:
    rng = np.random.default_rng(7)
    n = 4000
    ends = np.array([*ENDS, math.inf, -math.inf, math.nan])
    lo = np.where(rng.random(n) < 0.5, rng.choice(ends, n), rng.normal(0, 50, n).round(2))
    hi = np.where(rng.random(n) < 0.5, rng.choice(ends, n), lo + rng.random(n).round(3))
    hi = np.where(rng.random(n) < 0.1, lo, hi)
    iv = Interval(lo, hi, rng.random(n) < 0.2, rng.random(n) < 0.2)
    texts = interval_text(iv, unit)
    rows = zip(lo.tolist(), hi.tolist(), iv.lo_open.tolist(), iv.hi_open.tolist(), strict=True)
    expected = [one_by_one(*row, unit) for row in rows]
    assert texts == expected


def test_interval_text_reads_one_sided_and_undefined_intervals() -> None:
    iv = Interval(
        np.array([3500.0, 0.0, -math.inf, math.nan, -0.001, 19.125]),
        np.array([math.inf, 0.4, 2.0, 1.0, -0.0001, 19.625]),
        np.array([True, False, True, False, False, False]),
        np.array([False, True, False, False, False, False]),
    )
    assert interval_text(iv, "percent") == [
        "more than 3500%",
        "less than 0.4%",
        "at most 2%",
        "undefined%",
        "-0.0010 – -0.0001%",
        "19.125–19.625%",
    ]


def one_figure(value: object, qualifier: str, unit: str, derived: bool, iv: Interval) -> str:
    """figure_text of one fact, row by row (as it was written first)."""
    if derived or not isinstance(value, str) or not value.strip():
        return interval_text(iv, unit)[0]
    number = re.sub(r"(?<=\d)\s*[-~]\s*(?=[-\d])", "–", value) if qualifier == "range" else value
    return f"{QUALIFIER_WORDS.get(qualifier, '')}{number}{unit_suffix(unit)}"


@pytest.mark.parametrize(
    ("qualifiers", "units"),
    [
        (["exact", "approx", "range", "less_than"], ["percent", "count", "billion yuan", "date"]),
        (["exact"], ["percent"]),  # one qualifier and one unit, as a share rule's facts have
        (["range"], ["km2", "count"]),
    ],
)
def test_figure_text_writes_each_fact_as_one_by_one(
    qualifiers: list[str], units: list[str]
) -> None:
    # few distinct values, qualifiers and units, as in a table, in every mix: texts are
    # worked out once per distinct figure, so rows of one figure must all get its text
    rng = np.random.default_rng(len(qualifiers) + len(units))
    n = 3000
    values = np.array(["20.8", "3", "1-2", "5 ~ 7", " ", "", math.nan, "0.4"], dtype=object)
    lo = rng.normal(0, 50, n).round(2)
    frame = pd.DataFrame(
        {
            "value": values[rng.integers(0, len(values), n)],
            "qualifier": rng.choice(qualifiers, n).astype(object),
            "unit": rng.choice(units, n).astype(object),
            "derived": rng.random(n) < 0.2,
            "lo": lo,
            "hi": lo + rng.random(n).round(3),
            "lo_open": rng.random(n) < 0.1,
            "hi_open": rng.random(n) < 0.1,
        }
    )
    expected = [
        one_figure(
            r["value"],
            r["qualifier"],
            r["unit"],
            r["derived"],
            Interval(*(np.array([r[c]]) for c in ("lo", "hi", "lo_open", "hi_open"))),
        )
        for r in frame.to_dict("records")
    ]
    assert figure_text(frame) == expected
    # the same facts in another order, and a part of them
    order = rng.permutation(n)
    assert figure_text(frame.iloc[order]) == [expected[i] for i in order.tolist()]
    assert figure_text(frame.iloc[n // 2 :]) == expected[n // 2 :]


def test_interval_text_writes_each_row_in_its_own_unit() -> None:
    iv = Interval(
        np.array([19.125, 3.0, 19723.0, 3.0, 0.5, 2.0]),
        np.array([19.625, 3.0, 19724.0, 3.0, 0.75, 2.0]),
        np.zeros(6, dtype=bool),
        np.zeros(6, dtype=bool),
    )
    units = ["percent", "billion yuan", "date", "count", "percent", "percent"]
    assert interval_text(iv, units) == [
        "19.125–19.625%",
        "3 billion yuan",
        format_interval(19723.0, 19724.0, unit="date"),
        "3",
        "0.50–0.75%",
        "2%",
    ]
