"""Written values read as numbers and dates: "-15.2", "3500", "2013-09-29".

A fact table writes its values as text, and the digits carry the precision
("20.8" is not "20.80"). :func:`read_texts` reads many texts at once into a
signed integer mantissa and its decimals (a plain decimal) and the days a date
spans (an ISO date or a bare year), for :func:`factlint.interval.written` to
turn into intervals.

Two readers give the same readings: the regular expressions :data:`SINGLE` and
:data:`DATE` (the reference), and arithmetic on the characters of the shapes
nearly every value has, which is a hundred times cheaper
(tests/test_interval.py fuzzes one against the other).
"""

from __future__ import annotations

from dataclasses import dataclass, fields
from typing import Any

import numpy as np
import numpy.typing as npt
import pandas as pd

FloatArray = npt.NDArray[np.float64]
BoolArray = npt.NDArray[np.bool_]

SINGLE = r"^\s*(?P<sign>[-+\u2212]?)(?P<int>\d+)(?:\.(?P<frac>\d+))?\s*$"
DATE = r"^\s*(?P<y>\d{4})(?:-(?P<m>\d{2})(?:-(?P<d>\d{2}))?)?\s*$"


def mantissa(sign: pd.Series, integer: pd.Series, frac: pd.Series) -> tuple[FloatArray, FloatArray]:
    """The digits of written decimals as one signed integer mantissa, and their decimals."""
    frac = frac.fillna("")
    decimals = frac.str.len().to_numpy(dtype=np.float64, na_value=np.nan)
    digits = pd.to_numeric(integer.fillna("") + frac, errors="coerce").to_numpy(
        dtype=np.float64, na_value=np.nan
    )
    negative = sign.fillna("").isin(["-", "\u2212"]).to_numpy(dtype=bool)
    return np.where(negative, -digits, digits), decimals


def _day_numbers(
    year: pd.Series, month: pd.Series, day: pd.Series
) -> tuple[FloatArray, FloatArray]:
    """First and last day (days since 1970-01-01) of full or partial ISO dates."""
    iso = year + "-" + month.fillna("01") + "-" + day.fillna("01")
    first = pd.to_datetime(iso, format="%Y-%m-%d", errors="coerce")
    first_day = first.to_numpy(dtype="datetime64[D]")
    valid = ~np.isnat(first_day)
    # a partial date spans its month or year
    month_end = (first_day.astype("datetime64[M]") + 1).astype("datetime64[D]") - 1
    year_end = (first_day.astype("datetime64[Y]") + 1).astype("datetime64[D]") - 1
    last_day = np.where(
        day.notna().to_numpy(), first_day, np.where(month.notna().to_numpy(), month_end, year_end)
    )
    first_n = np.where(valid, first_day.astype("int64"), 0).astype(np.float64)
    last_n = np.where(valid, last_day.astype("int64"), 0).astype(np.float64)
    first_n[~valid] = np.nan
    last_n[~valid] = np.nan
    return first_n, last_n


#: texts longer than this are read by the patterns alone (what the arithmetic reads is
#: shorter: at most 15 digits with a sign and a point, or an ISO date)
_SHORT = 24
#: the most digits read by arithmetic: every integer up to 10**15 is exact in a double
_MAX_DIGITS = 15
_ZERO, _NINE, _MINUS, _PLUS, _POINT = (ord(c) for c in "09-+.")
_POWERS_OF_TEN = 10.0 ** np.arange(_SHORT + 1)


@dataclass(frozen=True)
class Readings:
    """What each of a list of texts says as a plain number (``SINGLE``) and as a date (``DATE``).

    ``signed`` and ``decimals`` are the number's digits as one signed integer
    mantissa and how many of them follow the point; ``first`` and ``last`` the
    days the date spans (days since 1970-01-01, NaN where it names no real day).
    """

    number: BoolArray
    signed: FloatArray
    decimals: FloatArray
    year: BoolArray
    month: BoolArray
    first: FloatArray
    last: FloatArray

    def replaced(self, at: npt.NDArray[np.intp], other: Readings) -> Readings:
        """These readings, with those at positions ``at`` taken from ``other``."""

        def put(mine: npt.NDArray[Any], theirs: npt.NDArray[Any]) -> npt.NDArray[Any]:
            out = mine.copy()
            out[at] = theirs
            return out

        return Readings(*(put(getattr(self, f), getattr(other, f)) for f in _READING_FIELDS))


_READING_FIELDS = tuple(f.name for f in fields(Readings))


def read_texts(texts: npt.NDArray[np.object_], *, arithmetic: bool = True) -> Readings:
    """The readings of each text: by character arithmetic where the text has one of the
    shapes nearly every figure has, by the patterns otherwise (``arithmetic=False``: always).

    Both give the same readings (tests/test_interval.py compares them); the arithmetic
    costs a few nanoseconds a character where pandas' ``str.extract`` costs microseconds
    a text.
    """
    if not arithmetic:
        return _read_by_pattern(texts)
    plain, readings = _read_plain(texts)
    others = np.flatnonzero(~plain)
    if len(others):
        readings = readings.replaced(others, _read_by_pattern(texts[others]))
    return readings


