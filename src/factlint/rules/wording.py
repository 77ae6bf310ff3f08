"""Wording of values, intervals and gaps in the messages of the two-sided kinds."""

from __future__ import annotations

import math
import re
from collections.abc import Sequence

import numpy as np
import numpy.typing as npt
import pandas as pd

from factlint.interval import Interval, auto_digits_array, format_interval
from factlint.rules.base import RuleContext
from factlint.rules.frames import combined_codes, written_interval

QUALIFIER_WORDS = {
    "approx": "about ",
    "more_than": "more than ",
    "at_least": "at least ",
    "less_than": "less than ",
    "at_most": "at most ",
    "nearly": "nearly ",
}

_RANGE_DASH = re.compile(r"(?<=\d)\s*[-~]\s*(?=[-\d])")


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
    """A number followed by its unit as a reader expects it ("20.8%", "22", "4.1 trillion yuan")."""
    return text + unit_suffix(unit)


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


def unit_suffix(unit: str) -> str:
    """How a unit follows a number: "20.8%", "22" (a count), "4.1 trillion yuan"."""
    if unit == "percent":
        return "%"
    if unit in ("count", "date", ""):
        return ""
    return f" {unit}"


def _end_texts(values: npt.NDArray[np.float64], digits: list[int]) -> list[str]:
    """Each value with its decimals, as :func:`format_interval` writes one end."""
    texts = [f"{v:.{d}f}" for v, d in zip(values.tolist(), digits, strict=True)]
    # infinities, and negative values that may round to "-0": the few that need more
    # than a format go through format_interval itself
    with np.errstate(invalid="ignore"):
        special = np.signbit(values) | np.isinf(values)
    for i in np.flatnonzero(special).tolist():
        texts[i] = format_interval(values[i], values[i], digits=digits[i])
    return texts


def interval_text(iv: Interval, units: Sequence[str] | str) -> list[str]:
    """Each interval as a reader expects it, in its unit ("19.13–19.61%", "(3500, ∞)").

    An interval with one finite end reads "at least 3,500", "less than 0.4%"; any
    other is written as :func:`format_interval` writes it, with its decimals worked
    out for all rows at once (calling format_interval per row costs more than the
    rest of a message). Most intervals are a closed range or a point of finite ends
    that are not negative: those are written with one format per row, a format per
    unit and number of decimals; only the rest are looked at one by one.
    """
    n = len(iv)
    unit_list = [units] * n if isinstance(units, str) else list(units)
    unit_codes, distinct_units = _coded(np.asarray(unit_list, dtype=object))
    suffixes = [unit_suffix(u) for u in distinct_units.tolist()]
    lo, hi = iv.lo, iv.hi
    with np.errstate(invalid="ignore"):
        lower_only = np.isinf(hi) & np.isfinite(lo)
        upper_only = ~lower_only & np.isfinite(hi) & (np.isinf(lo) | ((lo == 0) & (hi > 0)))
    # the decimals of every row at once: the one end shown, or both ends of a range
    shown_lo = np.where(lower_only, lo, np.where(upper_only, hi, lo))
    shown_hi = np.where(lower_only, lo, hi)
    digits = auto_digits_array(shown_lo, shown_hi)
    dates = (distinct_units == "date")[unit_codes]
    # neither a sign nor an infinity to write: format_interval's own "%.<digits>f" ends
    plain = ~(lower_only | upper_only | iv.lo_open | iv.hi_open | dates)
    plain &= np.isfinite(lo) & np.isfinite(hi) & ~np.signbit(lo) & ~np.signbit(hi)
    out = np.empty(n, dtype=object)
    # one group per unit, decimals and shape (a range or one number)
    group = (unit_codes * (digits.max(initial=0) + 1) + digits) * 2 + (lo == hi)
    for key in np.unique(group[plain]).tolist():
        at = np.flatnonzero(plain & (group == key))
        places, point = int(digits[at[0]]), key % 2 == 1
        suffix = suffixes[unit_codes[at[0]]].replace("%", "%%")
        if point:
            out[at] = list(map(f"%.{places}f{suffix}".__mod__, lo[at].tolist()))
        else:
            pairs = zip(lo[at].tolist(), hi[at].tolist(), strict=True)
            out[at] = list(map(f"%.{places}f–%.{places}f{suffix}".__mod__, pairs))
    rest = np.flatnonzero(~plain)
    if len(rest):
        out[rest] = _texts_one_by_one(
            iv.take(rest),
            distinct_units[unit_codes[rest]].tolist(),
            shown_lo[rest],
            digits[rest].tolist(),
            lower_only[rest].tolist(),
            upper_only[rest].tolist(),
        )
    texts: list[str] = out.tolist()
    return texts


