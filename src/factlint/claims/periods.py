"""Periods as prose writes them: "in the first half of 2024", "in 2022", "last year".

Each cue becomes a span of days and the canonical period of the fact tables
(``2024-H1``, ``2022``, ``2020-01/2020-07``, ``2022-12-31``). Relative
periods ("this year", "last year", "to date", a month without a year) resolve
against an *as-of* date: ``--as-of``, else the draft's front matter ``date:``;
without one they stay unresolved and say so.

Years that are not the period of a figure are skipped: a starting point
("since 2013"), a comparison base ("than in 2021", "compared with 2023", "the
corresponding period of 2024") and the year inside a full date.
"""

from __future__ import annotations

import calendar
import datetime as dt
import re
from dataclasses import dataclass

from factlint.quantity import word_key

__all__ = ["PeriodCue", "canonical", "period_cues"]

_MONTHS = (
    "january",
    "february",
    "march",
    "april",
    "may",
    "june",
    "july",
    "august",
    "september",
    "october",
    "november",
    "december",
)
_MONTH = (
    r"(?:january|february|march|april|may|june|july|august|september|october|november|december"
    r"|jan|feb|mar|apr|jun|jul|aug|sept|sep|oct|nov|dec)\.?"
)
_ORDINAL = {
    "first": 1,
    "1st": 1,
    "second": 2,
    "2nd": 2,
    "third": 3,
    "3rd": 3,
    "fourth": 4,
    "4th": 4,
}
_COUNT = {
    "two": 2,
    "three": 3,
    "four": 4,
    "five": 5,
    "six": 6,
    "seven": 7,
    "eight": 8,
    "nine": 9,
    "ten": 10,
    "eleven": 11,
}
_YEAR = (
    r"(?:(?:19|20)\d\d|this\s+year|last\s+year|the\s+previous\s+year|the\s+past\s+year"
    r"|next\s+year|the\s+year)"
)
_Y = rf"(?P<year>{_YEAR})"


@dataclass(frozen=True)
class PeriodCue:
    start: int
    end: int
    text: str
    period: str | None
    """Canonical period, or None when a relative period cannot be resolved."""
    first: dt.date | None = None
    last: dt.date | None = None
    instant: bool = False
    """A point in time ("as of the end of 2022", "to date"): suits stocks, not flows."""
    anaphoric: bool = False
    """ "throughout the year": the year an earlier sentence names."""
    now: bool = False
    """ "to date", "so far", "currently": the as-of date itself."""
    backref: bool = False
    """ "in that period", "over the same six months": the period named before."""


def _month(word: str) -> int:
    key = word.rstrip(".")[:3]
    return next(i for i, name in enumerate(_MONTHS, start=1) if name.startswith(key))


def _last_day(year: int, month: int) -> dt.date:
    return dt.date(year, month, calendar.monthrange(year, month)[1])


def canonical(first: dt.date, last: dt.date) -> str:
    """The shortest canonical period for the days ``first`` to ``last``."""
    if first == last:
        return first.isoformat()
    whole_months = first.day == 1 and last == _last_day(last.year, last.month)
    if whole_months and first.year == last.year:
        y, a, b = first.year, first.month, last.month
        if (a, b) == (1, 12):
            return str(y)
        if (a, b) in ((1, 6), (7, 12)):
            return f"{y}-H{1 if a == 1 else 2}"
        if b == a + 2 and a % 3 == 1:
            return f"{y}-Q{(a + 2) // 3}"
        if a == b:
            return f"{y}-{a:02d}"
        return f"{y}-{a:02d}/{y}-{b:02d}"
    if whole_months:
        if first.month == 1 and last.month == 12:
            return f"{first.year}/{last.year}"
        return f"{first.year}-{first.month:02d}/{last.year}-{last.month:02d}"
    return f"{first.isoformat()}/{last.isoformat()}"


