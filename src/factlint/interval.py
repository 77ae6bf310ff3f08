"""Rounding-aware interval arithmetic, vectorised over numpy arrays.

A figure in a document is never a float: "20.8%" stands for every value that
rounds to 20.8, "less than 0.4%" for everything below 0.4. This module keeps
such figures as intervals ``[lo, hi]`` with open or closed ends, propagates
them through arithmetic, and compares them so that rounding is never an error
while a real contradiction always is.

Conventions:

* An infinite end is always open (it is never attained).
* A NaN bound means *undefined*: a malformed written value, or a quotient by
  an interval that contains 0. Undefined propagates through arithmetic.
* An empty interval (``lo > hi``, or ``lo == hi`` with an open end) can only
  come from :meth:`Interval.intersect`; see :attr:`Interval.empty`.

Every operation works on whole arrays at once; nothing loops per element.
"""

from __future__ import annotations

import datetime as _dt
import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Literal, Union

import numpy as np
import numpy.typing as npt
import pandas as pd

from factlint.value_text import mantissa, read_texts

FloatArray = npt.NDArray[np.float64]
BoolArray = npt.NDArray[np.bool_]
Operand = Union["Interval", npt.ArrayLike]
CompareOp = Literal["==", "<", "<=", ">", ">="]

#: Relative slack that absorbs float noise when intervals are compared.
EPSILON = 1e-9
_EPOCH_ORDINAL = _dt.date(1970, 1, 1).toordinal()


def _floats(values: npt.ArrayLike) -> FloatArray:
    return np.atleast_1d(np.asarray(values, dtype=np.float64))


def _bools(values: npt.ArrayLike) -> BoolArray:
    return np.atleast_1d(np.asarray(values, dtype=np.bool_))