def _texts_one_by_one(
    iv: Interval,
    units: list[str],
    shown_lo: npt.NDArray[np.float64],
    digits: list[int],
    lower_only: list[bool],
    upper_only: list[bool],
) -> list[str]:
    """:func:`interval_text` of intervals other than a plain range or number, row by row."""
    lo, hi = iv.lo, iv.hi
    with np.errstate(invalid="ignore"):
        below_zero = hi < 0
    undefined = np.isnan(lo) | np.isnan(hi)
    firsts, seconds = _end_texts(shown_lo, digits), _end_texts(hi, digits)
    suffixes = {u: unit_suffix(u) for u in set(units)}
    out = []
    for unit, lo_k, hi_k, lo_open, hi_open, lower, upper, nan, negative, first, second in zip(
        units,
        lo.tolist(),
        hi.tolist(),
        iv.lo_open.tolist(),
        iv.hi_open.tolist(),
        lower_only,
        upper_only,
        undefined.tolist(),
        below_zero.tolist(),
        firsts,
        seconds,
        strict=True,
    ):
        suffix = suffixes[unit]
        if unit == "date":
            out.append(format_interval(lo_k, hi_k, lo_open, hi_open, "date"))
        elif lower:
            out.append(f"{'more than' if lo_open else 'at least'} {first}{suffix}")
        elif upper:
            out.append(f"{'less than' if hi_open else 'at most'} {first}{suffix}")
        # the rest as format_interval writes them: undefined, a bracketed interval with
        # an open end, one number, or a closed range
        elif nan:
            out.append("undefined" + suffix)
        elif lo_open or hi_open:
            body = f"{'(' if lo_open else '['}{first}, {second}{')' if hi_open else ']'}"
            out.append(body + suffix)
        elif lo_k == hi_k:
            out.append(first + suffix)
        else:
            out.append(f"{first}{' – ' if negative else '–'}{second}{suffix}")
    return out


def figure_text(frame: pd.DataFrame) -> list[str]:
    """Each fact's figure as written ("less than 0.4%", "about 9.6 million km2").

    A derived value has no written form: its interval is shown instead.
    """
    n = len(frame)
    # a figure as written depends on the value, qualifier and unit alone, and a table
    # repeats few of them: each distinct one is written once and taken by every row
    value_codes, values = pd.factorize(frame["value"].to_numpy(dtype=object))
    has_text = [isinstance(v, str) and bool(v.strip()) for v in values.tolist()]
    written = np.array([*has_text, False], dtype=bool)[value_codes]  # -1: no value
    written &= ~frame["derived"].to_numpy(dtype=bool)
    units = frame["unit"].astype(str).to_numpy(dtype=object)
    out = np.empty(n, dtype=object)
    unwritten = np.flatnonzero(~written)
    if len(unwritten):
        out[unwritten] = interval_text(
            written_interval(frame).take(unwritten), units[unwritten].tolist()
        )
    at = np.flatnonzero(written)
    if len(at):
        qualifiers = frame["qualifier"].to_numpy(dtype=object)[at]
        kinds, first = _distinct(value_codes[at], qualifiers, units[at])
        texts = [
            _written_figure(values[v], q, u)
            for v, q, u in zip(
                value_codes[at[first]].tolist(),
                qualifiers[first].tolist(),
                units[at[first]].tolist(),
                strict=True,
            )
        ]
        out[at] = np.array(texts, dtype=object)[kinds]
    figures: list[str] = out.tolist()
    return figures


def _written_figure(value: str, qualifier: str, unit: str) -> str:
    """A figure as its fact writes it: qualifier word, value (a range with an en dash), unit."""
    number = _RANGE_DASH.sub("–", value) if qualifier == "range" else value
    return f"{QUALIFIER_WORDS.get(qualifier, '')}{number}{unit_suffix(unit)}"


def _coded(
    values: npt.NDArray[np.object_],
) -> tuple[npt.NDArray[np.intp], npt.NDArray[np.object_]]:
    """Per value, its code into the distinct values (a missing one is a value too)."""
    # a column of one value (a unit, a qualifier often is) is told by comparing, which
    # costs a fraction of hashing it
    if len(values) and bool((values == values[0]).all()):
        return np.zeros(len(values), dtype=np.intp), values[:1]
    codes, distinct = pd.factorize(values, use_na_sentinel=False)
    return np.asarray(codes, dtype=np.intp), np.asarray(distinct, dtype=object)


def _distinct(
    codes: npt.NDArray[np.intp], *columns: npt.NDArray[np.object_]
) -> tuple[npt.NDArray[np.intp], npt.NDArray[np.intp]]:
    """Rows alike in ``codes`` and every column: per row, the number of its kind (0, 1, ...
    in order of first appearance), and the row where each kind first appears."""
    keys = combined_codes([codes, *(_coded(column)[0] for column in columns)])
    kinds = np.asarray(pd.factorize(keys)[0], dtype=np.intp)
    # factorize numbers kinds as they first appear: a row is a first where its kind
    # exceeds every kind before it
    seen = np.maximum.accumulate(kinds)
    first = np.flatnonzero(np.diff(seen, prepend=-1) > 0)
    return kinds, first


def number_text(x: float) -> str:
    """A gap to three significant figures, never in exponent form."""
    if not math.isfinite(x):
        return "∞" if x > 0 else "undefined"
    rounded = float(f"{x:.3g}")
    if rounded == 0:
        return "0"
    if abs(rounded) >= 100:
        return f"{x:.0f}"
    digits = max(0, 2 - math.floor(math.log10(abs(rounded))))
    return f"{rounded:.{digits}f}"


def side_word(computed: Interval, stated: Interval) -> list[str]:
    """ "below" where the computed interval lies under the stated one, else "above"."""
    with np.errstate(invalid="ignore"):
        below = computed.hi <= stated.lo
    return ["below" if b else "above" for b in below]


def ids_text(ids: Sequence[str]) -> str:
    return ", ".join(f"`{i}`" for i in ids)


def label(ctx: RuleContext, metric: str) -> str:
    """A metric's label as it reads inside a sentence ("imports and exports", "FDI")."""
    known = ctx.registries.metrics.get(metric)
    text = known.label if known is not None else metric
    if len(text) > 1 and text[0].isupper() and not text[1].isupper():
        return text[0].lower() + text[1:]
    return text