def _year(text: str | None, as_of: dt.date | None) -> int | None:
    """A year reference as a number (None when relative and no as-of date is known)."""
    if text is None:
        return as_of.year if as_of else None
    if text.isdigit():
        return int(text)
    if as_of is None:
        return None
    return {
        "this year": as_of.year,
        "the year": as_of.year,
        "last year": as_of.year - 1,
        "the previous year": as_of.year - 1,
        "the past year": as_of.year - 1,
        "next year": as_of.year + 1,
    }[text]


_PATTERNS: list[tuple[str, re.Pattern[str]]] = [
    (
        "ytd",
        re.compile(
            r"\b(?:so\s+far\s+this\s+year|this\s+year\s+so\s+far|year[\s-]to[\s-]date)\b", re.I
        ),
    ),
    (
        "end",
        re.compile(
            rf"\b(?:(?:as\s+of|by|at|until|till|to|up\s+to)\s+)?(?:the\s+)?end(?:\s+of|-)\s*"
            rf"(?:(?P<month>{_MONTH})\s+(?:of\s+)?)?{_Y}\b",
            re.I,
        ),
    ),
    (
        "end_month",
        re.compile(
            rf"\b(?:(?:as\s+of|by|at|until|till|to|up\s+to)\s+)?(?:the\s+)?end\s+of\s+"
            rf"(?P<month>{_MONTH})(?!\s+(?:of\s+)?{_YEAR})\b",
            re.I,
        ),
    ),
    (
        "half_after",
        re.compile(
            rf"(?<![\w-]){_Y}(?:\s*-?\s*H(?P<h>[12])|['’]s\s+(?P<ord>first|second)\s+half)\b", re.I
        ),
    ),
    (
        "half",
        re.compile(
            rf"\b(?:(?P<ord>first|second|1st|2nd)\s+half|H(?P<h>[12]))"
            rf"(?:\s+of)?(?:\s+{_Y})?(?![\w-])",
            re.I,
        ),
    ),
    (
        "quarter_after",
        re.compile(
            rf"(?<![\w-]){_Y}(?:\s*-?\s*Q(?P<q>[1-4])|['’]s\s+(?P<ord>first|second|third|fourth)\s+quarter)\b",
            re.I,
        ),
    ),
    (
        "quarter",
        re.compile(
            rf"\b(?:(?P<ord>first|second|third|fourth|1st|2nd|3rd|4th)\s+quarter|Q(?P<q>[1-4]))"
            rf"(?:\s+of)?(?:\s+{_Y})?(?![\w-])",
            re.I,
        ),
    ),
    (
        "first_months",
        re.compile(
            rf"\bfirst\s+(?P<n>two|three|four|five|six|seven|eight|nine|ten|eleven|\d{{1,2}})"
            rf"\s+(?P<unit>months|quarters)(?:\s+of)?(?:\s+{_Y})?\b",
            re.I,
        ),
    ),
    (
        "day",
        re.compile(
            rf"\b(?:(?P<month>{_MONTH})\s+(?P<d1>\d{{1,2}})(?:st|nd|rd|th)?,?\s+(?P<y1>(?:19|20)\d\d)"
            rf"|(?P<d2>\d{{1,2}})(?:st|nd|rd|th)?\s+(?:of\s+)?(?P<month2>{_MONTH}),?\s+(?P<y2>(?:19|20)\d\d)"
            rf"|(?P<iso>(?:19|20)\d\d-\d\d-\d\d))\b",
            re.I,
        ),
    ),
    (
        "day_noyear",
        re.compile(
            rf"\b(?:on\s+)?(?:(?P<month>{_MONTH})\s+(?P<d1>\d{{1,2}})(?:st|nd|rd|th)?"
            rf"|(?P<d2>\d{{1,2}})(?:st|nd|rd|th)?\s+(?:of\s+)?(?P<month2>{_MONTH}))\b(?![,\s]*\d)",
            re.I,
        ),
    ),
    (
        "month_range",
        re.compile(
            rf"\b(?:from\s+|between\s+)?(?P<m1>{_MONTH})\s*(?:-|–|to|through|and|until)\s*"
            rf"(?P<m2>{_MONTH})(?:\s+period)?(?:,?\s+(?:of\s+)?{_Y})?\b",
            re.I,
        ),
    ),
    (
        "month",
        re.compile(
            rf"\b(?:(?P<asof>as\s+of|by|at\s+the\s+end\s+of)\s+)?(?P<month>{_MONTH})"
            rf"(?:,?\s+(?:of\s+)?{_Y})\b(?!\s*\d)",
            re.I,
        ),
    ),
    (
        "the_year",
        re.compile(
            r"\b(?:throughout|during|for|over|in)\s+the\s+(?:whole\s+|full\s+|entire\s+)?year\b"
            r"(?!\s+(?:19|20)\d\d)"
            r"|\bthe\s+(?:whole|full|entire)\s+year\b|\bfull-year\b",
            re.I,
        ),
    ),
    (
        "the_period",
        re.compile(
            r"\b(?:in|over|during|for|within)\s+(?:the|that|this)\s+(?:same\s+)?"
            r"(?:period|time|quarter|half|(?:\w+\s+)?months)\b|\bthe\s+same\s+period\b",
            re.I,
        ),
    ),
    (
        "years",
        re.compile(
            r"\b(?:from|between)\s+(?P<y1>(?:19|20)\d\d)\s*(?:to|-|–|and|through)\s*"
            r"(?P<y2>(?:19|20)\d\d)\b",
            re.I,
        ),
    ),
    (
        "year",
        re.compile(
            r"(?<![\w\-./])(?P<year>(?:19|20)\d\d|this\s+year|last\s+year|the\s+previous\s+year"
            r"|next\s+year)(?!\s*[-/.]\s*\d)(?![\w])",
            re.I,
        ),
    ),
    (
        "now",
        re.compile(
            r"\b(?:to\s+date|so\s+far|up\s+to\s+now|until\s+now|as\s+of\s+(?:now|today)"
            r"|currently|at\s+present|presently|nowadays|now|today)\b",
            re.I,
        ),
    ),
]