@dataclass(frozen=True)
class Interval:
    """A vector of intervals [lo, hi] with open/closed ends.

    NaN bounds mean undefined (e.g. division by an interval containing 0).
    Arrays of length 1 broadcast against longer ones in arithmetic, so a
    constant can be written as ``Interval.point(100.0)`` or a plain number.
    """

    lo: FloatArray
    hi: FloatArray
    lo_open: BoolArray
    hi_open: BoolArray

    def __post_init__(self) -> None:
        lo, hi = _floats(self.lo), _floats(self.hi)
        lo_open, hi_open = _bools(self.lo_open), _bools(self.hi_open)
        lo, hi, lo_open, hi_open = (
            np.array(a) for a in np.broadcast_arrays(lo, hi, lo_open, hi_open)
        )
        # an infinite end is never attained, and an undefined end has no openness
        lo_open = (lo_open | np.isneginf(lo)) & ~np.isnan(lo)
        hi_open = (hi_open | np.isposinf(hi)) & ~np.isnan(hi)
        object.__setattr__(self, "lo", lo)
        object.__setattr__(self, "hi", hi)
        object.__setattr__(self, "lo_open", lo_open)
        object.__setattr__(self, "hi_open", hi_open)

    # -- construction -------------------------------------------------------

    @classmethod
    def point(cls, values: npt.ArrayLike) -> Interval:
        """Degenerate intervals [v, v]: exact values such as a computed constant."""
        v = _floats(values)
        return cls(v, v.copy(), np.zeros(v.shape, bool), np.zeros(v.shape, bool))

    @classmethod
    def of(
        cls,
        lo: npt.ArrayLike,
        hi: npt.ArrayLike,
        lo_open: npt.ArrayLike = False,
        hi_open: npt.ArrayLike = False,
    ) -> Interval:
        """Intervals from any array-likes (lists, scalars); arguments broadcast."""
        return cls(_floats(lo), _floats(hi), _bools(lo_open), _bools(hi_open))

    @classmethod
    def closed(cls, lo: npt.ArrayLike, hi: npt.ArrayLike) -> Interval:
        """Closed intervals [lo, hi]."""
        lo_a, hi_a = np.broadcast_arrays(_floats(lo), _floats(hi))
        return cls(lo_a, hi_a, np.zeros(lo_a.shape, bool), np.zeros(lo_a.shape, bool))

    @classmethod
    def undefined_like(cls, n: int) -> Interval:
        """``n`` undefined intervals (NaN bounds)."""
        nan = np.full(n, np.nan)
        return cls(nan, nan.copy(), np.zeros(n, bool), np.zeros(n, bool))

    # -- container protocol -------------------------------------------------

    def __len__(self) -> int:
        return int(self.lo.shape[0])

    def take(self, indices: npt.ArrayLike) -> Interval:
        """The intervals at ``indices`` (integer positions or a boolean mask)."""
        idx = np.asarray(indices)
        return Interval(self.lo[idx], self.hi[idx], self.lo_open[idx], self.hi_open[idx])

    def __getitem__(self, index: int) -> tuple[float, float, bool, bool]:
        return (
            float(self.lo[index]),
            float(self.hi[index]),
            bool(self.lo_open[index]),
            bool(self.hi_open[index]),
        )

    def __iter__(self) -> Any:
        return (self[i] for i in range(len(self)))

    # -- properties ---------------------------------------------------------

    @property
    def undefined(self) -> BoolArray:
        """True where a bound is NaN."""
        return np.isnan(self.lo) | np.isnan(self.hi)

    @property
    def empty(self) -> BoolArray:
        """True where no number lies in the interval (only intersections produce these)."""
        with np.errstate(invalid="ignore"):
            empty = (self.lo > self.hi) | ((self.lo == self.hi) & (self.lo_open | self.hi_open))
        return np.asarray(empty, dtype=bool)

    @property
    def mid(self) -> FloatArray:
        with np.errstate(invalid="ignore"):
            return np.asarray((self.lo + self.hi) / 2.0, dtype=np.float64)

    @property
    def width(self) -> FloatArray:
        with np.errstate(invalid="ignore"):
            return np.asarray(self.hi - self.lo, dtype=np.float64)

    def contains(self, values: npt.ArrayLike) -> BoolArray:
        """True where ``values`` lie in the interval (open ends honoured, no slack)."""
        x = _floats(values)
        with np.errstate(invalid="ignore"):
            above = np.where(self.lo_open, x > self.lo, x >= self.lo)
            below = np.where(self.hi_open, x < self.hi, x <= self.hi)
        return np.asarray(above & below, dtype=bool)

    # -- arithmetic ---------------------------------------------------------

    def neg(self) -> Interval:
        return Interval(-self.hi, -self.lo, self.hi_open, self.lo_open)

    def __neg__(self) -> Interval:
        return self.neg()

    def __add__(self, other: Operand) -> Interval:
        b = _coerce(other)
        with np.errstate(invalid="ignore"):
            return Interval(
                self.lo + b.lo, self.hi + b.hi, self.lo_open | b.lo_open, self.hi_open | b.hi_open
            )

    def __radd__(self, other: Operand) -> Interval:
        return self + other

    def __sub__(self, other: Operand) -> Interval:
        return self + _coerce(other).neg()

    def __rsub__(self, other: Operand) -> Interval:
        return _coerce(other) + self.neg()

    def __mul__(self, other: Operand) -> Interval:
        b = _coerce(other)
        a_ends = ((self.lo, self.lo_open), (self.hi, self.hi_open))
        b_ends = ((b.lo, b.lo_open), (b.hi, b.hi_open))
        corners = [_product(x, xo, y, yo) for x, xo in a_ends for y, yo in b_ends]
        return _hull_of_corners(corners)

    def __rmul__(self, other: Operand) -> Interval:
        return self * other

    def __truediv__(self, other: Operand) -> Interval:
        b = _coerce(other)
        a_ends = ((self.lo, self.lo_open), (self.hi, self.hi_open))
        # a divisor with an open end at 0 (e.g. "more than 0") approaches 0 from one side
        side = np.where(b.lo >= 0, 1.0, -1.0)
        b_ends = ((b.lo, b.lo_open), (b.hi, b.hi_open))
        corners = [_quotient(x, xo, y, yo, side) for x, xo in a_ends for y, yo in b_ends]
        result = _hull_of_quotients(corners, [(x, y) for x, _ in a_ends for y, _ in b_ends])
        with np.errstate(invalid="ignore"):
            contains_zero = (
                ((b.lo < 0) | ((b.lo == 0) & ~b.lo_open))
                & ((b.hi > 0) | ((b.hi == 0) & ~b.hi_open))
            ) | ((b.lo == 0) & (b.hi == 0))
        if contains_zero.any():
            lo = np.where(contains_zero, np.nan, result.lo)
            hi = np.where(contains_zero, np.nan, result.hi)
            return Interval(lo, hi, result.lo_open, result.hi_open)
        return result

    def __rtruediv__(self, other: Operand) -> Interval:
        return _coerce(other) / self

    def scale(self, factor: float | npt.ArrayLike) -> Interval:
        """Multiply by exact factors (a unit conversion, ×100 for a percentage)."""
        return self * Interval.point(factor)

    # -- set operations -----------------------------------------------------

    def hull(self, other: Interval) -> Interval:
        """The smallest interval holding both; an end is open only if every side reaching it is."""
        b = other
        with np.errstate(invalid="ignore"):
            lo = np.minimum(self.lo, b.lo)
            hi = np.maximum(self.hi, b.hi)
            lo_open = np.where(
                self.lo < b.lo,
                self.lo_open,
                np.where(b.lo < self.lo, b.lo_open, self.lo_open & b.lo_open),
            )
            hi_open = np.where(
                self.hi > b.hi,
                self.hi_open,
                np.where(b.hi > self.hi, b.hi_open, self.hi_open & b.hi_open),
            )
        return Interval(lo, hi, lo_open, hi_open)

    def intersect(self, other: Interval) -> Interval:
        """The common part; may be :attr:`empty` where the intervals are disjoint."""
        b = other
        with np.errstate(invalid="ignore"):
            lo = np.maximum(self.lo, b.lo)
            hi = np.minimum(self.hi, b.hi)
            lo_open = np.where(
                self.lo > b.lo,
                self.lo_open,
                np.where(b.lo > self.lo, b.lo_open, self.lo_open | b.lo_open),
            )
            hi_open = np.where(
                self.hi < b.hi,
                self.hi_open,
                np.where(b.hi < self.hi, b.hi_open, self.hi_open | b.hi_open),
            )
        return Interval(lo, hi, lo_open, hi_open)


