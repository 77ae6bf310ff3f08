"""The figures of a draft that are claims: numbers with what they count or measure.

:func:`factlint.quantity.find_quantities` reads the figures and already skips
bare years, ordinals, list markers, phone numbers and section labels; here
dates (a date is a period cue, not a claim) and section numbers that open a
heading or a line ("3.2 Foreign investment") are dropped as well.

The reader runs sentence by sentence, and only on sentences that hold a digit
or a number word, so its cost follows the draft's length; sentences repeated
word for word are read once.
"""

from __future__ import annotations

import re
from dataclasses import replace

from factlint.claims.drafts import Draft
from factlint.claims.sentences import Sentence
from factlint.quantity import WORD_NUMBERS, Quantity, find_quantities

__all__ = ["FigureReader"]

# a digit or a number word from two up ("one" is too often not a figure)
_MAYBE_NUMBER = re.compile(
    r"\d|\b(?:" + "|".join(w for w, n in WORD_NUMBERS.items() if n >= 2) + r")\b", re.I
)
_SECTION = re.compile(r"\d{1,3}(?:\.\d{1,3}){0,3}\.?")
_CACHE_LIMIT = 20_000
_SPANS = {"year", "month", "week"}


# a number with a unit or scale word: a figure whatever the parser made of its neighbours
_UNIT_FIGURE = re.compile(
    r"(?<![\w.,])\d[\d,]*(?:\.\d+)?\s*(?:%|percent\b|per\s+cent\b|trillion\b|billion\b"
    r"|million\b|yuan\b|square\b|sq\b|km2\b|dollars?\b)",
    re.I,
)


_ELLIPSIS_GAP = re.compile(r"[^.;:!?]{0,60}$")
_CLAUSE_END = re.compile(r"\s*(?:[.,;:!?)]|$)")


def _ellipsis(chunk: str, found: list[Quantity]) -> list[Quantity]:
    """ "Tianjin's zone covers 119.9 square kilometres and Guangdong's 116.2": a bare number
    that ends its clause after a figure with a unit shares that unit."""
    out = list(found)
    for k in range(1, len(out)):
        q, before = out[k], out[k - 1]
        bare = q.unit == "count" and q.scale is None and q.qualifier == "exact"
        if not bare or before.unit in ("count", "date") or not before.unit:
            continue
        if not _CLAUSE_END.match(chunk, q.end) or not _ELLIPSIS_GAP.match(
            chunk, before.end, q.start
        ):
            continue
        if re.search(r"\b(?:and|while|whereas|but|,)\s", chunk[before.end : q.start]) is None:
            continue
        out[k] = replace(q, unit=before.unit, scale=before.scale)
    return out


def _recover(chunk: str, found: list[Quantity]) -> list[Quantity]:
    """Figures the parser lost next to a year it read as a range ("from 18.1% in 2022 to
    21.8% in 2024" yields no "2022 to 21.8%" range and, there, no 21.8%): each number with a
    unit that no figure covers is read again on its own."""
    covered = [(q.start, q.end) for q in found]
    extra: list[Quantity] = []
    for m in _UNIT_FIGURE.finditer(chunk):
        if any(a <= m.start() < b for a, b in covered):
            continue
        again = find_quantities(chunk[m.start() : m.start() + 80])
        if again and again[0].start == 0:
            q = again[0]
            extra.append(replace(q, start=q.start + m.start(), end=q.end + m.start()))
    return sorted([*found, *extra], key=lambda q: q.start) if extra else found


class FigureReader:
    """Figures of a draft's sentences, with offsets in the draft's text."""

    def __init__(self) -> None:
        self._cache: dict[str, list[Quantity]] = {}

    def _read(self, chunk: str) -> list[Quantity]:
        found = self._cache.get(chunk)
        if found is None:
            found = _recover(chunk, find_quantities(chunk))
            if len(self._cache) >= _CACHE_LIMIT:
                self._cache.clear()
            self._cache[chunk] = found
        return found

    def figures(self, draft: Draft, sentence: Sentence, *, dates: bool = False) -> list[Quantity]:
        chunk = draft.text[sentence.start : sentence.end]
        if not _MAYBE_NUMBER.search(chunk):
            return []
        out = []
        for q in _ellipsis(chunk, self._read(chunk)):
            if q.unit == "date" and not dates:
                continue
            if q.unit.split(" ")[-1] in _SPANS:
                continue  # "over the same six months", "for one year": a span of time, not a figure
            q = replace(q, start=q.start + sentence.start, end=q.end + sentence.start)
            if _section_number(draft, q, heading=draft.blocks[sentence.block].kind == "heading"):
                continue
            q = _preposition_over(draft.text, q)
            out.append(q)
        return out


_SPREAD = re.compile(
    r"\b(?:spread|split|divided|distributed|scattered|spans?|spanning|stretch(?:es|ing)?|across)\s*$",
    re.I,
)


def _preposition_over(text: str, q: Quantity) -> Quantity:
    """ "spread over three areas": "over" is where, not "more than"."""
    if q.qualifier != "more_than" or not q.text.lower().startswith("over"):
        return q
    if not _SPREAD.search(text, max(0, q.start - 20), q.start):
        return q
    skip = len(q.text) - len(q.text[4:].lstrip())
    return replace(q, text=q.text[skip:], start=q.start + skip, qualifier="exact")


def _section_number(draft: Draft, q: Quantity, *, heading: bool) -> bool:
    """ "3.2 Foreign investment", "§ 4", "## 1 Introduction": a number that labels a section."""
    text = draft.text
    if q.unit != "count" or q.qualifier != "exact" or not _SECTION.fullmatch(q.text):
        return False
    line_start = text.rfind("\n", 0, q.start) + 1
    before = text[line_start : q.start]
    if re.search(r"§\s*$", before):
        return True
    if before.strip() or (not heading and "." not in q.text):
        return False
    return re.match(r"\.?\s+[A-Z\u4e00-\u9fff]", text[q.end : q.end + 3]) is not None
