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
from factlint.quantity import Quantity, find_quantities

__all__ = ["figures"]

_MAYBE_NUMBER = re.compile(
    r"\d|\b(?:two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|thirteen|fourteen"
    r"|fifteen|sixteen|seventeen|eighteen|nineteen|twenty)\b",
    re.I,
)
_SECTION = re.compile(r"\d{1,3}(?:\.\d{1,3}){0,3}\.?")
_CACHE_LIMIT = 20_000
_SPANS = {"year", "month", "week"}


class FigureReader:
    """Figures of a draft's sentences, with offsets in the draft's text."""

    def __init__(self) -> None:
        self._cache: dict[str, list[Quantity]] = {}

    def _read(self, chunk: str) -> list[Quantity]:
        found = self._cache.get(chunk)
        if found is None:
            found = find_quantities(chunk)
            if len(self._cache) >= _CACHE_LIMIT:
                self._cache.clear()
            self._cache[chunk] = found
        return found

    def figures(self, draft: Draft, sentence: Sentence, *, dates: bool = False) -> list[Quantity]:
        chunk = draft.text[sentence.start : sentence.end]
        if not _MAYBE_NUMBER.search(chunk):
            return []
        out = []
        for q in self._read(chunk):
            if q.unit == "date" and not dates:
                continue
            if q.unit.split(" ")[-1] in _SPANS:
                continue  # "over the same six months", "for one year": a span of time, not a figure
            q = replace(q, start=q.start + sentence.start, end=q.end + sentence.start)
            if _section_number(draft, q, heading=draft.blocks[sentence.block].kind == "heading"):
                continue
            out.append(q)
        return out


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