# a year after these words is a starting point or a comparison base, not the figure's period
_NOT_THE_PERIOD = re.compile(
    r"(?:\bsince|\bthan(?:\s+in)?|\bcompared\s+(?:with|to)(?:\s+the\s+same\s+period\s+(?:of|in))?"
    r"|\bagainst|\bversus|\bvs\.?|\bbefore|\bafter|\buntil|\btill|\bfrom|\bover"
    r"|\bsame\s+(?:period|time|months?)\s+(?:of|in|last)|\bcorresponding\s+\w+\s+(?:of|in)(?:\s+the\s+year)?"
    r"|\ba\s+year\s+(?:earlier|ago)\s+(?:in)?|\bbase\s+year|\bstarted\s+in|\bbegan\s+in|\bby)\s*$",
    re.I,
)


def _cue(m: re.Match[str], first: dt.date, last: dt.date, instant: bool = False) -> PeriodCue:
    return PeriodCue(m.start(), m.end(), m.group(0), canonical(first, last), first, last, instant)


def _unresolved(m: re.Match[str]) -> PeriodCue:
    return PeriodCue(m.start(), m.end(), m.group(0), None)


def _read(kind: str, m: re.Match[str], text: str, as_of: dt.date | None) -> PeriodCue | None:
    # every word as the vocabularies write it ("Fırst", "ſix  months" are "first", "six
    # months"): the pattern ignores case; digits and ISO dates are left as they are
    g = {name: value and word_key(value) for name, value in m.groupdict().items()}
    if kind == "year":
        if _NOT_THE_PERIOD.search(text[max(0, m.start() - 40) : m.start()]):
            return None
        y = _year(g["year"], as_of)
        if y is None:
            return _unresolved(m)
        return _cue(m, dt.date(y, 1, 1), dt.date(y, 12, 31))
    if kind == "years":
        a, b = int(g["y1"]), int(g["y2"])
        return _cue(m, dt.date(a, 1, 1), dt.date(b, 12, 31)) if a <= b else None
    if kind == "now":
        if as_of is None:
            return _unresolved(m)
        return PeriodCue(
            m.start(), m.end(), m.group(0), as_of.isoformat(), as_of, as_of, True, now=True
        )
    if kind == "ytd":
        if as_of is None:
            return _unresolved(m)
        return _cue(m, dt.date(as_of.year, 1, 1), as_of)
    if kind == "the_year":
        return PeriodCue(m.start(), m.end(), m.group(0), None, anaphoric=True)
    if kind == "the_period":
        return PeriodCue(m.start(), m.end(), m.group(0), None, backref=True)
    if kind == "day_noyear":
        if as_of is None:
            return _unresolved(m)
        try:
            if g["month"]:
                day = dt.date(as_of.year, _month(g["month"]), int(g["d1"]))
            else:
                day = dt.date(as_of.year, _month(g["month2"]), int(g["d2"]))
        except ValueError:
            return None
        return _cue(m, day, day, instant=True)
    if kind == "day":
        try:
            if g["iso"]:
                day = dt.date.fromisoformat(g["iso"])
            elif g["month"]:
                day = dt.date(int(g["y1"]), _month(g["month"]), int(g["d1"]))
            else:
                day = dt.date(int(g["y2"]), _month(g["month2"]), int(g["d2"]))
        except ValueError:
            return None
        return _cue(m, day, day, instant=True)
    y = _year(g.get("year"), as_of)
    if y is None:
        return _unresolved(m)
    if kind in ("end", "end_month"):
        month = _month(g["month"]) if g.get("month") else 12
        end = _last_day(y, month)
        return _cue(m, end, end, instant=True)
    if kind in ("half", "half_after"):
        half = int(g["h"]) if g.get("h") else _ORDINAL[g["ord"]]
        return _cue(m, dt.date(y, 1 + 6 * (half - 1), 1), _last_day(y, 6 * half))
    if kind in ("quarter", "quarter_after"):
        q = int(g["q"]) if g.get("q") else _ORDINAL[g["ord"]]
        return _cue(m, dt.date(y, 3 * q - 2, 1), _last_day(y, 3 * q))
    if kind == "first_months":
        n = int(g["n"]) if g["n"].isdigit() else _COUNT[g["n"]]
        months = n * (3 if g["unit"].startswith("quarter") else 1)
        if not 1 <= months <= 12:
            return None
        return _cue(m, dt.date(y, 1, 1), _last_day(y, months))
    if kind == "month_range":
        a, b = _month(g["m1"]), _month(g["m2"])
        return _cue(m, dt.date(y, a, 1), _last_day(y, b)) if a <= b else None
    if kind == "month":
        month = _month(g["month"])
        if g.get("asof") and g["asof"] != "by":
            end = _last_day(y, month)
            return _cue(m, dt.date(y, month, 1), end)
        return _cue(m, dt.date(y, month, 1), _last_day(y, month))
    return None


_HINT = re.compile(
    r"\d|year|half|quarter|month|period|time|\bH[12]\b|\bQ[1-4]\b|now|today|date|so far|present"
    r"|current"
    r"|jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec",
    re.I,
)


def period_cues(text: str, start: int, end: int, as_of: dt.date | None) -> list[PeriodCue]:
    """Every period cue in ``text[start:end]``, in order.

    A span is read once, by its most specific pattern.
    """
    if not _HINT.search(text, start, end):
        return []
    taken: list[tuple[int, int]] = []
    cues: list[PeriodCue] = []
    for kind, pattern in _PATTERNS:
        for m in pattern.finditer(text, start, end):
            if any(a < m.end() and m.start() < b for a, b in taken):
                continue
            cue = _read(kind, m, text, as_of)
            taken.append((m.start(), m.end()))  # a skipped year still hides inside its phrase
            if cue is not None:
                cues.append(cue)
    return sorted(cues, key=lambda c: c.start)