def _coerce(value: Operand) -> Interval:
    return value if isinstance(value, Interval) else Interval.point(value)


def _product(
    x: FloatArray, x_open: BoolArray, y: FloatArray, y_open: BoolArray
) -> tuple[FloatArray, BoolArray]:
    """One corner x*y; 0 × ∞ is 0 (a zero factor pins the product whatever the other end)."""
    x_zero = x == 0
    y_zero = y == 0
    with np.errstate(invalid="ignore", over="ignore"):
        value = np.where(x_zero | y_zero, 0.0, x * y)
        # an undefined operand stays undefined, even times zero
        value = np.where(np.isnan(x) | np.isnan(y), np.nan, value)
    # a closed zero end is attained, so the product 0 is attained too
    attained_zero = (x_zero & ~x_open) | (y_zero & ~y_open)
    return value, (x_open | y_open) & ~attained_zero


def _quotient(
    x: FloatArray, x_open: BoolArray, y: FloatArray, y_open: BoolArray, side: FloatArray
) -> tuple[FloatArray, BoolArray]:
    """One corner x/y computed directly (one rounding, so corners stay sound)."""
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        value = x / y
        # y == 0 is an open end approached from `side`; x == 0 gives exactly 0
        value = np.where(y == 0, np.sign(x) * side * np.inf, value)
        value = np.where(np.isinf(x) & np.isinf(y), 0.0, value)
        value = np.where(x == 0, 0.0, value)
        value = np.where(np.isnan(x) | np.isnan(y), np.nan, value)
    attained_zero = (x == 0) & ~x_open
    return value, (x_open | y_open) & ~attained_zero


def _hull_of_quotients(
    corners: Sequence[tuple[FloatArray, BoolArray]],
    operands: Sequence[tuple[FloatArray, FloatArray]],
) -> Interval:
    """The hull of quotient corners, ``operands`` the (dividend, divisor) of each.

    A quotient of finite numbers too large for a float (1 / 5e-324) rounds to ±inf: the right
    upper (lower) bound, but as a lower (upper) one it would leave out the true value, so the
    largest float bounds that side instead.
    """
    big = np.finfo(float).max
    for_lo, for_hi = [], []
    with np.errstate(invalid="ignore"):
        for (value, is_open), (x, y) in zip(corners, operands, strict=True):
            overflowed = np.isinf(value) & np.isfinite(x) & np.isfinite(y) & (y != 0)
            for_lo.append((np.where(overflowed & (value > 0), big, value), is_open))
            for_hi.append((np.where(overflowed & (value < 0), -big, value), is_open))
    lower, upper = _hull_of_corners(for_lo), _hull_of_corners(for_hi)
    return Interval(lower.lo, upper.hi, lower.lo_open, upper.hi_open)


