"""The machinery every cue reader shares: readings, the cues of a span, and their cost.

A cue's cost is the number of characters between it and the figure, plus a penalty
per clause crossed; cues of earlier sentences, of a table's row and header, and of the
section's heading have fixed costs, always above those of the figure's own sentence.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from functools import cached_property

from factlint.claims.drafts import Block, Draft
from factlint.claims.lexicon import Cue, Lexicon
from factlint.claims.periods import PeriodCue, period_cues
from factlint.claims.sentences import Sentence, Token, tokens
from factlint.quantity import WORD_NUMBERS, Quantity

__all__ = ["Context", "Cues", "Earlier", "Own", "Reading", "Resolution", "ResolverBase", "inside"]

CONJUNCTION = re.compile(r"[,;:]?\s*(?:and|but|while|whereas|or)\b", re.I)
LIST_GAP = re.compile(r"\s*(?:,|and|,\s*and|、|和)\s*", re.I)

# what a fallback costs: a cue in the figure's sentence always wins over these
_TABLE_COST = {"row": 40, "header": 60, "corner": 70}
EARLIER_SENTENCE = 3000
_EARLIER_BLOCK = 5000
_HEADING = 7000
_MAX_BLOCKS_BACK = 6
_MAX_SENTENCES_BACK = 40
EVENT_WORDS = {
    "new",
    "added",
    "approved",
    "opened",
    "launched",
    "established",
    "inaugurated",
    "unveiled",
    "created",
    "founded",
    "announced",
    "approve",
    "open",
    "launch",
    "establish",
    "add",
}
NUMBER_WORDS = frozenset(WORD_NUMBERS)
# a figure in digits or a number word up to ten (a clause's own figure)
_DIGITS_OR_UP_TO_TEN = re.compile(
    r"\d|\b(?:" + "|".join(w for w, n in WORD_NUMBERS.items() if n <= 10) + r")\b", re.I
)


@dataclass(frozen=True)
class Reading:
    """One way of reading a figure: what it measures, of what, when."""

    metric: str | None
    subject: str | None
    period: str | None
    first: dt.date | None = None
    last: dt.date | None = None
    instant: bool = False
    inferred: str | None = None
    """"subject" or "metric" when the draft leaves it open and the fact base fills it in."""
    current: bool = False
    """The period is "now" (the as-of date): "to date", "so far", or no period for a stock."""


@dataclass
class Resolution:
    """The candidate metrics, subjects and period of one figure, and how they were found."""

    dimension: str | None
    factor: float | None
    relation: str  # "share", "growth", "count", "amount" or "ratio"
    metrics: list[str]
    subjects: list[str]
    period: PeriodCue | None
    period_note: str | None = None
    alternatives: list[str] = field(default_factory=list)
    """Other subject candidates, nearest first: tried when the chosen one has no facts."""
    subject_named: bool = False
    """The subject is written out in the figure's sentence (an alias, not a guess)."""
    metric_named: bool = True
    """False when the metric is not written out near the figure (read from an earlier
    sentence, from the words of an alias, from the noun counted, or left open)."""

    def readings(self) -> list[Reading]:
        p = self.period
        period = p.period if p else None
        first, last, instant = (p.first, p.last, p.instant) if p else (None, None, False)
        current = bool(p and p.now)
        metrics: list[str | None] = list(self.metrics) or [None]
        subjects: list[str | None] = list(self.subjects) or [None]
        return [
            Reading(m, s, period, first, last, instant, current=current)
            for m in metrics
            for s in subjects
        ]


