"""Wording of values, intervals and gaps in the messages of the two-sided kinds."""

from __future__ import annotations

import math

from factlint.interval import Interval, format_interval

QUALIFIER_WORDS = {
    "approx": "about ",
    "more_than": "more than ",
    "at_least": "at least ",
    "less_than": "less than ",
    "at_most": "at most ",
    "nearly": "nearly ",
}


def _decimals(x: float) -> int:
    return max(0, 3 - math.floor(math.log10(abs(x)))) if x else 0


def number(x: float, decimals: int | None = None) -> str:
    """A computed number with about four significant digits ("94.21", "31,559", "0.01235")."""
    if not math.isfinite(x):
        return "∞" if x > 0 else ("-∞" if x < 0 else "undefined")
    places = _decimals(x) if decimals is None else decimals
    text = f"{x:,.{places}f}"
    text = text.rstrip("0").rstrip(".") if "." in text else text
    return "0" if text in ("-0", "") else text


def with_unit(text: str, unit: str) -> str:
    if unit == "percent":
        return f"{text}%"
    if unit in ("count", "date", ""):
        return text
    return f"{text} {unit}"


def computed_text(iv: Interval, i: int, unit: str) -> str:
    """A computed interval for a message, rounded to what a reader needs."""
    lo, hi, lo_open, hi_open = iv[i]
    if unit == "date" or math.isnan(lo) or math.isnan(hi):
        return format_interval(lo, hi, lo_open, hi_open, unit)
    if lo == hi:
        return with_unit(number(lo), unit)
    if lo_open or hi_open:
        body = f"{number(lo)}, {number(hi)}"
        return with_unit(f"{'(' if lo_open else '['}{body}{')' if hi_open else ']'}", unit)
    # enough decimals to tell the ends apart, and at least four significant digits
    places = max(_decimals(max(abs(lo), abs(hi))), math.ceil(-math.log10(hi - lo)) + 1)
    places = min(places, 10)
    return with_unit(f"{number(lo, places)}–{number(hi, places)}", unit)


def gap_text(gap: float, unit: str) -> str:
    if unit == "percent":
        return f"{number(gap)} percentage points"
    if unit == "date":
        return f"{number(gap)} days"
    return with_unit(number(gap), unit) if unit != "count" else number(gap)


def side(stated: Interval, other: Interval, i: int, op: str) -> str:
    """Where the stated interval lies relative to the other, for a failed ``op``."""
    if op in ("<", "<="):
        return "above"
    if op in (">", ">="):
        return "below"
    return "above" if stated.lo[i] > other.hi[i] else "below"


def by_gap(gap: float, unit: str) -> str:
    """How far a failed relation misses: the gap, or that they only meet at an excluded end."""
    if gap > 0:
        return f"by at least {gap_text(gap, unit)}"
    return "(they could only meet at a value the text excludes)"


def lies(stated: Interval, other: Interval, i: int, op: str, gap: float, unit: str) -> str:
    """ "it lies above by at least 1.25 km2" for a failed ``stated op other``."""
    return f"it lies {side(stated, other, i, op)} {by_gap(gap, unit)}"