def _hull_of_corners(corners: Sequence[tuple[FloatArray, BoolArray]]) -> Interval:
    values = np.vstack(np.broadcast_arrays(*(c[0] for c in corners)))
    opens = np.vstack(np.broadcast_arrays(*(c[1] for c in corners)))
    with np.errstate(invalid="ignore"):
        lo = values.min(axis=0)
        hi = values.max(axis=0)
        # an end is open only if every corner that reaches it is open
        lo_open = np.all(opens | (values != lo), axis=0)
        hi_open = np.all(opens | (values != hi), axis=0)
    return Interval(lo, hi, lo_open, hi_open)


# -- the meaning of a written value ------------------------------------------

_RANGE = (
    r"^\s*(?P<a_sign>[-\u2212]?)(?P<a_int>\d+)(?:\.(?P<a_frac>\d+))?"
    r"\s*[-\u2013~]\s*(?P<b_sign>[-\u2212]?)(?P<b_int>\d+)(?:\.(?P<b_frac>\d+))?\s*$"
)


def _broadcast(values: Any, n: int, dtype: type) -> npt.NDArray[Any]:
    return np.broadcast_to(np.asarray(values, dtype=dtype), (n,)).copy()


def _precise(
    signed: FloatArray, decimals: FloatArray, exact: BoolArray
) -> tuple[FloatArray, FloatArray, FloatArray]:
    """Value and half-ulp bounds of a written decimal, each correctly rounded.

    The digits are read as one integer mantissa m with d decimals, and each
    bound is computed as one division of exact integers ((2m ± 1) / 2·10^d), so
    "20.8" gives exactly the doubles nearest 20.75 and 20.85.
    """
    denominator = 10.0**decimals
    half = np.where(exact & (decimals == 0), 0.0, 1.0)
    value = signed / denominator
    lo = (2.0 * signed - half) / (2.0 * denominator)
    hi = (2.0 * signed + half) / (2.0 * denominator)
    return value, lo, hi


def written(
    value_text: npt.ArrayLike,
    qualifier: npt.ArrayLike,
    *,
    discrete: npt.ArrayLike,
    nonnegative: npt.ArrayLike | bool = True,
    approx_tolerance: float | npt.ArrayLike = 0.05,
    date: npt.ArrayLike | bool = False,
) -> Interval:
    """The interval a written figure stands for (docs/contracts.md, "Meaning of a written value").

    ``value_text`` is the number as written ("20.8", "3500", "2-3", "-15.2",
    "2013-09-29"); its digits carry its precision. ``discrete`` marks counts,
    whose written integers are exact. ``nonnegative`` sets where "less than"
    and "at most" start (0, or -∞ for a change that may be negative).
    ``date`` marks values of unit ``date`` so that a bare year ("2017") spans
    that year; full and year-month ISO dates are recognised without it.
    Dates become day numbers (days since 1970-01-01). A malformed value or an
    unknown qualifier gives NaN bounds; this function never raises on data.
    """
    texts = np.atleast_1d(np.asarray(value_text, dtype=object))
    n = texts.shape[0]
    # a fact table repeats its figures: each distinct text and qualifier is read once,
    # the interval of each distinct combination of text, qualifier, tolerance and flags
    # is worked out once, and the rows gather theirs by their code
    codes, distinct = _factorize(texts)
    q_codes, q_distinct = _factorize(_broadcast(qualifier, n, object))
    if np.ndim(approx_tolerance) == 0:
        t_codes, tolerances = np.zeros(n, dtype=np.intp), np.array([approx_tolerance], float)
    else:
        # by bit pattern, so that every row keeps its own float exactly
        bits = _broadcast(approx_tolerance, n, float).view(np.int64)
        t_codes, t_bits = pd.factorize(bits)
        tolerances = np.asarray(t_bits, dtype=np.int64).view(np.float64)
    flags = (
        _broadcast(discrete, n, bool).astype(np.int64) * 4
        + _broadcast(nonnegative, n, bool).astype(np.int64) * 2
        + _broadcast(date, n, bool).astype(np.int64)
    )
    n_q, n_t = max(len(q_distinct), 1), max(len(tolerances), 1)
    key = ((codes.astype(np.int64) * n_q + q_codes) * n_t + t_codes) * 8 + flags
    rows, combo = _factorize_keys(key, len(distinct) * n_q * n_t * 8)
    flag, rest = combo % 8, combo // 8
    iv = _written_distinct(
        distinct,
        rest // (n_t * n_q),
        q_distinct,
        rest // n_t % n_q,
        discrete=flag >= 4,
        can_be_negative=flag % 4 < 2,
        tol=tolerances[rest % n_t],
        date_unit=flag % 2 == 1,
    )
    return iv.take(rows)