class Cues:
    """The cues of one span, each kind read when first asked for."""

    def __init__(self, resolver: ResolverBase, start: int, end: int) -> None:
        self._resolver = resolver
        self._span = (start, end)

    @cached_property
    def toks(self) -> list[Token]:
        return tokens(self._resolver.text, *self._span)

    @cached_property
    def entities(self) -> list[Cue]:
        return self._resolver.lexicon.entity_cues(self.toks)

    @cached_property
    def metrics(self) -> list[Cue]:
        toks, entities = self.toks, self.entities
        # "Yunnan Pilot Free Trade Zone" names an entity, not "pilot free trade zones"
        return [
            m
            for m in self._resolver.lexicon.metric_cues(toks)
            if not any(ResolverBase._names_inside(e, m, toks) for e in entities)
        ]

    @cached_property
    def periods(self) -> list[PeriodCue]:
        return period_cues(self._resolver.text, *self._span, self._resolver.ctx.as_of)


# (cues of a span, base cost or None for the figure's own sentence, that sentence)
Own = tuple[Cues, int | None, Sentence | None]


@dataclass
class Context:
    """Sentences of a draft, in order, with the block each belongs to."""

    draft: Draft
    sentences: list[Sentence]
    as_of: dt.date | None


class Earlier:
    """Earlier sentences as (index, cues, cost), their cues computed only when read."""

    def __init__(self, resolver: ResolverBase, at: list[tuple[int, int]]) -> None:
        self.resolver = resolver
        self.at = at

    def __iter__(self) -> Iterator[tuple[int, Cues, int]]:
        sentences = self.resolver.ctx.sentences
        for j, cost in self.at:
            yield j, self.resolver.cues(sentences[j].start, sentences[j].end), cost


def inside(a: int, b: int, figure: Quantity) -> bool:
    """The span a..b lies within the figure's own text."""
    return figure.start <= a and b <= figure.end


