"""Sentences, clauses and word tokens of a text, with their offsets.

Claims look for their metric, subject and period in their own sentence first;
clauses (cut at commas, semicolons, colons and dashes) tell a cue that belongs
to the figure from one that belongs to its neighbour ("... reached 103.96
billion yuan, and imports and exports reached 4.1 trillion yuan").

Everything here is a single pass of a regular expression over a bounded span:
a sentence longer than :data:`MAX_SENTENCE` characters is cut at a clause
break or a space, so the cost of a draft grows with its length.
"""

from __future__ import annotations

import re
from bisect import bisect_right
from collections.abc import Iterator
from dataclasses import dataclass, field
from functools import lru_cache

__all__ = ["MAX_SENTENCE", "Sentence", "Token", "phrase_key", "sentences", "tokens"]

MAX_SENTENCE = 1500

# words after which a full stop does not end a sentence
_ABBREVIATIONS = {
    "mr",
    "mrs",
    "ms",
    "dr",
    "prof",
    "no",
    "nos",
    "st",
    "co",
    "ltd",
    "inc",
    "corp",
    "dept",
    "gov",
    "gen",
    "jr",
    "sr",
    "vs",
    "etc",
    "approx",
    "fig",
    "art",
    "sec",
    "vol",
    "pp",
    "p",
    "jan",
    "feb",
    "mar",
    "apr",
    "jun",
    "jul",
    "aug",
    "sep",
    "sept",
    "oct",
    "nov",
    "dec",
    "e.g",
    "i.e",
    "u.s",
    "u.k",
    "u.n",
    "a.m",
    "p.m",
    "cf",
    "al",
    "ed",
    "eds",
    "est",
}
_END = re.compile(
    r"[.!?]+[\"'”’)\]]*(?=\s+[\"'“‘(\[]?[A-Z0-9\u4e00-\u9fff])|[。！？；]+[”’」』]*|\n{2,}"
)
_CLAUSE = re.compile(
    r"[;:]\s|,\s(?!(?:19|20)\d\d\b)|\s[\u2013\u2014-]{1,2}\s|[\u2014（）()，；：]|\s\|\s"
)  # not the comma of "September 29, 2013"
_TOKEN = re.compile(r"[\u3400-\u9fff]|[^\W_\u3400-\u9fff]+(?:['’][A-Za-z]{1,2}\b)?")


@dataclass(frozen=True)
class Token:
    start: int
    end: int
    norm: str
    """Lower case, possessive and plural dropped: "FTZs" -> "ftz", "country's" -> "country"."""
    plural: bool = False


@lru_cache(maxsize=65536)
def _norm(word: str) -> str:
    w = word.lower().replace("’", "'")
    if w.endswith("'s"):
        w = w[:-2]
    elif w.endswith("'"):
        w = w[:-1]
    if len(w) >= 8 and w.endswith("ally"):
        return w[:-2]  # "nationally" reads as "national"
    if len(w) > 3 and w.isalpha():
        if w.endswith("ies") and len(w) > 4:
            w = w[:-3] + "y"
        elif w.endswith("s") and not w.endswith(("ss", "us", "is")):
            w = w[:-1]
    return w


def tokens(text: str, start: int = 0, end: int | None = None) -> list[Token]:
    """Word tokens of ``text[start:end]`` (each CJK character is a token)."""
    stop = len(text) if end is None else end
    out = []
    for m in _TOKEN.finditer(text, start, stop):
        word = m.group()
        norm = _norm(word)
        plural = norm != word.lower() and word[-1:] in "sS" and "'" not in word and "’" not in word
        out.append(Token(m.start(), m.end(), norm, plural))
    return out


@lru_cache(maxsize=8192)
def phrase_key(phrase: str) -> tuple[str, ...]:
    """The normalised words of a phrase (an alias), computed once per phrase."""
    return tuple(t.norm for t in tokens(phrase))


@dataclass
class Sentence:
    start: int
    end: int
    block: int
    """Index of the block (paragraph, item, row...) the sentence is in."""
    breaks: list[int] = field(default_factory=list)
    """Offsets of clause breaks inside the sentence, ascending."""

    def clause(self, offset: int) -> int:
        """The index of the clause that holds ``offset`` (0 = first clause)."""
        return bisect_right(self.breaks, offset)

    def clause_bounds(self, offset: int) -> tuple[int, int]:
        """Where the clause that holds ``offset`` starts and ends (a break is in neither)."""
        clause = self.clause(offset)
        lo = self.breaks[clause - 1] + 1 if clause > 0 else self.start
        hi = self.breaks[clause] if clause < len(self.breaks) else self.end
        return lo, hi


def _is_abbreviation(text: str, stop: int) -> bool:
    """True when the full stop at ``stop`` closes an abbreviation or an initial."""
    m = re.search(r"(?<![A-Za-z.])([A-Za-z]+(?:\.[A-Za-z]+)*)$", text[max(0, stop - 12) : stop])
    if m is None:
        return False
    word = m.group(1).lower()
    return word in _ABBREVIATIONS or (len(word) == 1 and text[stop - 1].isupper())


def _cut(start: int, end: int, text: str) -> Iterator[tuple[int, int]]:
    """Spans of at most MAX_SENTENCE characters, cut at a clause break or a space."""
    while end - start > MAX_SENTENCE:
        limit = start + MAX_SENTENCE
        window = text[start + MAX_SENTENCE // 2 : limit]
        cut = max(window.rfind("; "), window.rfind(", "), window.rfind(". "))
        if cut < 0:
            cut = window.rfind(" ")
        stop = start + MAX_SENTENCE // 2 + cut + 1 if cut >= 0 else limit
        yield start, stop
        start = stop
    yield start, end


_LINE_END = re.compile(r"(?<=[A-Za-z0-9%)\]”\"'])[ \t]*\n(?=[ \t]*[A-Z\u4e00-\u9fff])")
_CONTINUES = re.compile(
    r"\b(?:a|an|the|of|in|on|at|to|for|from|by|with|and|or|as|than|its|their|per|into|over)$", re.I
)


def sentences(
    text: str, start: int, end: int, block: int, *, line_breaks: bool = False
) -> list[Sentence]:
    """The sentences of ``text[start:end]`` (leading and trailing space trimmed).

    With ``line_breaks`` (plain text), a line that ends without punctuation before
    a line that starts with a capital ends a sentence too ("... 119.96 sq km" /
    "Wuhan East Lake ..."), unless it ends in a word that needs a continuation.
    """
    out: list[Sentence] = []
    begin = start
    bounds: list[tuple[int, int]] = []
    ends = [m for m in _END.finditer(text, start, end)]
    if line_breaks:
        ends += [
            m
            for m in _LINE_END.finditer(text, start, end)
            if not _CONTINUES.search(text, max(start, m.start() - 8), m.start())
        ]
        ends.sort(key=lambda m: m.start())
    for m in ends:
        if m.start() < begin:
            continue
        if text[m.start()] == "." and _is_abbreviation(text, m.start()):
            continue
        bounds.append((begin, m.end()))
        begin = m.end()
    bounds.append((begin, end))
    for a, b in bounds:
        while a < b and text[a].isspace():
            a += 1
        while b > a and text[b - 1].isspace():
            b -= 1
        if a >= b:
            continue
        for s, e in _cut(a, b, text):
            breaks = [m.start() for m in _CLAUSE.finditer(text, s, e)]
            out.append(Sentence(s, e, block, breaks))
    return out