def _factorize(values: npt.NDArray[Any]) -> tuple[npt.NDArray[np.intp], npt.NDArray[np.object_]]:
    """Codes and distinct values, every missing value (None, NaN, <NA>) being one, None.

    Every missing value reads as nothing, so they may share a code; and letting
    pandas set them aside (its -1) spares it a scan of every row for them, half
    the cost of factorising a million texts.
    """
    codes, uniques = pd.factorize(values)
    distinct = np.asarray(uniques, dtype=object)
    missing = codes < 0
    if missing.any():
        codes = np.where(missing, len(distinct), codes)
        distinct = np.append(distinct, np.array([None], dtype=object))
    return codes, distinct


def _factorize_keys(
    keys: npt.NDArray[np.int64], bound: int
) -> tuple[npt.NDArray[np.intp], npt.NDArray[np.int64]]:
    """Codes and distinct values of non-negative ``keys`` below ``bound``.

    When the keys are dense, a table of every possible key finds them without
    hashing (three times faster than :func:`pandas.factorize` on a million rows);
    the order of the distinct values then differs, which no caller depends on.
    """
    if bound > 2 * len(keys) + 1024:
        codes, uniques = pd.factorize(keys)
        return codes, np.asarray(uniques, dtype=np.int64)
    seen = np.zeros(bound, dtype=bool)
    seen[keys] = True
    distinct = np.flatnonzero(seen)
    slot = np.empty(bound, dtype=np.intp)
    slot[distinct] = np.arange(len(distinct))
    return slot[keys], distinct.astype(np.int64)


def _written_distinct(
    distinct: npt.NDArray[np.object_],
    codes: npt.NDArray[np.int64],
    q_distinct: npt.NDArray[np.object_],
    q_codes: npt.NDArray[np.int64],
    *,
    discrete: BoolArray,
    can_be_negative: BoolArray,
    tol: FloatArray,
    date_unit: BoolArray,
) -> Interval:
    """:func:`written` of each combination: the text ``distinct[codes]``, the qualifier
    ``q_distinct[q_codes]`` and the per-combination flags."""
    n = len(codes)
    qual = pd.Series(q_distinct, dtype=object).astype(str).str.strip().str.lower().to_numpy()

    def is_qualifier(name: str) -> BoolArray:
        per_row: BoolArray = np.asarray(qual == name, dtype=bool)[q_codes]
        return per_row

    read = read_texts(distinct)
    is_single = read.number[codes]
    x, p_lo, p_hi = _precise(read.signed[codes], read.decimals[codes], discrete)
    size = np.abs(x)

    # ranges are rare: their parser only runs on the texts that may be one
    nan = np.full(n, np.nan)
    is_range = is_qualifier("range")
    a_lo = b_hi = nan
    if is_range.any():
        wanted = np.zeros(len(distinct), dtype=bool)
        wanted[codes[is_range]] = True
        # StringDtype turns None/NaN into <NA>, which the pattern rejects
        text = pd.Series(distinct[wanted], dtype=object).astype("string")
        rng = text.str.extract(_RANGE).set_axis(np.flatnonzero(wanted)).reindex(
            range(len(distinct))
        )
        a_signed, a_decimals = mantissa(rng["a_sign"], rng["a_int"], rng["a_frac"])
        b_signed, b_decimals = mantissa(rng["b_sign"], rng["b_int"], rng["b_frac"])
        a_value, a_lo, _ = _precise(a_signed[codes], a_decimals[codes], discrete)
        b_value, _, b_hi = _precise(b_signed[codes], b_decimals[codes], discrete)
        is_range &= rng["a_int"].notna().to_numpy()[codes]
        is_range &= a_value <= b_value  # a range never runs backwards

    # a text is a date if it has a month ("2013-09"), or is a year of a date unit
    is_date = read.year[codes] & (read.month[codes] | date_unit) & ~is_range
    first, last = read.first[codes], read.last[codes]

    inf = np.inf
    floor = np.where(can_be_negative, -inf, 0.0)
    number = is_single & ~is_date
    q = {
        name: is_qualifier(name)
        for name in ("exact", "approx", "more_than", "at_least", "less_than", "at_most", "nearly")
    }
    # (condition, lo, hi, lo_open, hi_open), first match wins
    cases: list[tuple[BoolArray, Any, Any, Any, Any]] = [
        (is_range, a_lo, b_hi, False, False),
        (is_date & (q["exact"] | q["approx"]), first, last, False, False),
        (is_date & q["more_than"], last, inf, True, True),
        (is_date & q["at_least"], first, inf, False, True),
        (is_date & q["less_than"], -inf, first, True, True),
        (is_date & q["at_most"], -inf, last, True, False),
        (number & q["exact"], p_lo, p_hi, False, False),
        (number & q["approx"], p_lo - tol * size, p_hi + tol * size, False, False),
        (number & q["more_than"], x, inf, True, True),
        (number & q["at_least"], x, inf, False, True),
        (number & q["less_than"], floor, x, can_be_negative, True),
        (number & q["at_most"], floor, x, can_be_negative, False),
        (number & q["nearly"], x - tol * size, x, False, True),
    ]
    conditions = [c[0] for c in cases]
    lo = np.select(conditions, [np.broadcast_to(c[1], (n,)) for c in cases], np.nan)
    hi = np.select(conditions, [np.broadcast_to(c[2], (n,)) for c in cases], np.nan)
    lo_open = np.select(conditions, [np.broadcast_to(c[3], (n,)) for c in cases], False)
    hi_open = np.select(conditions, [np.broadcast_to(c[4], (n,)) for c in cases], False)
    return Interval(lo, hi, lo_open.astype(bool), hi_open.astype(bool))


