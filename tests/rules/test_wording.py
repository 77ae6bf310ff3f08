"""Wording of intervals: interval_text writes what format_interval writes, row by row."""

from __future__ import annotations

import math

import numpy as np
import pytest

from factlint.interval import Interval, auto_digits, format_interval
from factlint.rules.wording import interval_text, unit_suffix

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
