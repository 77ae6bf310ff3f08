"""A quote inside its sentence of the source, with the stated figure located.

The HTML report shows each fact's quote where the source says it: the text
before and after it (up to the sentence ends, trimmed to a few hundred
characters) and the figure that the fact's value comes from, highlighted.
The quote is found verbatim first, then forgiving what provenance forgives
(whitespace runs, straight vs curly quotes); a quote that is not in the
source gets no context.
"""

from __future__ import annotations

import re
from functools import lru_cache
from typing import Any

from factlint.quantity import find_quantities

MAX_SIDE = 280
"""Characters of context kept on either side of a quote."""

_SENTENCE_END = re.compile(r"[.!?;。！？；](?=[\s\"'”’)\]]|$)|\n\s*\n")
_CURLY = {"'": "['\u2018\u2019]", '"': "[\"\u201c\u201d]"}
_SPACE = re.compile(r"\s+")


def _tolerant(quote: str) -> re.Pattern[str]:
    parts: list[str] = []
    for token in _SPACE.split(quote.strip()):
        parts.append("".join(_CURLY.get(ch, re.escape(ch)) for ch in token))
    return re.compile(r"\s+".join(parts))


def _locate(text: str, quote: str) -> tuple[int, int] | None:
    if not quote.strip():
        return None
    start = text.find(quote)
    if start >= 0:
        return start, start + len(quote)
    match = _tolerant(quote).search(text)
    return (match.start(), match.end()) if match else None


def _before(text: str, start: int) -> str:
    window_start = max(0, start - MAX_SIDE)
    window = text[window_start:start]
    ends = list(_SENTENCE_END.finditer(window))
    if ends:
        return window[ends[-1].end():].lstrip()
    return ("…" if window_start > 0 else "") + window.lstrip()


def _squash(text: str) -> str:
    """Whitespace runs (line breaks of the source file) read as one space."""
    return _SPACE.sub(" ", text)


def _after(text: str, end: int) -> str:
    window = text[end:end + MAX_SIDE]
    found = _SENTENCE_END.search(window)
    if found:
        return window[: found.end()].rstrip()
    return window.rstrip() + ("…" if end + MAX_SIDE < len(text) else "")


def _figure(span: str, value: str, unit: str, qualifier: str) -> list[int] | None:
    """Where in ``span`` the fact's figure is written: a full match first, then the value alone."""
    try:
        figures = find_quantities(span)
    except Exception:  # noqa: BLE001 - a parser bug must not break the report
        return None
    for strictness in (3, 2, 1):
        for q in figures:
            matches = (q.value == value, q.unit == unit, q.qualifier == qualifier)
            if all(matches[:strictness]):
                return [q.start, q.end]
    return None


@lru_cache(maxsize=8192)
def _context(
    text: str, quote: str, value: str, unit: str, qualifier: str
) -> tuple[Any, ...] | None:
    where = _locate(text, quote)
    if where is None:
        return None
    start, end = where
    span = text[start:end]
    before, after = _squash(_before(text, start)), _squash(_after(text, end))
    return (before, span, after, _figure(span, value, unit, qualifier))


def quote_context(
    text: str | None, quote: str, value: str, unit: str, qualifier: str
) -> dict[str, Any] | None:
    """``{"before", "quote", "after", "figure"}`` for a quote found in ``text``, else None.

    ``figure`` is ``[start, end]`` in ``quote`` (the source's own spelling of
    the quote), or None when no figure there has the fact's value.
    """
    if text is None:
        return None
    found = _context(text, quote, value, unit, qualifier)
    if found is None:
        return None
    before, span, after, figure = found
    return {"before": before, "quote": span, "after": after, "figure": figure}