# -- comparison ---------------------------------------------------------------


@dataclass(frozen=True)
class Comparison:
    """The outcome of comparing two interval vectors element by element.

    ``consistent``: the stated relation can hold for some values in the
    intervals. ``gap``: how far apart the intervals are when it cannot (in the
    intervals' unit; 0 when consistent, or when they only touch at an open
    end). ``relative_gap``: gap over the magnitude of the right operand (its
    midpoint, or its finite end if unbounded; NaN where that magnitude is 0).
    ``undefined``: an operand is undefined; consistent is False and gaps NaN.
    """

    consistent: BoolArray
    gap: FloatArray
    relative_gap: FloatArray
    undefined: BoolArray


def _finite_abs_max(*arrays: FloatArray) -> FloatArray:
    stacked = np.vstack(np.broadcast_arrays(*arrays))
    finite = np.where(np.isfinite(stacked), np.abs(stacked), 0.0)
    return np.asarray(finite.max(axis=0), dtype=np.float64)


def _can_be_below(
    x: FloatArray, y: FloatArray, eps: FloatArray, touching_ok: BoolArray
) -> BoolArray:
    """x < y, or x ≈ y within eps when the touching ends are attained and allowed."""
    with np.errstate(invalid="ignore"):
        d = x - y
        return np.asarray((d < -eps) | ((d <= eps) & touching_ok), dtype=bool)


def _relative(gap: FloatArray, b: Interval) -> FloatArray:
    """Gap over the magnitude of b: its midpoint, or its finite end when unbounded.

    Where b is centred on 0 there is no scale to measure against, and a
    relative gap of 1e300 would only mislead: it is NaN there (0 when the gap is).
    """
    mid = b.mid
    finite_end = np.where(np.isfinite(b.lo), b.lo, b.hi)
    ref = np.abs(np.where(np.isfinite(mid), mid, finite_end))
    with np.errstate(invalid="ignore", divide="ignore"):
        rel = np.where(gap == 0, 0.0, np.where(np.isfinite(ref) & (ref > 0), gap / ref, np.nan))
    return np.asarray(np.where(np.isnan(gap), np.nan, rel), dtype=np.float64)