class ResolverBase:
    """What every reader of cues shares: the draft, the lexicon, each span's cues (computed
    once, when first asked for), and the cost of a cue's distance from a figure.

    ``self_naming``: accept an entity alias that holds the figure itself ("six new pilot
    FTZs" names the 2019 batch). Extraction wants that; a check must not, or a wrong count
    ("seven new pilot FTZs" in 2019) would name another batch and agree with it.
    """

    def __init__(self, context: Context, lexicon: Lexicon, *, self_naming: bool = False) -> None:
        self.ctx = context
        self.lexicon = lexicon
        self.text = context.draft.text
        self.self_naming = self_naming
        self._cues: dict[tuple[int, int], Cues] = {}
        self._said: dict[int, list[str]] = {}
        """Sentence index -> the subjects its first figure was read as (what it talks about)."""

    # -- cues of a span ------------------------------------------------------------

    def cues(self, start: int, end: int) -> Cues:
        key = (start, end)
        found = self._cues.get(key)
        if found is None:
            found = Cues(self, start, end)
            if len(self._cues) > 4096:
                self._cues.clear()
            self._cues[key] = found
        return found

    @staticmethod
    def _names_inside(entity: Cue, metric: Cue, toks: list[Token]) -> bool:
        """A metric alias inside an entity's name ("Yunnan Pilot Free Trade Zone") is part of the
        name; inside a counted phrase ("seven new free trade zones") it is still the metric."""
        if not (entity.first <= metric.first and metric.last <= entity.last):
            return False
        if entity.last - entity.first == metric.last - metric.first:
            return False
        extra = [t.norm for t in toks[entity.first : metric.first]]
        return not any(w.isdigit() or w in NUMBER_WORDS for w in extra)

    def _own(self, index: int, figure: Quantity) -> list[Own]:
        sentence = self.ctx.sentences[index]
        block = self.ctx.draft.blocks[sentence.block]
        if block.kind == "row" and block.cells:
            return [
                (self.cues(a, b), base, sentence if base is None else None)
                for a, b, base in self._table_spans(block, figure)
            ]
        return [(self.cues(sentence.start, sentence.end), None, sentence)]

    @staticmethod
    def _table_spans(block: Block, figure: Quantity) -> list[tuple[int, int, int | None]]:
        column = next((j for j, (a, b) in enumerate(block.cells) if a <= figure.start < b), None)
        if column is None:
            return [(block.start, block.end, None)]
        spans: list[tuple[int, int, int | None]] = [(*block.cells[column], None)]
        if column > 0:
            spans.append((*block.cells[0], _TABLE_COST["row"]))
        if column < len(block.header):
            spans.append((*block.header[column], _TABLE_COST["header"]))
        if column > 0 and block.header:
            spans.append((*block.header[0], _TABLE_COST["corner"]))  # "Indicator (2022)"
        return spans

    def _earlier(self, index: int) -> list[tuple[int, int]]:
        """(sentence index, cost) of earlier sentences: the paragraph's, then earlier blocks
        back to the section's heading, nearest first."""
        sentences = self.ctx.sentences
        blocks = self.ctx.draft.blocks
        here = sentences[index].block
        out: list[tuple[int, int]] = []
        j = index - 1
        while j >= 0 and sentences[j].block == here and len(out) < _MAX_SENTENCES_BACK:
            out.append((j, EARLIER_SENTENCE + 10 * len(out)))
            j -= 1
        if blocks[here].kind == "heading":
            return out
        while j >= 0 and len(out) < _MAX_SENTENCES_BACK:
            block = sentences[j].block
            if blocks[block].kind == "heading":
                out.append((j, _HEADING))
                break
            back = here - block
            if back > _MAX_BLOCKS_BACK:
                break
            out.append((j, _EARLIER_BLOCK + 100 * back + len(out)))
            j -= 1
        return out

    def _cost(
        self,
        cue_start: int,
        cue_end: int,
        figure: Quantity,
        sentence: Sentence | None,
        base: int | None,
    ) -> int:
        """Characters between cue and figure, plus 500 per clause crossed going back (1500
        forward). A cue in the figure's own sentence before it always beats an earlier sentence."""
        if base is not None:
            return base
        if cue_end <= figure.start:
            distance, before = figure.start - cue_end, True
        elif cue_start >= figure.end:
            distance, before = cue_start - figure.end, False
        else:
            return 0
        if sentence is None:
            return distance
        clauses = abs(sentence.clause(cue_start) - sentence.clause(figure.start))
        if before:
            return min(distance + 500 * clauses, EARLIER_SENTENCE - 100)
        return distance + 1500 * clauses

    def _across_conjunction(self, cue_start: int, figure: Quantity, sentence: Sentence) -> bool:
        """Is the cue before a clause that "and", "while"... opens, with a figure of its own, that
        holds the figure ("three zones followed, and in 2017 seven more opened")?"""
        here, there = sentence.clause(figure.start), sentence.clause(cue_start)
        for k in range(there + 1, here + 1):
            end = sentence.breaks[k] if k < len(sentence.breaks) else sentence.end
            if CONJUNCTION.match(
                self.text, sentence.breaks[k - 1], end
            ) and _DIGITS_OR_UP_TO_TEN.search(self.text, sentence.breaks[k - 1], end):
                return True
        return False

    def _list_of(self, figure: Quantity, siblings: Sequence[Quantity]) -> list[Quantity]:
        """The run of figures with the figure's unit joined by commas and "and"."""
        same = sorted((q for q in siblings if q.unit == figure.unit), key=lambda q: q.start)
        if figure not in same:
            same = sorted([*same, figure], key=lambda q: q.start)
        k = same.index(figure)
        lo = hi = k
        while lo > 0 and LIST_GAP.fullmatch(self.text, same[lo - 1].end, same[lo].start):
            lo -= 1
        while hi + 1 < len(same) and LIST_GAP.fullmatch(
            self.text, same[hi].end, same[hi + 1].start
        ):
            hi += 1
        return same[lo : hi + 1]

    def _own_clause_after(self, figure: Quantity, at: int, sentence: Sentence) -> bool:
        """A cue in a later clause that a conjunction opens belongs to that clause."""
        here, there = sentence.clause(figure.start), sentence.clause(at)
        if there <= here:
            return False
        opening = self.text[sentence.breaks[there - 1] : at]
        return bool(CONJUNCTION.match(opening))