def _read_by_pattern(texts: npt.NDArray[np.object_]) -> Readings:
    """The readings by the regular expressions ``SINGLE`` and ``DATE`` (the reference)."""
    # StringDtype turns None/NaN into <NA>, which every pattern rejects
    text = pd.Series(texts, dtype=object).astype("string")
    single = text.str.extract(SINGLE)
    signed, decimals = mantissa(single["sign"], single["int"], single["frac"])
    dates = text.str.extract(DATE)
    first, last = _day_numbers(dates["y"], dates["m"], dates["d"])
    return Readings(
        number=single["int"].notna().to_numpy(dtype=bool),
        signed=signed,
        decimals=decimals,
        year=dates["y"].notna().to_numpy(dtype=bool),
        month=dates["m"].notna().to_numpy(dtype=bool),
        first=first,
        last=last,
    )


def _read_plain(texts: npt.NDArray[np.object_]) -> tuple[BoolArray, Readings]:
    """Readings of the texts shaped as a decimal (``-15.2``, ``+3``, ``3500``, at most 15
    digits) or an ISO date (``2013-09``, ``2013-09-29``), by arithmetic on their characters.

    The first result marks those texts; the others are left to :func:`_read_by_pattern`.
    """
    n = len(texts)
    # one row of character codes per text, padded with 0 (no character read here). A long
    # text, a non-str and a text with NUL (numpy would drop a trailing one, which the
    # patterns refuse) are left to the patterns, as an empty text here.
    short = [t if type(t) is str and len(t) <= _SHORT and "\0" not in t else "" for t in texts]
    chars = np.array(short, dtype=f"<U{_SHORT}")
    length = np.char.str_len(chars)
    width = max(int(length.max(initial=0)), 1)
    code = chars.view(np.uint32).reshape(n, _SHORT)[:, :width]
    position = np.arange(width)
    inside = position < length[:, None]
    digit = (code >= _ZERO) & (code <= _NINE)
    point = code == _POINT
    minus = code[:, 0] == _MINUS
    signed = minus | (code[:, 0] == _PLUS)
    n_points = point.sum(axis=1)
    point_at = point.argmax(axis=1)
    start = signed.astype(np.intp)

    # a decimal: an optional sign, digits, and optionally a point followed by digits
    body = digit | point
    body[:, 0] |= signed
    before = np.cumsum(digit, axis=1, dtype=np.int8)  # the digits up to each position
    n_digits = before[:, -1]
    decimal = np.all(body | ~inside, axis=1) & (n_digits <= _MAX_DIGITS)
    # no point: some digit; one point: digits on both sides of it
    one_point = (n_points == 1) & (point_at > start) & (point_at < length - 1)
    decimal &= np.where(n_points == 0, length > start, one_point)
    # a digit's place is the number of digits after it; a mantissa of at most 15 digits
    # is a sum of exact terms below 2**53, hence exact
    value = np.where(digit, code - _ZERO, 0)
    digits = np.sum(value * _POWERS_OF_TEN[n_digits[:, None] - before], axis=1)

    # an ISO date: four digits, a dash, two digits, and optionally a dash and two more
    full = length == 10
    dash_here = (position == 4) | ((position == 7) & full[:, None])
    iso = ((length == 7) | full) & np.all(
        np.where(dash_here, code == _MINUS, digit) | ~inside, axis=1
    )
    dated = iso | (decimal & (length == 4) & ~signed & (n_points == 0))
    first = np.full(n, np.nan)
    last = first.copy()
    at = np.flatnonzero(dated)
    if len(at):
        year, month, day = (_digits(value[at], i, count) for i, count in ((0, 4), (5, 2), (8, 2)))
        first[at], last[at] = _calendar_days(
            year, np.where(iso[at], month, 1), np.where(full[at], day, 1), iso[at], full[at]
        )
    readings = Readings(
        number=decimal,
        signed=np.where(decimal, np.where(minus, -digits, digits), np.nan),
        decimals=np.where(decimal & (n_points == 1), length - 1 - point_at, 0).astype(float),
        year=dated,
        month=iso,
        first=first,
        last=last,
    )
    return decimal | iso, readings


def _digits(value: npt.NDArray[np.int64], at: int, count: int) -> npt.NDArray[np.int64]:
    """The integer the ``count`` digits from position ``at`` spell (0 past the row's end)."""
    width = value.shape[1]
    weights = np.zeros(width, dtype=np.int64)
    for k in range(count):
        if at + k < width:
            weights[at + k] = 10 ** (count - 1 - k)
    return np.asarray(value @ weights, dtype=np.int64)


def _calendar_days(
    year: npt.NDArray[np.int64],
    month: npt.NDArray[np.int64],
    day: npt.NDArray[np.int64],
    has_month: BoolArray,
    has_day: BoolArray,
) -> tuple[FloatArray, FloatArray]:
    """:func:`_day_numbers` of dates given as integers (month and day 1 where not written)."""
    real = (month >= 1) & (month <= 12) & (day >= 1)
    months = (year - 1970) * 12 + np.clip(month, 1, 12) - 1
    month_start = months.astype("datetime64[M]")
    first_day = month_start.astype("datetime64[D]") + (day - 1).astype("timedelta64[D]")
    next_month = (month_start + 1).astype("datetime64[D]")
    real &= first_day < next_month
    year_end = (month_start.astype("datetime64[Y]") + 1).astype("datetime64[D]") - 1
    last_day = np.where(has_day, first_day, np.where(has_month, next_month - 1, year_end))
    first_n = np.where(real, first_day.astype(np.int64), np.nan)
    last_n = np.where(real, last_day.astype(np.int64), np.nan)
    return first_n.astype(np.float64), last_n.astype(np.float64)