def compare(a: Interval, b: Interval, op: str) -> Comparison:
    """Can ``a op b`` hold for some x in a and y in b?

    ``==`` asks whether the intervals intersect (open ends honoured); the
    inequalities ask whether some x in a and y in b satisfy x op y. Ends within
    a relative 1e-9 of each other count as touching, which absorbs float noise
    (20.85000000000001 meets the written 20.8) without forgiving an open end
    ("less than 0.4" never meets a computed 0.4).
    """
    if op in (">", ">="):
        flipped = compare(b, a, "<" if op == ">" else "<=")
        rel = _relative(flipped.gap, b)
        return Comparison(flipped.consistent, flipped.gap, rel, flipped.undefined)
    if op not in ("==", "<", "<="):
        raise ValueError(f"unknown comparison operator {op!r}; use ==, <, <=, > or >=")
    undefined = np.asarray(a.undefined | b.undefined, dtype=bool)
    eps = EPSILON * _finite_abs_max(a.lo, a.hi, b.lo, b.hi)
    with np.errstate(invalid="ignore"):
        below_gap = a.lo - b.hi  # > 0: a lies above b
        if op == "==":
            above_gap = b.lo - a.hi  # > 0: a lies below b
            consistent = _can_be_below(a.lo, b.hi, eps, ~(a.lo_open | b.hi_open)) & _can_be_below(
                b.lo, a.hi, eps, ~(b.lo_open | a.hi_open)
            )
            raw_gap = np.maximum(below_gap, above_gap)
        elif op == "<":
            consistent = _can_be_below(a.lo, b.hi, eps, np.zeros(len(below_gap), bool))
            raw_gap = below_gap
        else:
            consistent = _can_be_below(a.lo, b.hi, eps, ~(a.lo_open | b.hi_open))
            raw_gap = below_gap
        # ends that merely touch (within eps) are 0 apart, even when the relation fails
        gap = np.where(consistent | ~(raw_gap > eps), 0.0, raw_gap)
    consistent = np.asarray(consistent & ~undefined, dtype=bool)
    gap = np.where(undefined, np.nan, gap)
    return Comparison(consistent, np.asarray(gap, dtype=np.float64), _relative(gap, b), undefined)


# -- display ------------------------------------------------------------------


def distinct_roundings(a: Interval, b: Interval) -> BoolArray:
    """True where ``a`` and ``b`` are two different rounded figures of one precision.

    "4.1 trillion" is [4.05, 4.15] and "4.2 trillion" is [4.15, 4.25]: closed, they
    touch at 4.15, yet under any one rounding convention 4.15 rounds to only one of
    them, so the two figures cannot both be right. Call this only for figures
    written as exact (rounding ends, not bounds such as "at most 22").
    """
    with np.errstate(invalid="ignore"):
        wa, wb = a.hi - a.lo, b.hi - b.lo
        scale = np.maximum(np.maximum(np.abs(a.lo), np.abs(a.hi)), 1.0) * EPSILON
        same_width = (wa > 0) & (np.abs(wa - wb) <= scale)
        touching = (np.abs(a.lo - b.hi) <= scale) | (np.abs(a.hi - b.lo) <= scale)
    return np.asarray(same_width & touching, dtype=bool)


def _iso_day(day_number: float) -> str:
    return _dt.date.fromordinal(_EPOCH_ORDINAL + int(day_number)).isoformat()


def auto_digits(lo: float, hi: float) -> int:
    """Decimals to show: as few as show both ends exactly, else enough to resolve the width.

    The test for "exactly" is tight (1e-12 relative): a looser one would call any
    6-decimal rounding of a value above 500 exact and show "498.585132".
    """
    ends = [v for v in (lo, hi) if math.isfinite(v)]
    for d in range(0, 5):
        if all(abs(round(v, d) - v) <= 1e-12 * max(abs(v), 1.0) for v in ends):
            return d
    width = hi - lo if math.isfinite(hi - lo) else 0.0
    if width > 0:
        return max(0, min(6, math.ceil(-math.log10(width)) + 1))
    magnitude = max((abs(v) for v in ends), default=1.0) or 1.0
    return max(0, min(6, 3 - math.floor(math.log10(magnitude))))


def _shows_exactly(values: FloatArray, digits: int) -> BoolArray:
    """Vectorised ``abs(round(v, digits) - v) <= 1e-12 * max(abs(v), 1)`` of :func:`auto_digits`.

    ``np.round`` scales by 10**digits and may land an ulp away from Python's
    correctly rounded ``round``; that ulp is ~1e-4 of the tolerance, so only
    values within a factor 2 of the tolerance (and overflows) are decided by
    Python's ``round`` itself, and the answer is always the scalar one.
    """
    tol = 1e-12 * np.maximum(np.abs(values), 1.0)
    with np.errstate(invalid="ignore", over="ignore"):
        miss = np.abs(np.round(values, digits) - values)
    out = np.asarray(miss <= tol, dtype=bool)
    sure = (miss <= 0.5 * tol) | ((miss >= 2.0 * tol) & np.isfinite(miss))
    unsure = np.flatnonzero(~sure & np.isfinite(values))
    for i in unsure:
        v = float(values[i])
        out[i] = abs(round(v, digits) - v) <= 1e-12 * max(abs(v), 1.0)
    return out


