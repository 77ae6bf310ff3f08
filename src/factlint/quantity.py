"""Figures as documents write them: "103.96 billion yuan", "less than 0.4%", "超 119 平方公里".

A figure is read into the fields a fact table row uses: the value as written
(thousands separators dropped, decimals kept, negative for a stated decline),
a unit id from docs/contracts.md, a scale word and a qualifier. The reader is
a set of regular expressions and small pure functions; nothing is evaluated.

:func:`find_quantities` reads every figure in a passage and skips numbers
that are not figures: bare years, ordinals ("20th"), list and section
numbers, phone numbers and digits inside identifiers ("COVID-19", "G20").
:func:`format_quantity` writes a row back as prose that
:func:`parse_quantity` reads to the same value, unit and qualifier.

Units outside the contract's table are formed by one rule, ``<scale> <base>``
("thousand yuan", "ten thousand count", "billion count"), and durations in
years, months, weeks and minutes use the ids ``year``, ``month``, ``week``
and ``minute``, so a figure is never silently given a wrong unit.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, replace
from decimal import Decimal, InvalidOperation
from functools import cache, lru_cache

from factlint.interval import written

__all__ = [
    "QUALIFIERS",
    "SCALE_POWER",
    "WORD_NUMBERS",
    "Quantity",
    "QuantityError",
    "find_quantities",
    "folded_case",
    "format_quantity",
    "parse_quantity",
    "word_key",
]

QUALIFIERS: tuple[str, ...] = (
    "exact",
    "approx",
    "more_than",
    "at_least",
    "less_than",
    "at_most",
    "nearly",
    "range",
)


class QuantityError(ValueError):
    """A text that is not one figure, or a figure this reader cannot represent."""


@dataclass(frozen=True)
class Quantity:
    """One figure: where it was written and what a fact table row would say about it."""

    text: str  # the matched span, qualifier and sign words included
    start: int
    end: int
    value: str  # as written: "103.96", "3500", "2-3", "-15.2", "2013-09-29", "--04-01"
    unit: str  # a unit id (docs/contracts.md)
    scale: str | None  # "thousand", "ten thousand", "million", "hundred million", ...
    qualifier: str

    def interval(self, *, approx_tolerance: float = 0.05) -> tuple[float, float, bool, bool]:
        """The interval the figure stands for (see :func:`factlint.interval.written`)."""
        base = self.unit.split("/")[0]
        iv = written(
            [self.value],
            [self.qualifier],
            discrete=[base == "count" or base.endswith(" count")],
            nonnegative=not self.value.startswith("-"),
            approx_tolerance=approx_tolerance,
            date=self.unit == "date",
        )
        return iv[0]


# -- vocabulary ---------------------------------------------------------------

_NUMBER_WORDS = (
    "one two three four five six seven eight nine ten eleven twelve thirteen fourteen fifteen"
    " sixteen seventeen eighteen nineteen twenty"
)
WORD_NUMBERS = {word: n for n, word in enumerate(_NUMBER_WORDS.split(), start=1)}
"""Number words a figure may be written in ("six new zones"), with their values."""

# qualifier -> the words that write it, "|"-separated (English, then Chinese)
_QUALIFIER_WORDS = {
    "approx": "approximately|approx.|about|around|roughly|some|an estimated|大约|约",
    "nearly": "nearly|close to|almost|just under|just below|将近|接近|近",
    "more_than": "more than|over|above|exceeding|in excess of|greater than|upwards of"
    "|超过|超|逾|大于|高于",
    "at_least": "at least|no less than|not less than|no fewer than|not fewer than|a minimum of"
    "|不少于|不低于|至少",
    "less_than": "less than|fewer than|under|below|lower than|不足|不到|小于|低于",
    "at_most": "at most|up to|no more than|not more than|not exceeding|a maximum of"
    "|no greater than|不超过|不高于|最多",
}
_QUALIFIER_OF = {w: q for q, words in _QUALIFIER_WORDS.items() for w in words.split("|")}

_SCALES = {  # written form -> (scale name, power of ten)
    "hundred million": ("hundred million", 8),
    "trillion": ("trillion", 12),
    "billion": ("billion", 9),
    "million": ("million", 6),
    "thousand": ("thousand", 3),
    "bn": ("billion", 9),
    "mln": ("million", 6),
    "mn": ("million", 6),
    "万亿": ("trillion", 12),
    "亿": ("hundred million", 8),
    "万": ("ten thousand", 4),
}
SCALE_POWER = {name: power for name, power in _SCALES.values()}
"""Scale words of unit ids ("billion yuan") and their powers of ten."""

# unit group name -> (base unit id, pattern); tried in this order
_UNITS: tuple[tuple[str, str, str], ...] = (
    ("percent", "percent", r"%|％|percent(?:age\s+points?)?\b|per\s*cent\b"),
    (
        "km2",
        "km2",
        r"(?:square|sq\.?)[\s-]*(?:kilomet(?:er|re)s?|km)\b|km2\b|km²|平方公里|平方千米",
    ),
    ("usd", "usd", r"U\.?\s?S\.?\s*dollars?\b|American\s+dollars?\b|dollars?\b|USD\b|美元"),
    ("yuan", "yuan", r"(?:RMB\s+)?yuan\b|元|RMB\b|CNY\b"),
    ("hour", "hour", r"hours?\b|hrs?\b|小时"),
    ("day", "day", r"days?\b|天"),
    ("week", "week", r"weeks?\b"),
    ("month", "month", r"months?\b"),
    ("year", "year", r"years?\b"),
    ("minute", "minute", r"minutes?\b|mins?\b"),
)


def _alternation(words: list[str]) -> str:
    """Longest first, so "more than" wins over "more" and "超过" over "超"."""
    escaped = (re.escape(w).replace(r"\ ", r"\s+") for w in sorted(words, key=len, reverse=True))
    return "|".join(escaped)


_SEP = "[,\u00a0\u202f\u2009]"
_SEP_RE = re.compile(_SEP)
_DIGITS = rf"(?:\d{{1,3}}(?:{_SEP}\d{{3}})+|\d+)(?:\.\d+)?"


def _starts_with_one_of(words: Iterable[str]) -> str:
    """A lookahead for the first characters of ``words``, put before their alternation.

    Ignoring case, the engine cannot skip an alternative by its first letter; it tries every
    one. One set test (which ignores case too) rejects them all where none can start.
    """
    return "(?=[" + re.escape("".join(sorted({w[0] for w in words}))) + "])"


# Chinese numerals count only before a measure word ("六大自贸区", "三项"); a lone 一 is "a"
_CN_DIGITS = "一二三四五六七八九"
_CN_NUM = rf"[二两三四五六七八九十][{_CN_DIGITS}十]{{0,2}}(?=[个家项大座条批省市区类件名位种所])"
_NUM = (
    rf"(?:{_DIGITS}|{_starts_with_one_of(WORD_NUMBERS)}"
    rf"(?<![A-Za-z])(?:{_alternation(list(WORD_NUMBERS))})\b|{_CN_NUM})"
)
# A number that more of the figure must follow ("3 to 5", "1 trillion 232 billion") is matched
# atomically. What may follow it (a scale word, a dash, "to", "and") starts with neither a
# digit, a separator nor a dot, so giving back digits never leads to a match; the engine would
# only spend its time failing, at every number.
_LEADING_NUM = f"(?>{_NUM})"
_SCALE = r"(?:hundred\s+million|trillion|billion|million|thousand|bn|mln|mn)\b|万亿|亿|万"
_SCALE_WORD = f"{_starts_with_one_of(_SCALES)}(?:{_SCALE})"
_EN_QUAL = _alternation([w for w in _QUALIFIER_OF if w.isascii()])
_CN_QUAL = _alternation([w for w in _QUALIFIER_OF if not w.isascii()])
_DECLINE = (
    r"down|fell|falls?|falling|dropped|drops?|declined|declines?|declining|decreased|decreases?"
    r"|decreasing|reduced|reduction|shrank|shrunk|contracted|contraction|slid|slipped|lower|cut"
)
_CN_DECLINE = "下降|减少|降低|回落|下滑"
_UNIT = "|".join(rf"(?P<u_{name}>{pattern})" for name, _, pattern in _UNITS)
# a count followed within a few words by "every day": "160 new market entities were born every day"
# (a word is matched possessively: whitespace, which must follow it, is not a letter it could give
# back)
_RATE = (
    r"(?:\s+[A-Za-z][A-Za-z'\-]*+){0,6}?\s+(?:(?:every|per|a|each)\s+day\b|daily\b)"
    r"|\s*/\s*day\b"
)


def _figure_pattern(*, rates: bool) -> str:
    """The figure pattern; without ``rates``, one whose rate group never matches."""
    rate = _RATE if rates else "(?!)"
    # Whitespace before a scale or unit word is matched possessively: none starts with it.
    return rf"""
    (?P<neg>{_starts_with_one_of([*_DECLINE.split("|"), *_CN_DECLINE.split("|")])}
        (?:(?<![A-Za-z])(?:{_DECLINE})(?:\s+(?:by|of))?\s+|(?:{_CN_DECLINE})了?\s*))?
    (?P<qual>{_starts_with_one_of(_QUALIFIER_OF)}
        (?:(?<![A-Za-z])(?:{_EN_QUAL})\s+|(?:{_CN_QUAL})\s*))?
    (?P<cur>US\s?\$|\$|(?:USD|RMB|CNY)\s*|[¥￥])?
    (?P<sign>(?<![^\s(\[:：（])[-\u2212](?=\d))?
    (?P<numbers>
        between\s+(?P<b1>{_LEADING_NUM})\s+and\s+(?P<b2>{_NUM})
      | (?P<compound>{_LEADING_NUM}\s*+(?:{_SCALE_WORD})
                     (?:\s*{_LEADING_NUM}\s*+(?:{_SCALE_WORD}))+)
      | (?P<r1>{_LEADING_NUM})\s*+[-\u2013\u2014~～至到]\s*(?P<r2>{_NUM})
      | (?<![Ff]rom\s)(?!(?:19|20)\d\d\s+to\s)(?P<t1>{_LEADING_NUM})\s+to\s+(?P<t2>{_NUM})
      | (?P<n1>{_NUM})
    )
    (?P<cnmore>余|多)?
    (?:(?:\s*+|-)(?P<scale>{_SCALE_WORD}))?
    (?:(?:\s*+|-)(?:{_UNIT})|(?P<rate>{rate}))?
    (?P<cnsuf>\s*(?:左右|以上|以下))?
    (?P<postneg>\s+(?:year-on-year\s+|yoy\s+)?(?:decrease|decline|drop|fall|reduction|contraction|dip)\b)?
    """


@cache
def _figure_regex(*, rates: bool = True) -> re.Pattern[str]:
    """The figure pattern, compiled on first use: its 40 ms are not spent by a run
    whose quotes all come from the cache, nor by commands that read no figure.

    A rate ("every day", "daily", "/day") is looked for after every number, up to six words
    ahead. A text without "da" (in any case) holds none: the pattern without ``rates`` finds
    the same matches there, and sooner.
    """
    return re.compile(_figure_pattern(rates=rates), re.IGNORECASE | re.VERBOSE)


# -- dates ----------------------------------------------------------------------

_MONTH_NAMES = (
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
)
_MONTHS = {name[:3].lower(): n for n, name in enumerate(_MONTH_NAMES, start=1)}
_MONTH = (
    r"(?:January|February|March|April|May|June|July|August|September|October|November|December"
    r"|(?:Jan|Feb|Mar|Apr|Jun|Jul|Aug|Sept|Sep|Oct|Nov|Dec)\b\.?)"
)
_DAY = r"(?:[12]\d|3[01]|0?[1-9])(?:st|nd|rd|th)?"
_DATE = re.compile(
    rf"""
    (?P<md_mon>{_MONTH})\s+(?P<md_day>{_DAY})(?:,?\s+(?P<md_year>\d{{4}}))?(?![\d:])
  | (?P<dm_day>{_DAY})\s+(?:of\s+)?(?P<dm_mon>{_MONTH})(?:,?\s+(?P<dm_year>\d{{4}}))?
  | (?P<my_mon>{_MONTH}),?\s+(?P<my_year>\d{{4}})(?!\d)
  | (?<![\d\-])(?P<iso_year>\d{{4}})-(?P<iso_mon>\d{{2}})-(?P<iso_day>\d{{2}})(?![\d\-])
  | (?:(?P<cn_year>\d{{4}})\s*年\s*)?(?P<cn_mon>\d{{1,2}})\s*月
    (?:\s*(?P<cn_day>\d{{1,2}})\s*[日号])?
  | (?P<cn_only_year>\d{{4}})\s*年
    """,
    re.VERBOSE,
)

# spans that hold digits but no figure: links, mail, phone numbers, clock times
_NOISE = re.compile(
    r"""
    (?:https?://|www\.)\S+
  | [\w.+-]+@[\w-]+\.[\w.]+
  | \+\d{1,3}(?:[\s.\-]?\(?\d{1,4}\)?){2,6}
  | (?i:tel|phone|telephone|fax|hotline)\.?\s*[:：]?\s*\+?\d[\d\s\-()]{5,}\d
  | \(0\d{2,3}\)\s*\d{3,4}[\s\-]?\d{4}
  | (?<!\d)0\d{2,3}-\d{7,8}(?!\d)
  | (?<!\d)1[3-9]\d{9}(?!\d)
  | (?<!\d)\d{1,2}:\d{2}(?::\d{2})?(?!\d)
    """,
    re.VERBOSE,
)
# words that make the number after them a label ("Article 3", "No. 5"); "第" does too
_LABEL_WORDS = (
    "section sections article articles chapter chapters clause clauses paragraph paragraphs para"
    " part parts item items no no. nos nos. number page pages p. pp. table tables figure figures"
    " fig. annex appendix rule rules version v. phase step grade level class room floor lane road"
    " route line batch round stage group gate terminal building block exit platform vol. volume"
    " issue edition"
).split()
_MASK = "\ue000"
_SPREAD = re.compile(
    r"\b(?:spread|spreads|spreading|scattered|distributed|divided|split)\s+$", re.IGNORECASE
)

# -- where to look ------------------------------------------------------------------
#
# Tried at every position of a text, the patterns above are slow: at each one the figure pattern
# attempts its optional words and every number alternative. A figure can only start at
# a digit, `$` or `-`; at a non-ASCII character (Chinese words and numerals, ¥, −, and
# letters that equal ASCII ones when case is ignored); where one of its leading phrases
# begins ("about", "down by", "six", ...); or where a currency code or "between"
# begins, which the pattern allows inside a word. It is tried only there, which
# finds exactly the matches finditer finds. _NOISE and _DATE cannot match a text that
# lacks all of their hints, so such a text is not scanned at all.


def _plain_words(alternation: str) -> set[str]:
    """The words of an alternation of plain words, an optional plural ("falls?") expanded."""
    words: set[str] = set()
    for word in alternation.split("|"):
        words.update((word[:-2], word[:-1]) if word.endswith("s?") else (word,))
    assert all(w.isalpha() for w in words), "the leading words must be plain words"
    return words


# The characters other than A-Z and a-z that re.IGNORECASE lets match a lower-case ASCII letter
# (the test suite checks that there are no others).
_FOLDS = {"i": "\u0130\u0131", "k": "\u212a", "s": "\u017f"}
_ASCII_LOWER = str.maketrans("ABCDEFGHIJKLMNOPQRSTUVWXYZ", "abcdefghijklmnopqrstuvwxyz")


#: the two characters ``str.lower`` turns into more than one or into ASCII ("İ", Kelvin "K")
_LOWER_CHANGES = ("\u0130", "\u212a")


def _ascii_lowered(text: str) -> str:
    """``text`` with A-Z made a-z, offsets kept, and no non-ASCII character made ASCII (the
    patterns match "ſ", "ı", "İ" and Kelvin "K" themselves: ``[sſ]``).

    ``str.lower`` does that (and lowers other letters, which stay non-ASCII letters, as the
    test suite checks over every code point) unless the text holds one of _LOWER_CHANGES;
    it is 20 times faster than ``translate``, which then does it.
    """
    if text.isascii() or not any(c in text for c in _LOWER_CHANGES):
        return text.lower()
    return text.translate(_ASCII_LOWER)


# what those other letters stand for when the pattern, ignoring case, matched them
_TO_ASCII = str.maketrans({c: ascii for ascii, chars in _FOLDS.items() for c in chars})


def folded_case(word: str) -> str:
    """``word`` in lower case, with the letters a pattern that ignores case matches as ASCII
    ones made those ("ſix", "fırst", "İn" are "six", "first", "in"): the key under which a
    word such a pattern matched is looked up in a vocabulary."""
    return word.translate(_TO_ASCII).lower()


def word_key(words: str) -> str:
    """Matched words as the vocabulary writes them: "ABOUT", "Over  " and "ſome" (long s),
    which the pattern matches ignoring case, are "about", "over" and "some"."""
    return _SPACES.sub(" ", folded_case(words.strip()))


@lru_cache(maxsize=1024)
def _vocabulary_key(words: str) -> str:
    """:func:`word_key` of a qualifier or scale the figure pattern matched: remembered, as
    they are few and looked up for nearly every figure."""
    return word_key(words)


def _lowercase_alternation(phrases: Iterable[str]) -> str:
    """A pattern that matches in :func:`_ascii_lowered` text what the lower-case ``phrases``
    (a space standing for any whitespace) match in the text when case is ignored.

    The alternatives are grouped by their first character ("a(?:bout|bove)|d(?:own)") and are
    case-sensitive, so the engine rejects a group that starts with another character with one
    comparison. (?i:about|above|...) makes it try every phrase at every position, ignoring case,
    which is several times slower.
    """

    def pattern(text: str) -> str:
        assert all(c.islower() or c in " ." for c in text), f"not a lower-case phrase: {text!r}"
        return "".join(
            r"\s+" if c == " " else f"[{c}{_FOLDS[c]}]" if c in _FOLDS else re.escape(c)
            for c in text
        )

    groups: dict[str, list[str]] = {}
    for phrase in sorted(phrases, key=lambda p: (-len(p), p)):  # longest first, as _alternation
        groups.setdefault(phrase[0], []).append(pattern(phrase[1:]))
    return "|".join(f"{pattern(c)}(?:{'|'.join(rests)})" for c, rests in sorted(groups.items()))


# A figure that starts at an ASCII letter starts with a decline word, an English qualifier or
# a number word ("down by", "in excess of", "six") that no letter precedes, or where
# _LEAD_IN_WORD matches. _LEAD_PHRASE finds the former in _ascii_lowered text, the letters
# that ignoring case are ASCII ones included ("almoſt", "declıned"), as the pattern does.
# Looking for whole phrases, not first words, spares trying the figure pattern at every
# "in", "a" and "up". It matches nothing but looks ahead, so that finditer also finds a
# phrase inside another ("no greater than" holds "greater than").
_LEAD_PHRASES = frozenset(
    _plain_words(_DECLINE)
    | {phrase for phrase in _QUALIFIER_OF if phrase.isascii()}
    | set(WORD_NUMBERS)
)
_LEAD_PHRASE = re.compile(
    rf"(?<![a-z])(?=(?:{_lowercase_alternation(_LEAD_PHRASES)})(?![a-z]))"
)
# Any other figure starts at a digit, `$`, `-` before a digit, or a non-ASCII character other than
# the mask (Chinese words and numerals, ¥, −). The class comes first so that the engine skips
# other characters without trying the rest; "[\d$]|-(?=\d)|..." is tried at every position.
_LEAD_CHAR = re.compile(rf"[-$\d\x80-\U0010ffff](?:(?<![-{_MASK}])|(?<=-)(?=\d))")
_LEAD_IN_WORD = re.compile(r"(?=US\s?\$|USD|RMB|CNY|between\s)", re.IGNORECASE)
_NOISE_HINT = re.compile(r"\d{7}|(?i:tel|phone|fax|hotline)")
_LONG_DIGITS = re.compile(r"\d{7}")
_CLOCK_HINT = re.compile(r"\d:\d\d")
_MONTH_HINT = re.compile(r"Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec")
# the month as _DATE reads it: not "Mar" of "Marrika", which the hint finds
_MONTH_WORD = re.compile(_MONTH)
_ISO_HINT = re.compile(r"\d{4}-\d{2}-\d{2}")
#: more than the longest label word ("paragraphs"): how far back a label can start
_LABEL_REACH = 16
# a label ending where the (whitespace before the) number starts, in _ascii_lowered text
_LABEL_BEFORE = re.compile(rf"(?:\b(?:{_lowercase_alternation(_LABEL_WORDS)})|[#№第])\s*$")


def _may_hold_noise(text: str, lowered: str) -> bool:
    """False when _NOISE cannot match: no URL, mail, phone prefix, clock time or phone word."""
    # ``in`` chains, not any() over a generator: this runs for every text
    if "http" in text or "www." in text or "@" in text or "+" in text or "(0" in text:
        return True
    # a colon alone is frequent ("Guhullu province: ..."); a clock time has digits around it
    if ":" in text and _CLOCK_HINT.search(text) is not None:
        return True
    # "İ" and "ı" match "i" when case is ignored; lower() does not make them "i"
    if "\u0130" in text or "\u0131" in text:
        return _NOISE_HINT.search(text) is not None
    return (
        "tel" in lowered
        or "phone" in lowered
        or "fax" in lowered
        or "hotline" in lowered
        or _LONG_DIGITS.search(text) is not None
    )


def _may_hold_date(text: str) -> bool:
    """False when _DATE cannot match: no month name, ISO date, 年 or 月."""
    return (
        (_MONTH_HINT.search(text) is not None and _MONTH_WORD.search(text) is not None)
        or "年" in text
        or "月" in text
        or ("-" in text and _ISO_HINT.search(text) is not None)
    )


def _phrase_starts(masked: str, folded: str, lowered: str) -> list[int]:
    """Where a leading phrase starts, and where a currency code or "between" starts in a word."""
    starts = [m.start() for m in _LEAD_PHRASE.finditer(folded)]
    # ``lowered`` is the unmasked text in lower case; "ſ" (long s) matches "s" ignoring case
    if (
        "$" in masked
        or "ſ" in masked
        or "usd" in lowered
        or "rmb" in lowered
        or "cny" in lowered
        or "between" in lowered
    ):
        inside = [m.start() for m in _LEAD_IN_WORD.finditer(masked)]
        if inside:
            starts = sorted({*starts, *inside})
    return starts


def _figure_matches(masked: str, folded: str, lowered: str) -> Iterator[re.Match[str]]:
    """The matches of ``_figure_regex().finditer(masked)``, tried only where a figure can start.

    ``folded`` is ``_ascii_lowered(masked)``. The pattern is tried at the first lead phrase or
    lead character at or after the end of the last match (or one past the last failed try), as
    finditer would. Lead characters are searched for one at a time rather than listed, so the
    digits inside a figure ("3,500") cost nothing, and one where a figure ends ("1,234" of
    "1,2345") is still found.
    """
    match = _figure_regex(rates="da" in folded).match
    next_char = _LEAD_CHAR.search
    phrases = _phrase_starts(masked, folded, lowered)
    phrases.reverse()  # the next one last, for pop()
    size = len(masked)  # no figure starts at the end: it holds a number
    pos = 0  # where the next figure may start
    char = -1  # the first lead character at or after ``pos`` once searched for; ``size`` if none
    while True:
        if char < pos:
            found = next_char(masked, pos)
            char = size if found is None else found.start()
        while phrases and phrases[-1] < pos:
            phrases.pop()
        start = min(char, phrases[-1]) if phrases else char
        if start >= size:
            return
        m = match(masked, start)
        if m is None:
            pos = start + 1
        else:
            pos = m.end()
            yield m


def _label_before(folded: str, start: int) -> bool:
    """A label ("No.", "Article", "第") right before ``start``, whitespace aside, in the
    :func:`_ascii_lowered` text."""
    word_end = start
    while word_end and folded[word_end - 1].isspace():
        word_end -= 1
    # every label ends with a letter, a dot or one of #№第
    if not word_end or not (folded[word_end - 1].isalpha() or folded[word_end - 1] in ".#№第"):
        return False
    return _LABEL_BEFORE.search(folded, max(0, word_end - _LABEL_REACH), start) is not None


# -- reading one match -------------------------------------------------------------


_CN_VALUES = {c: i for i, c in enumerate(_CN_DIGITS, start=1)} | {"两": 2}
_CN_NUMBER = re.compile(rf"(?:([{_CN_DIGITS}])?(十))?([{_CN_DIGITS}两])?")
_PLAIN_NUMBER = re.compile(r"\d+(?:\.\d+)?")
_SPACES = re.compile(r"\s+")
_NOT_DIGITS = re.compile(r"\D")
_YEAR = re.compile(r"(?:1[89]|2[01])\d\d")
# sets, not character classes: a set lookup of one character is cheaper than a regex match
_ALNUM = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789")
_WORD_CHARS = _ALNUM | {"_"}


def _chinese_number(raw: str) -> int | None:
    """十一 -> 11, 二十 -> 20, 两 -> 2; None for anything else."""
    m = _CN_NUMBER.fullmatch(raw)
    if not raw or m is None:
        return None
    tens = (_CN_VALUES[m[1]] if m[1] else 1) if m[2] else 0
    return tens * 10 + (_CN_VALUES[m[3]] if m[3] else 0)


def _number_text(raw: str) -> str:
    """Digits as a fact table writes them: separators dropped, words as digits."""
    if raw[:1].isdecimal():
        return _SEP_RE.sub("", raw)
    word = WORD_NUMBERS.get(word_key(raw))
    if word is None:
        word = _chinese_number(raw)
    return str(word) if word is not None else _SEP_RE.sub("", raw)


def _decimal_text(d: Decimal) -> str:
    text = format(d, "f")
    return "0" if text in ("-0", "") else text


def _compound(text: str) -> tuple[str, str]:
    """ "1 trillion 232 billion 680 million" -> ("1232680", "million")."""
    parts = re.findall(rf"({_NUM})\s*({_SCALE})", text, re.IGNORECASE)
    scales = [_SCALES[word_key(s)] for _, s in parts]
    powers = [p for _, p in scales]
    if any(a <= b for a, b in zip(powers, powers[1:], strict=False)):
        raise QuantityError(f"{text!r}: the parts of a compound figure must shrink")
    smallest = powers[-1]
    total = sum(
        (
            Decimal(_number_text(n)).scaleb(p - smallest)
            for (n, _), p in zip(parts, powers, strict=True)
        ),
        Decimal(0),
    )
    return _decimal_text(total), scales[-1][0]


def _build(m: re.Match[str], text: str) -> Quantity:
    """The Quantity a figure match stands for; QuantityError for figures that cannot be."""
    g = m.groupdict()
    scale: str | None = None
    n1 = g["n1"]
    if n1 is not None:  # one number, as most figures are
        number_parts = [_number_text(n1)]
    elif g["compound"]:
        value, scale = _compound(g["compound"])
        number_parts = [value]
    else:
        first, second = (
            (g["b1"], g["b2"]) if g["b1"] else (g["r1"], g["r2"]) if g["r1"] else (g["t1"], g["t2"])
        )
        number_parts = [_number_text(first), _number_text(second)]
        if Decimal(number_parts[0]) > Decimal(number_parts[1]):
            raise QuantityError(f"{m.group(0)!r}: a range must not run backwards")
    if not all(map(_PLAIN_NUMBER.fullmatch, number_parts)):
        raise QuantityError(f"{m.group(0)!r}: not a number")
    if g["scale"]:
        if scale is not None:
            raise QuantityError(f"{m.group(0)!r}: two scales")
        scale = _SCALES[_vocabulary_key(g["scale"])][0]

    base = None
    for group, unit_base in _UNIT_GROUPS:
        if g[group]:
            base = unit_base
            break
    if base is None and g["cur"]:
        base = "usd" if "$" in g["cur"] or g["cur"].upper().startswith("USD") else "yuan"
    if base is None:
        base = "count/day" if g["rate"] else "count"
    unit = f"{scale} {base}" if scale else base

    word_one = n1 is not None and n1[:1].isalpha() and word_key(n1) == "one"  # not digits
    if word_one and scale is None and base in ("count", "count/day"):
        raise QuantityError(f"{m.group(0)!r}: 'one' alone is a pronoun more often than a figure")

    negative = bool(g["neg"] or g["postneg"] or g["sign"])
    if len(number_parts) == 2:
        qualifier = "range"
        lo, hi = number_parts
        value = f"-{hi}--{lo}" if negative else f"{lo}-{hi}"
    else:
        qual = _vocabulary_key(g["qual"]) if g["qual"] else ""
        qualifier = _QUALIFIER_OF[qual] if qual else "exact"
        if g["cnmore"]:
            qualifier = "more_than"
        elif qual == "over" and _SPREAD.search(
            text, max(0, m.start() - 20), m.start()
        ):
            qualifier = "exact"  # "spread over three areas": a place, not a bound
            start = m.start() + len(g["qual"])
            return Quantity(text[start : m.end()], start, m.end(), number_parts[0], unit,
                            scale, qualifier)
        suffix = (g["cnsuf"] or "").strip()
        if suffix:
            qualifier = {"左右": "approx", "以上": "at_least", "以下": "at_most"}[suffix]
        value = number_parts[0]
        if negative and Decimal(value) != 0:
            value = f"-{value}"
    return Quantity(text[m.start() : m.end()], m.start(), m.end(), value, unit, scale, qualifier)


def _date(m: re.Match[str], text: str) -> Quantity | None:
    """A date match as an ISO value ("--MM-DD" without a year).

    None for a bare year ("2013年") or a day that does not exist.
    """
    g = m.groupdict()
    if g["cn_only_year"]:
        return None
    year_text = g["md_year"] or g["dm_year"] or g["my_year"] or g["iso_year"] or g["cn_year"]
    month_text = g["md_mon"] or g["dm_mon"] or g["my_mon"]
    month = _MONTHS[month_text[:3].lower()] if month_text else int(g["iso_mon"] or g["cn_mon"])
    day_text = g["md_day"] or g["dm_day"] or g["iso_day"] or g["cn_day"]
    day = int(_NOT_DIGITS.sub("", day_text)) if day_text else None
    try:
        dt.date(int(year_text) if year_text else 2000, month, day or 1)
    except ValueError:
        return None
    if day is None:
        value = f"{year_text}-{month:02d}"
    elif year_text is None:
        value = f"--{month:02d}-{day:02d}"
    else:
        value = f"{year_text}-{month:02d}-{day:02d}"
    return Quantity(text[m.start() : m.end()], m.start(), m.end(), value, "date", None, "exact")


# -- which matches are figures ------------------------------------------------------


_UNIT_GROUPS = tuple((f"u_{name}", base) for name, base, _ in _UNITS)


def _bare(m: re.Match[str]) -> bool:
    """Nothing but digits: no unit, scale, qualifier or sign words.

    Every one of those groups that takes part in a match holds text, so a match with none of
    them is its numbers alone.
    """
    return m.span("numbers") == m.span() and m["compound"] is None


def _year_like(number: str | None) -> bool:
    return number is not None and len(number) == 4 and _YEAR.fullmatch(number) is not None


def _not_a_figure(m: re.Match[str], masked: str, folded: str) -> bool:
    """Context that makes a number something other than a figure (``folded`` is
    ``_ascii_lowered(masked)``)."""
    start, end = m.span()
    before = masked[start - 1] if start else ""
    before2 = masked[start - 2] if start > 1 else ""
    after = masked[end] if end < len(masked) else ""
    after2 = masked[end + 1] if end + 1 < len(masked) else ""
    # glued to letters or digits: identifiers (G20, 5G), ordinals (20th), codes
    if before in _WORD_CHARS or after in _WORD_CHARS:
        return True
    # COVID-19, 2024-H1, two-way, No.1, version 1.2.3, 24/7, 10:30
    if before in "-./:" and before and before2 in _ALNUM:
        return True
    bare = _bare(m)
    # a hyphen after a figure with a unit is an adjective ("100-billion-level"), not an id
    glued_after = after in "./:" or (after == "-" and bare)
    if after and glued_after and after2 in _ALNUM:
        return True
    # most bare numbers are years, which the label search need not be run for
    n1 = m["n1"]
    if bare and (_year_like(n1) or _year_like(m["r1"]) or _year_like(m["t1"])):
        return True  # bare years and year ranges ("2013-2022")
    if _label_before(folded, start):
        return True
    if not bare:
        return False
    if n1 and len(n1) >= 11 and n1.isdigit():
        return True  # long digit runs are identifiers, not counts
    line_start = masked.rfind("\n", 0, start) + 1
    if (
        masked[line_start:start].strip() == ""
        and after in (".", ")", "、", "．")
        and not after2.strip()
    ):
        return True  # list markers "1." and "2)"
    return before in "(（" and before != "" and after in ")）" and after != ""  # "(1)"


def _blank(text: str, spans: list[tuple[int, int]]) -> str:
    """``text`` with the characters of ``spans`` replaced by the mask (offsets kept)."""
    if not spans:
        return text
    chars = list(text)
    for a, b in spans:
        chars[a:b] = _MASK * (b - a)
    return "".join(chars)


def _masked(text: str, lowered: str) -> tuple[str, list[Quantity]]:
    """The text with non-figure spans blanked (offsets kept) and the dates found in it."""
    noisy = _may_hold_noise(text, lowered)
    spans = [m.span() for m in _NOISE.finditer(text)] if noisy else []
    # page links: "<  1  2  3  >"
    if "\n" in text:
        spans += [m.span() for m in _LINE.finditer(text) if _PAGINATION.fullmatch(m.group(0))]
    elif _PAGINATION.fullmatch(text):  # one line, as most quotes are
        spans.append((0, len(text)))
    masked = _blank(text, spans)
    dates: list[Quantity] = []
    if not _may_hold_date(masked):
        return masked, dates
    spans = []
    for m in _DATE.finditer(masked):
        q = _date(m, text)
        if q is not None:
            dates.append(q)
        spans.append(m.span())
    return _blank(masked, spans), dates


_LINE = re.compile(r"[^\n]+")
_PAGINATION = re.compile(
    r"[ \t<>«»‹›|…\u00a0]*(?:\d+[ \t<>«»‹›|…\u00a0]+){2,}\d*[ \t<>«»‹›|…\u00a0]*"
)
_SHARED_UNIT = re.compile(r"\s*(?:,|and|or|、|和|及)\s*", re.IGNORECASE)


def _shares_unit(q: Quantity) -> bool:
    """A bare number that may borrow the next one's unit: "28.48 and 16.58 square kilometers"."""
    return q.unit == "count" and q.scale is None and q.qualifier == "exact"


def _inherit_units(found: list[Quantity], text: str) -> list[Quantity]:
    out = list(found)
    for i in range(len(out) - 2, -1, -1):
        q, nxt = out[i], out[i + 1]
        # the regex last: most pairs fail the cheap tests
        if (
            _shares_unit(q)
            and nxt.unit not in ("count", "date")
            and _SHARED_UNIT.fullmatch(text, q.end, nxt.start)
        ):
            out[i] = replace(q, unit=nxt.unit, scale=nxt.scale)
    return out


def find_quantities(text: str) -> list[Quantity]:
    """Every figure in ``text``, in order of appearance."""
    lowered = text.lower()
    masked, found = _masked(text, lowered)
    dates = len(found)
    folded = _ascii_lowered(masked)
    for m in _figure_matches(masked, folded, lowered):
        if _not_a_figure(m, masked, folded):
            continue
        try:
            found.append(_build(m, text))
        except (QuantityError, InvalidOperation):
            continue
    if dates:  # the figures come in order, after the dates
        found.sort(key=lambda q: q.start)
    return _inherit_units(found, text) if len(found) > 1 else found


def parse_quantity(text: str) -> Quantity:
    """The one figure that ``text`` is ("less than 0.4%", "the 22 pilot FTZs").

    The whole text is read as one figure first (so "2024" is the count 2024);
    failing that, a text with exactly one figure in it is that figure.
    """
    stripped = text.strip()
    offset = len(text) - len(text.lstrip())
    article = re.match(r"(?:an?|the)\s+", stripped, re.IGNORECASE)
    if article:
        offset += article.end()
        stripped = stripped[article.end() :]
    body = text[: offset + len(stripped)]
    for pattern, build in ((_DATE, _date), (_figure_regex(), _build)):
        m = pattern.fullmatch(body, offset)
        if m is not None:
            try:
                q = build(m, text)
            except (QuantityError, InvalidOperation) as exc:
                raise QuantityError(str(exc)) from None
            if q is not None:
                return q
    found = find_quantities(text)
    if len(found) == 1:
        return found[0]
    what = "no figure" if not found else f"{len(found)} figures"
    raise QuantityError(f"{text!r} holds {what}, not one")


# -- writing --------------------------------------------------------------------

_QUALIFIER_TEXT = {
    "exact": "",
    "approx": "about ",
    "more_than": "more than ",
    "at_least": "at least ",
    "less_than": "less than ",
    "at_most": "at most ",
    "nearly": "nearly ",
    "range": "",
}
_BASE_TEXT = {  # base unit -> (singular, plural)
    "count": ("", ""),
    "percent": ("%", "%"),
    "yuan": (" yuan", " yuan"),
    "usd": (" US dollar", " US dollars"),
    "km2": (" square kilometer", " square kilometers"),
    "hour": (" hour", " hours"),
    "day": (" day", " days"),
    "week": (" week", " weeks"),
    "month": (" month", " months"),
    "year": (" year", " years"),
    "minute": (" minute", " minutes"),
    "count/day": (" per day", " per day"),
}


def _grouped(number: str) -> str:
    """3500 -> 3,500 (decimals untouched)."""
    sign, digits = ("-", number[1:]) if number.startswith("-") else ("", number)
    whole, dot, frac = digits.partition(".")
    if len(whole) > 3 and whole.isdigit():
        whole = f"{int(whole):,}"
    return f"{sign}{whole}{dot}{frac}"


def _format_date(value: str) -> str:
    m = re.fullmatch(r"(\d{4}|-)-(\d{2})(?:-(\d{2}))?", value)
    if m is None:
        return value
    year, month, day = m.groups()
    name = _MONTH_NAMES[int(month) - 1] if 1 <= int(month) <= 12 else month
    if day is None:
        return f"{name} {year}"
    return f"{name} {int(day)}" if year == "-" else f"{name} {int(day)}, {year}"


def format_quantity(value: str, unit: str, qualifier: str) -> str:
    """Write a fact row's figure as prose: "less than 0.4%", "103.96 billion yuan", "3,500".

    The inverse of :func:`parse_quantity` for every unit id this module emits.
    """
    if qualifier not in _QUALIFIER_TEXT:
        raise QuantityError(f"unknown qualifier {qualifier!r}; use one of {', '.join(QUALIFIERS)}")
    words = _QUALIFIER_TEXT[qualifier]
    value = value.strip()
    if unit == "date":
        return f"{words}{_format_date(value)}"
    if qualifier == "range":
        m = re.fullmatch(r"(-?[\d.]+)-(-?[\d.]+)", value)
        if m and m[1].startswith("-") and m[2].startswith("-"):
            # a falling range reads as a decline: "-3--2" is "down 2-3"
            words, number = "down ", f"{_grouped(m[2][1:])}-{_grouped(m[1][1:])}"
        else:
            number = f"{_grouped(m[1])}-{_grouped(m[2])}" if m else value
    else:
        number = _grouped(value)
    scale, _, base = unit.rpartition(" ") if unit.split(" ")[-1] in _BASE_TEXT else ("", "", "")
    if not base:
        scale, base = "", unit
    if base not in _BASE_TEXT or (scale and scale not in SCALE_POWER):
        return f"{words}{number} {unit}"
    singular, plural = _BASE_TEXT[base]
    unit_text = singular if value in ("1", "-1") else plural
    if scale == "ten thousand":
        # no English word: the Chinese scale reads back exactly
        cn = {"count": "", "yuan": "元", "usd": "美元", "km2": "平方公里", "percent": "%"}
        if base in cn:
            return f"{words}{number}万{cn[base]}"
    scale_text = f" {scale}" if scale else ""
    return f"{words}{number}{scale_text}{unit_text}"