def _log10_exactly(values: FloatArray) -> FloatArray:
    """``math.log10`` over an array: numpy's log10 may differ by an ulp, which only matters
    where the caller takes floor/ceil of a result that is (nearly) an integer."""
    with np.errstate(divide="ignore", invalid="ignore"):
        out = np.log10(values)
    near = np.flatnonzero(np.abs(out - np.round(out)) < 1e-9)
    for i in near:
        out[i] = math.log10(float(values[i]))
    return np.asarray(out, dtype=np.float64)


def auto_digits_array(lo: npt.ArrayLike, hi: npt.ArrayLike) -> npt.NDArray[np.int64]:
    """:func:`auto_digits` of every (lo, hi), vectorised; the same answer element by element.

    Messages and derived-fact explanations format tens of thousands of values;
    the scalar function costs ~17 µs each.
    """
    lo_a, hi_a = (np.array(a) for a in np.broadcast_arrays(_floats(lo), _floats(hi)))
    n = len(lo_a)
    lo_finite, hi_finite = np.isfinite(lo_a), np.isfinite(hi_a)
    digits = np.full(n, -1, dtype=np.int64)
    # the fewest decimals (0-4) that show every finite end exactly
    for d in range(5):
        todo = digits < 0
        if not todo.any():
            break
        exact = (_shows_exactly(lo_a, d) | ~lo_finite) & (_shows_exactly(hi_a, d) | ~hi_finite)
        digits[todo & exact] = d
    rest = digits < 0
    if rest.any():
        with np.errstate(invalid="ignore", over="ignore"):
            width = hi_a - lo_a
        width = np.where(np.isfinite(width), width, 0.0)
        magnitude = np.maximum(
            np.where(lo_finite, np.abs(lo_a), 0.0), np.where(hi_finite, np.abs(hi_a), 0.0)
        )
        # no finite end: the magnitude defaults to 1, and so does a magnitude of 0
        magnitude = np.where(~(lo_finite | hi_finite) | (magnitude == 0), 1.0, magnitude)
        by_width = np.ceil(-_log10_exactly(np.where(width > 0, width, 1.0))) + 1
        by_size = 3 - np.floor(_log10_exactly(magnitude))
        chosen = np.clip(np.where(width > 0, by_width, by_size), 0, 6).astype(np.int64)
        digits[rest] = chosen[rest]
    return digits


def _number(value: float, digits: int) -> str:
    if math.isinf(value):
        return "∞" if value > 0 else "-∞"
    text = f"{value:.{digits}f}"
    # never show "-0" or "-0.00"
    return text.lstrip("-") if float(text) == 0 else text


def format_interval(
    lo: float,
    hi: float,
    lo_open: bool = False,
    hi_open: bool = False,
    unit: str = "",
    digits: int | None = None,
) -> str:
    """Show an interval as a reader expects: "22", "19.13–19.60%", "(3500, ∞)", "[0, 0.4)".

    A closed interval is written ``lo–hi``, a point as one number, anything
    with an open or infinite end in bracket notation. Unit ``date`` shows ISO
    days ("2013-09-29", "2017-04-01/2017-04-30"); ``percent`` is shown as "%".
    """
    lo, hi = float(lo), float(hi)
    if math.isnan(lo) or math.isnan(hi):
        return "undefined"
    suffix = "%" if unit in ("percent", "%") else (f" {unit}" if unit and unit != "date" else "")
    if unit == "date":

        def show(v: float) -> str:
            return _iso_day(v) if math.isfinite(v) else ("∞" if v > 0 else "-∞")

        if lo == hi and not (lo_open or hi_open):
            return show(lo)
        if lo_open or hi_open:
            return f"{'(' if lo_open else '['}{show(lo)}, {show(hi)}{')' if hi_open else ']'}"
        return f"{show(lo)}/{show(hi)}"
    if lo == hi and not (lo_open or hi_open):
        return f"{_number(lo, auto_digits(lo, hi) if digits is None else digits)}{suffix}"
    if lo_open or hi_open:
        # each end on its own: "[0, 0.4)" reads better than "[0.0, 0.4)"
        def end(v: float) -> str:
            return _number(v, auto_digits(v, v) if digits is None else digits)

        body = f"{'(' if lo_open else '['}{end(lo)}, {end(hi)}{')' if hi_open else ']'}"
        return f"{body}{suffix}"
    # a closed range shares its decimals: "19.13–19.60%"
    d = auto_digits(lo, hi) if digits is None else digits
    dash = " – " if hi < 0 else "–"
    return f"{_number(lo, d)}{dash}{_number(hi, d)}{suffix}"
