"""What a figure in a draft is about: its metric, subject and period, from the words around it.

Cues are looked for in the figure's own sentence first, nearest first, and a
cue in the same clause beats one across a comma; then in the sentences before
it in the paragraph, then in the paragraphs before it up to the section's
heading. A table cell also reads its row's first cell and its column's header.

* **Metric.** Only metrics of the figure's dimension are candidates (a
  percentage is never an amount in yuan). A percentage is read as a *share*
  when it is a share of something ("20.8% of the country's foreign
  investment", "accounting for 18.1%"), as a *growth* when it rises or falls
  ("up 6.3% year on year"); the share or growth metric is then the one whose
  own aliases, or whose base metric's aliases, are named nearest, so "20.8% of
  national imports and exports" is a share of imports and exports whatever
  else the sentence says. "X and Y ..., respectively" pairs figures and
  metrics in order. A count also reads the noun it counts ("22 pilot FTZs"),
  and "the total" turns a batch count into the running total.
* **Subject.** The entity named before the figure, nearest first, or the thing
  a count counts; an of-phrase after a figure ("of the country's total") is
  what a share is taken of, never the subject; then what the paragraph was
  about (the subject of the figures before, or the most specific entity an
  earlier sentence names); then an entity named after the figure.
* **Period.** A period cue nearest the figure ("throughout the year" takes the
  year named before it); then an earlier sentence's; then, for a stock, the
  as-of date. A flow without a period stays without.
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
from factlint.claims.sentences import Sentence, Token, phrase_key, tokens
from factlint.quantity import Quantity

__all__ = ["Context", "Reading", "Resolution", "Resolver"]

_SHARE_AFTER = re.compile(r"\s*of\b(?!\s+(?:growth|increase|decrease|which|them|it)\b)", re.I)
_SHARE_WORDS = re.compile(
    r"\b(?:account(?:ed|ing|s)?\s+for|share|proportion|contribut\w*|made\s+up|make[s]?\s+up"
    r"|represent(?:ed|ing|s)?|equivalent\s+to|equal\s+to|fraction)\b",
    re.I,
)
_LEVEL_BEFORE = re.compile(r"\b(?:from|to)\s+(?:about\s+|around\s+|nearly\s+)?$", re.I)
_GROWTH_WORDS = re.compile(
    r"\b(?:year[\s-]on[\s-]year|y-o-y|yoy|growth|grew|grow(?:s|ing)?|increas\w*|rose|rise[sn]?"
    r"|rising|(?<!made\s)(?<!make\s)(?<!set\s)up(?!\s+to\b)|down|declin\w*|fell|fall(?:s|ing|en)?"
    r"|drop\w*|decreas\w*|expand\w*|jump\w*|surg\w*|climb\w*|gain\w*|slid|slump\w*|plung\w*"
    r"|shr[ai]nk\w*|contract(?:ed|ion)|dip\w*"
    r"|(?:than|from|over|on)\s+(?:a|the)\s+(?:year|period)\s+(?:earlier|before|ago))\b",
    re.I,
)
# a change word right at the figure: "rose 5%", "up 5%", "a 5% increase", "5% year on year"
_GROWTH_BEFORE = re.compile(
    r"\b(?:grew|grow(?:s|ing)?|rose|rise[sn]?|rising|up|down|fell|fall(?:s|ing|en)?|drop(?:ped|s)?"
    r"|declin\w*|increas\w*|decreas\w*|expand\w*|jump\w*|surg\w*|climb\w*|gain\w*|slid"
    r"|slump\w*|plung\w*|shr[ai]nk\w*|dip\w*|growth|change)(?:\s+(?:of|by|about|nearly|some|over))?"
    r"\s*(?:a\s+)?$",
    re.I,
)
_GROWTH_AFTER = re.compile(
    r"\s*(?:more|less|higher|lower|year[\s-]on[\s-]year|y-o-y|yoy|growth|increase|decrease"
    r"|decline|drop|rise|gain|jump|fall|on\s+(?:a|the)\s+year)\b",
    re.I,
)
_HOST_WORDS = re.compile(
    r"\b(?:where\s+they\s+are\s+located|host(?:ing)?\s+(?:province|region)s?|their\s+(?:own\s+)?"
    r"(?:province|region)s?|local|provincial)\b",
    re.I,
)
_TOTAL_WORDS = re.compile(r"\b(?:total|in\s+all|altogether|so\s+far|to\s+date|overall)\b", re.I)
_CONJUNCTION = re.compile(r"[,;:]?\s*(?:and|but|while|whereas|or)\b", re.I)
_RESPECTIVELY = re.compile(r"\brespectively\b", re.I)
_LIST_GAP = re.compile(r"\s*(?:,|and|,\s*and|、|和)\s*", re.I)
_PRONOUN = re.compile(r"\b(?:it|its)\b", re.I)
# after a figure, an entity behind these words is where the figure happens ("in the pilot FTZs")
_SUBJECT_PREPOSITIONS = {
    "in",
    "by",
    "for",
    "across",
    "into",
    "among",
    "within",
    "inside",
    "throughout",
}
_SKIP_WORDS = {"the", "a", "an", "its", "their", "all", "these", "those", "each"}
_NEAR = 60  # characters around a figure where relation words count

# what a fallback costs: a cue in the figure's sentence always wins over these
_TABLE_COST = {"row": 40, "header": 60, "corner": 70}
_EARLIER_SENTENCE = 3000
_AFTER_SUBJECT = 4000  # an entity after the figure, behind "in", "by"...
_EARLIER_BLOCK = 5000
_AFTER_OBJECT = 6000  # an entity after the figure behind another word ("at the national level")
_HEADING = 7000
_MAX_BLOCKS_BACK = 6
_MAX_SENTENCES_BACK = 40
_ALTERNATIVES = 4
_EVENT_WORDS = {
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
_ADJACENT = 3  # a metric alias this close after a count is the noun it counts
_FLOW_BLOCKS_BACK = 2  # a flow's period may come from the paragraph before
_DATE_STOPWORDS = {"on", "the", "of", "a", "an", "set", "up", "new", "list", "for", "in", "to"}
_NUMBER_WORDS = {
    "one",
    "two",
    "three",
    "four",
    "five",
    "six",
    "seven",
    "eight",
    "nine",
    "ten",
    "eleven",
    "twelve",
    "thirteen",
    "fourteen",
    "fifteen",
    "sixteen",
    "seventeen",
    "eighteen",
    "nineteen",
    "twenty",
}


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
    notes: list[str] = field(default_factory=list)
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


class _Cues:
    """The cues of one span, each kind read when first asked for."""

    def __init__(self, resolver: Resolver, start: int, end: int) -> None:
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
            if not any(Resolver._names_inside(e, m, toks) for e in entities)
        ]

    @cached_property
    def periods(self) -> list[PeriodCue]:
        return period_cues(self._resolver.text, *self._span, self._resolver.ctx.as_of)


# (cues of a span, base cost or None for the figure's own sentence, that sentence)
_Own = tuple[_Cues, int | None, Sentence | None]


@dataclass
class Context:
    """Sentences of a draft, in order, with the block each belongs to."""

    draft: Draft
    sentences: list[Sentence]
    as_of: dt.date | None


class _Earlier:
    """Earlier sentences as (index, cues, cost), their cues computed only when read."""

    def __init__(self, resolver: Resolver, at: list[tuple[int, int]]) -> None:
        self.resolver = resolver
        self.at = at

    def __iter__(self) -> Iterator[tuple[int, _Cues, int]]:
        sentences = self.resolver.ctx.sentences
        for j, cost in self.at:
            yield j, self.resolver.cues(sentences[j].start, sentences[j].end), cost


def _inside(a: int, b: int, figure: Quantity) -> bool:
    """The span a..b lies within the figure's own text."""
    return figure.start <= a and b <= figure.end


class Resolver:
    """Resolve the figures of one draft; each sentence's cues are computed once, when needed.

    ``self_naming``: accept an entity alias that holds the figure itself ("six new pilot
    FTZs" names the 2019 batch). Extraction wants that; a check must not, or a wrong count
    ("seven new pilot FTZs" in 2019) would name another batch and agree with it.
    """

    def __init__(self, context: Context, lexicon: Lexicon, *, self_naming: bool = False) -> None:
        self.ctx = context
        self.lexicon = lexicon
        self.text = context.draft.text
        self.self_naming = self_naming
        self._cues: dict[tuple[int, int], _Cues] = {}
        self._all_wholes = {m.share.of for m in lexicon.registries.metrics.values() if m.share}
        self._said: dict[int, list[str]] = {}
        """Sentence index -> the subjects its first figure was read as (what it talks about)."""

    # -- cues of a span ------------------------------------------------------------

    def cues(self, start: int, end: int) -> _Cues:
        key = (start, end)
        found = self._cues.get(key)
        if found is None:
            found = _Cues(self, start, end)
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
        return not any(w.isdigit() or w in _NUMBER_WORDS for w in extra)

    def _own(self, index: int, figure: Quantity) -> list[_Own]:
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
            out.append((j, _EARLIER_SENTENCE + 10 * len(out)))
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

    # -- one figure -------------------------------------------------------------------

    def resolve(
        self, index: int, figure: Quantity, siblings: Sequence[Quantity] = ()
    ) -> Resolution:
        """Metric, subject and period candidates of ``figure`` in sentence ``index``.

        ``siblings``: the other figures of the sentence, for "..., respectively".
        """
        info = self.lexicon.unit(figure.unit)
        dimension, factor = info if info else (None, None)
        sentence = self.ctx.sentences[index]
        own = self._own(index, figure)
        sentences = self.ctx.sentences
        earlier_at = self._earlier(index)
        earlier = _Earlier(self, earlier_at)
        relation = self._relation(figure, sentence, dimension, siblings)
        same_block = _Earlier(
            self, [(j, cost) for j, cost in earlier_at if sentences[j].block == sentence.block]
        )
        metrics, named = self._metrics(figure, relation, dimension, own, same_block, siblings)
        subjects, alternatives, subject_named = self._subjects(
            figure, own, earlier, self._wholes(metrics), counting=dimension == "count"
        )
        if subjects:
            self._said.setdefault(index, subjects)
        period, note = self._period(index, figure, own, earlier, metrics, subjects, siblings)
        return Resolution(
            dimension,
            factor,
            relation,
            metrics,
            subjects,
            period,
            note,
            metric_named=named,
            alternatives=alternatives,
            subject_named=subject_named,
        )

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
            return min(distance + 500 * clauses, _EARLIER_SENTENCE - 100)
        return distance + 1500 * clauses

    def _across_conjunction(self, cue_start: int, figure: Quantity, sentence: Sentence) -> bool:
        """Is the cue before a clause that "and", "while"... opens, with a figure of its own, that
        holds the figure ("three zones followed, and in 2017 seven more opened")?"""
        here, there = sentence.clause(figure.start), sentence.clause(cue_start)
        for k in range(there + 1, here + 1):
            end = sentence.breaks[k] if k < len(sentence.breaks) else sentence.end
            if _CONJUNCTION.match(self.text, sentence.breaks[k - 1], end) and re.search(
                r"\d|\b(?:one|two|three|four|five|six|seven|eight|nine|ten)\b",
                self.text[sentence.breaks[k - 1] : end],
                re.I,
            ):
                return True
        return False

    # -- relation -----------------------------------------------------------------------

    def _clause_bounds(self, figure: Quantity, sentence: Sentence) -> tuple[int, int]:
        clause = sentence.clause(figure.start)
        lo = sentence.breaks[clause - 1] + 1 if clause > 0 else sentence.start
        hi = sentence.breaks[clause] if clause < len(sentence.breaks) else sentence.end
        return lo, hi

    def _relation(
        self,
        figure: Quantity,
        sentence: Sentence,
        dimension: str | None,
        siblings: Sequence[Quantity] = (),
    ) -> str:
        """share, growth or a plain ratio for a percentage; count or amount otherwise.

        In a list ("5.8% and 10.8% of ...") every figure reads as the last one does; a figure
        after "from" or "to" ("rose from 18.1% to 20.8%") is a level, not the change.
        """
        if dimension != "ratio":
            return "count" if dimension == "count" else "amount"
        group = self._list_of(figure, siblings) if siblings else [figure]
        last = group[-1]
        lo, hi = self._clause_bounds(figure, sentence)
        lo, hi = max(lo, figure.start - _NEAR), min(hi, last.end + _NEAR)
        if _SHARE_AFTER.match(self.text, last.end, sentence.end):
            return "share"
        negative = figure.value.startswith("-")
        level = _LEVEL_BEFORE.search(
            self.text, max(sentence.start, figure.start - 12), figure.start
        )
        near_before = _GROWTH_BEFORE.search(
            self.text, max(sentence.start, figure.start - 30), figure.start
        )
        near_after = _GROWTH_AFTER.match(self.text, last.end, sentence.end)
        if negative or ((near_before or near_after) and not level):
            return "growth"
        _, clause_hi = self._clause_bounds(figure, sentence)
        if _SHARE_WORDS.search(self.text, sentence.start, max(clause_hi, last.end)):
            return "share"  # "their share of national trade was lower, at 18.5%"
        if _GROWTH_WORDS.search(self.text, lo, hi) and not level:
            return "growth"
        return "ratio"

    # -- metric -----------------------------------------------------------------------------

    def _metric_pool(self, relation: str, dimension: str | None) -> dict[str, set[str]]:
        """Candidate metric -> the metric ids whose aliases name it (itself, or its base)."""
        pool: dict[str, set[str]] = {}
        for m in self.lexicon.registries.metrics.values():
            if dimension is None or m.dimension != dimension:
                continue
            if relation == "share" and m.share:
                pool[m.id] = {m.id, m.share.numerator}
            elif relation == "growth" and m.growth:
                pool[m.id] = {m.id, m.growth.of}
            elif relation not in ("share", "growth") and not m.share and not m.growth:
                pool[m.id] = {m.id}
        return pool

    def _metrics(
        self,
        figure: Quantity,
        relation: str,
        dimension: str | None,
        own: list[_Own],
        earlier: _Earlier,
        siblings: Sequence[Quantity],
    ) -> tuple[list[str], bool]:
        """Candidate metrics, and whether the figure's own sentence names them outright."""
        pool = self._metric_pool(relation, dimension)
        if relation in ("share", "growth") and not pool:
            pool = self._metric_pool("ratio", dimension)
        if not pool:
            return [], False
        of_entity = self._of_entity(figure, own) if relation == "share" else None
        paired = self._respectively(figure, own, pool, siblings)
        if paired:
            return [paired], True
        in_clause = self._names_a_metric(figure, own)
        best = self._cue_costs(figure, relation, pool, list(own), of_entity)
        if relation == "count" and not any(c <= _ADJACENT for c in best.values()):
            # "about 1,200 provincial-level powers": the noun counted, or the words of an alias
            # in the clause, beat a metric named further away
            counted = self._counted_or_fuzzy(figure, own, pool)
            if counted:
                return counted, True
        if not in_clause:
            # no alias in the figure's clause: words of an alias there, then an alias elsewhere
            # in the sentence, then words of an alias in the sentence, then earlier sentences
            fuzzy = self._fuzzy_metric(figure, own, pool, relation, of_entity, clause_only=True)
            if not fuzzy and not best:
                fuzzy = self._fuzzy_metric(
                    figure, own, pool, relation, of_entity, clause_only=False
                )
            if fuzzy:
                if relation == "count":
                    fuzzy = self._running_total(figure, own, fuzzy, pool)
                return fuzzy, False
            if not best:
                best = self._cue_costs(
                    figure, relation, pool, [(c, cost, None) for _, c, cost in earlier], of_entity
                )
        if not best and relation == "share":
            return self._metrics(figure, "ratio", dimension, own, earlier, ())
        if not best and relation == "count":
            return self._counted_metric(figure, own, pool), False
        if not best and dimension == "date":
            return self._event_metric(figure, own, pool), False
        if not best:
            return [], False
        low = min(best.values())
        chosen = sorted(m for m, c in best.items() if c == low)
        if relation == "count":
            chosen = self._running_total(figure, own, chosen, pool)
        return chosen, low < _EARLIER_SENTENCE

    def _cue_costs(
        self,
        figure: Quantity,
        relation: str,
        pool: dict[str, set[str]],
        sources: list[_Own],
        of_entity: str | None,
    ) -> dict[str, int]:
        """Cost of the nearest cue of each candidate metric in ``sources``."""
        best: dict[str, int] = {}
        for cues, base, sentence in sources:
            for cue in cues.metrics:
                if _inside(cue.start, cue.end, figure):
                    continue  # the figure's own words
                if sentence is not None and self._own_clause_after(figure, cue.start, sentence):
                    continue  # "..., while Jiangsu and Hebei each cover 119.97 sq km"
                for metric_id, names in pool.items():
                    hit = [i for i in cue.ids if i in names]
                    if not hit:
                        continue
                    cost = self._cost(cue.start, cue.end, figure, sentence, base)
                    cost += 0 if metric_id in hit else 5  # named through its base metric
                    if relation == "share" and cue.end <= figure.start and base is None:
                        cost += 50  # "X% of <what>": what follows names the share
                    if metric_id not in best or cost < best[metric_id]:
                        best[metric_id] = cost
        return self._share_filter(best, of_entity) if relation == "share" else best

    def _fuzzy_metric(
        self,
        figure: Quantity,
        own: list[_Own],
        pool: dict[str, set[str]],
        relation: str,
        of_entity: str | None,
        *,
        clause_only: bool,
    ) -> list[str]:
        """The metric most of whose alias words the figure's clause (or sentence) uses."""
        cues, base, sentence = own[0]
        toks = [t for t in cues.toks if not _inside(t.start, t.end, figure)]
        if clause_only:
            if sentence is None:
                return []
            lo, hi = self._clause_bounds(figure, sentence)
            toks = [t for t in toks if lo <= t.start < hi]
        named = {n for names in pool.values() for n in names}
        scores = self.lexicon.fuzzy_metrics(toks, named)
        if not scores:
            return []
        rank = {
            m: max(scores[n] for n in names if n in scores)
            for m, names in pool.items()
            if any(n in scores for n in names)
        }
        top = max(rank.values())
        best = {m: 0 for m, r in rank.items() if r == top}
        if relation == "share":
            best = self._share_filter(best, of_entity)
        if not best:
            return []
        low = min(best.values())
        return sorted(m for m, c in best.items() if c == low)

    @staticmethod
    def _names_a_metric(figure: Quantity, own: list[_Own]) -> bool:
        """Does the figure's own clause name some metric (even one of another kind)?"""
        cues, _, sentence = own[0]
        if sentence is None:
            return any(not _inside(c.start, c.end, figure) for c in cues.metrics)
        clause = sentence.clause(figure.start)
        return any(
            sentence.clause(c.start) == clause and not _inside(c.start, c.end, figure)
            for c in cues.metrics
        )

    def _respectively(
        self,
        figure: Quantity,
        own: list[_Own],
        pool: dict[str, set[str]],
        siblings: Sequence[Quantity],
    ) -> str | None:
        """ "13.11 billion of foreign capital and 660.76 billion of trade, accounting for 5.8% and
        10.8% ..., respectively": the k-th figure of the list takes the k-th metric named."""
        cues, base, sentence = own[0]
        if sentence is None or not siblings:
            return None
        if not _RESPECTIVELY.search(self.text, figure.end, sentence.end):
            return None
        group = self._list_of(figure, siblings)
        if len(group) < 2:
            return None
        of_entity = self._of_entity(figure, own)
        named: list[str] = []
        for cue in cues.metrics:
            if cue.end > group[0].start:
                break
            hits = {m: 0 for m, names in pool.items() if any(i in names for i in cue.ids)}
            if self.lexicon.registries.metrics and any(
                self.lexicon.registries.metrics[m].share for m in hits
            ):
                hits = self._share_filter(hits, of_entity)
                low = min(hits.values(), default=0)
                hits = {m: c for m, c in hits.items() if c == low}
            if len(hits) == 1:
                only = next(iter(hits))
                if only not in named:
                    named.append(only)
        order = [q.start for q in group]
        if len(named) != len(group) or figure.start not in order:
            return None
        return named[order.index(figure.start)]

    def _list_of(self, figure: Quantity, siblings: Sequence[Quantity]) -> list[Quantity]:
        """The run of figures with the figure's unit joined by commas and "and"."""
        same = sorted((q for q in siblings if q.unit == figure.unit), key=lambda q: q.start)
        if figure not in same:
            same = sorted([*same, figure], key=lambda q: q.start)
        k = same.index(figure)
        lo = hi = k
        while lo > 0 and _LIST_GAP.fullmatch(self.text, same[lo - 1].end, same[lo].start):
            lo -= 1
        while hi + 1 < len(same) and _LIST_GAP.fullmatch(
            self.text, same[hi].end, same[hi + 1].start
        ):
            hi += 1
        return same[lo : hi + 1]

    def _of_entity(self, figure: Quantity, own: list[_Own]) -> str | None:
        """What a share is taken of: an entity some share metric is "of", or ``host``."""
        cues, _, sentence = own[0]
        if sentence is None:
            return None
        # the of-phrase may hold commas ("of the provinces, autonomous regions and ...")
        end = min(sentence.end, figure.end + 150)
        wholes = {m.share.of for m in self.lexicon.registries.metrics.values() if m.share}
        for cue in cues.entities:
            if figure.end <= cue.start < end and cue.ids[0] in wholes:
                return cue.ids[0]
        if _HOST_WORDS.search(self.text, figure.end, end):
            return "host"
        return None

    def _share_filter(self, best: dict[str, int], of_entity: str | None) -> dict[str, int]:
        metrics = self.lexicon.registries.metrics
        out = {}
        for metric_id, cost in best.items():
            share = metrics[metric_id].share
            if share is None:
                continue
            if of_entity is not None and share.of != of_entity:
                continue
            if of_entity is None and share.of == "host":
                cost += 50  # without "where they are located", a share is of the whole
            out[metric_id] = cost
        return out

    def _phrase_after(self, figure: Quantity, toks: list[Token], size: int = 4) -> list[Token]:
        """The words right after a figure, up to punctuation: the noun it counts."""
        phrase: list[Token] = []
        for tok in (t for t in toks if t.start >= figure.end):
            gap = self.text[(phrase[-1].end if phrase else figure.end) : tok.start]
            if len(phrase) >= size or re.search(r"[,;:.()]", gap):
                break
            phrase.append(tok)
        return phrase

    def _counted_metric(
        self,
        figure: Quantity,
        own: list[_Own],
        pool: dict[str, set[str]],
        *,
        after_only: bool = False,
    ) -> list[str]:
        """ "six new zones": the metrics whose aliases end in the counted noun."""
        phrase = self._phrase_after(figure, own[0][0].toks)
        scores = self.lexicon.metric_heads(phrase, set(pool))
        sentence = own[0][2]
        if after_only:
            return self._running_total(figure, own, self._best_heads(figure, own, scores), pool)
        if not scores and sentence is not None:
            lo, _ = self._clause_bounds(figure, sentence)
            before = [t for t in own[0][0].toks if lo <= t.start and t.end <= figure.start]
            scores = {
                m: s for m, s in self.lexicon.metric_heads(before, set(pool)).items() if s[0] >= 2
            }
        return self._running_total(figure, own, self._best_heads(figure, own, scores), pool)

    def _counted_or_fuzzy(
        self, figure: Quantity, own: list[_Own], pool: dict[str, set[str]]
    ) -> list[str]:
        """The counted noun's metrics; the clause's alias words only when they share more words
        ("485 institutional innovations ... rolled out nationwide")."""
        phrase = self._phrase_after(figure, own[0][0].toks)
        scores = dict(self.lexicon.metric_heads(phrase, set(pool)))
        cues, _, sentence = own[0]
        if sentence is not None:
            lo, hi = self._clause_bounds(figure, sentence)
            toks = [
                t for t in cues.toks if lo <= t.start < hi and not _inside(t.start, t.end, figure)
            ]
            fuzzy = self.lexicon.fuzzy_metrics(toks, set(pool))
            counted = max((shared for shared, _ in scores.values()), default=0)
            if fuzzy and max(shared for shared, _ in fuzzy.values()) > counted:
                scores = fuzzy
        return self._running_total(figure, own, self._best_heads(figure, own, scores), pool)

    def _best_heads(
        self, figure: Quantity, own: list[_Own], scores: dict[str, tuple[int, int]]
    ) -> list[str]:
        """The best-fitting counted-noun metrics. "22 zones" fits the plainest alias (the zones
        so far); next to an event word ("six zones were approved", "new") every metric that
        shares as many words stays a reading (the zones of one batch, or all of them)."""
        if not scores:
            return []
        top = max(shared for shared, _ in scores.values())
        tied = {m: extra for m, (shared, extra) in scores.items() if shared == top}
        if len(tied) > 1 and re.match(r"\s+more\b", self.text[figure.end : figure.end + 6]):
            metrics = self.lexicon.registries.metrics
            added = {m: e for m, e in tied.items() if not metrics[m].cumulative}
            tied = added or tied  # "six more zones", "seven more opened": the zones added
        elif len(tied) > 1 and not self._event_words_near(figure, own):
            fewest = max(tied.values())
            tied = {m: e for m, e in tied.items() if e == fewest}
        return sorted(tied)

    def _event_words_near(self, figure: Quantity, own: list[_Own]) -> bool:
        cues, _, sentence = own[0]
        if sentence is None:
            return False
        lo, hi = self._clause_bounds(figure, sentence)
        words = {t.norm for t in cues.toks if lo <= t.start < hi}
        return bool(words & _EVENT_WORDS)

    def _running_total(
        self, figure: Quantity, own: list[_Own], chosen: list[str], pool: dict[str, set[str]]
    ) -> list[str]:
        """ "bringing the total to 11": a count of the same things that only grows."""
        cues, _, sentence = own[0]
        if sentence is None:
            return chosen
        lo, hi = self._clause_bounds(figure, sentence)
        if not _TOTAL_WORDS.search(self.text, lo, hi):
            return chosen
        metrics = self.lexicon.registries.metrics
        if all(metrics[m].cumulative for m in chosen):
            return chosen
        heads = {self._head(a) for m in chosen for a in metrics[m].aliases}
        totals = sorted(
            m
            for m in pool
            if metrics[m].cumulative and any(self._head(a) in heads for a in metrics[m].aliases)
        )
        return totals or chosen

    @staticmethod
    def _head(alias: str) -> str:
        key = phrase_key(alias)
        return key[-1] if key else ""

    def _event_metric(
        self, figure: Quantity, own: list[_Own], pool: dict[str, set[str]]
    ) -> list[str]:
        """A date with no alias nearby: the event metric whose alias words the clause uses
        ("launched the ... zone on Sept 29, 2013" -> launched_on)."""
        words = {t.norm for t in own[0][0].toks}
        found: dict[str, int] = {}
        for metric_id in pool:
            for alias in self.lexicon.registries.metrics[metric_id].aliases:
                hits = set(phrase_key(alias)) - _DATE_STOPWORDS
                if hits & words:
                    found[metric_id] = max(found.get(metric_id, 0), len(hits & words))
        if not found:
            return []
        top = max(found.values())
        return sorted(m for m, s in found.items() if s == top)

    # -- subject ------------------------------------------------------------------------------

    def _self_named(self, cue: Cue, figure: Quantity) -> bool:
        """ "six new pilot FTZs" holds the figure "six": it cannot say what "six" counts."""
        if self.self_naming:
            return False
        words = set(re.findall(r"\w+", self.text[cue.start : cue.end].lower()))
        shared = words & set(re.findall(r"\w+", figure.text.lower()))
        return any(w.isdigit() or w in _NUMBER_WORDS for w in shared)

    def _after_cost(self, toks: list[Token], cue: Cue) -> int:
        i = cue.first - 1
        while i >= 0 and toks[i].norm in _SKIP_WORDS:
            i -= 1
        word = toks[i].norm if i >= 0 else ""
        return _AFTER_SUBJECT if word in _SUBJECT_PREPOSITIONS else _AFTER_OBJECT

    def _subjects(
        self,
        figure: Quantity,
        own: list[_Own],
        earlier: _Earlier,
        wholes: set[str],
        *,
        counting: bool,
    ) -> tuple[list[str], list[str], bool]:
        """The subjects named nearest, the other candidates nearest first, and whether the
        chosen subject is written out (an alias in the figure's own sentence)."""
        best: dict[str, int] = {}
        strong: set[str] = set()

        def offer(ident: str, cost: int, named: bool = False) -> None:
            if ident in wholes:
                return  # a share of China is never China's own
            if ident not in best or cost < best[ident]:
                best[ident] = cost
            if named:
                strong.add(ident)

        for cues, base, sentence in own:
            toks = cues.toks
            for cue in cues.entities:
                if _inside(cue.start, cue.end, figure) or self._self_named(cue, figure):
                    continue
                after = cue.start >= figure.end
                of_phrase = self.lexicon.preceded_by_of(toks, cue)
                if of_phrase and (after or cue.ids[0] in self._all_wholes) and base is None:
                    continue  # "of the country's total": what a share is taken of
                between = [t.norm for t in toks if figure.end <= t.start < cue.start]
                counted = (
                    counting
                    and after
                    and base is None
                    and len(between) <= 1
                    and not {"and", "or", "of"} & set(between)
                    and not re.search(r"[,;:.]", self.text[figure.end : cue.start])
                )
                if counted:
                    cost = 0
                else:
                    cost = self._cost(cue.start, cue.end, figure, sentence, base)
                    if after and base is None:
                        cost += self._after_cost(toks, cue)
                    elif self._qualifies_previous(cues, cue):
                        cost += 30  # "the FTZs in China": the FTZs, located in China
                cost += 0 if cue.strength == 2 else 3
                ids = cue.ids
                if cue.head and not cue.plural:  # "the new zone": which one
                    before = [c for c in cues.entities if c.end <= cue.start]
                    ids = self._antecedent(cue.head, before, earlier) or ids
                referred = ids is not cue.ids
                firm = (cue.strength == 2 or referred) and cost < _EARLIER_SENTENCE
                if firm and self._location(toks, cue):
                    firm = False  # "a press conference in Beijing": where, not what
                if firm and sentence is not None and not after:
                    firm = not self._across_conjunction(cue.start, figure, sentence)
                for ident in ids:
                    offer(ident, cost, named=firm)
        pronoun = self._pronoun_before(figure, own)
        settled = best and all(i in strong for i, c in best.items() if c == min(best.values()))
        for j, cues, base in [] if settled else earlier:  # what the paragraph is about
            said = self._said.get(j)
            found = said if said and not pronoun else None
            if found is None:
                main = self._main_entity(cues, last=pronoun)
                found = list(main.ids) if main is not None else None
            if found:
                for ident in found:
                    offer(ident, base)
                break
        if not best:
            return [], [], False
        low = min(best.values())
        chosen = sorted(i for i, c in best.items() if c == low)
        others = sorted((c, i) for i, c in best.items() if c != low)
        named = all(i in strong for i in chosen)
        return chosen, [i for _, i in others[:_ALTERNATIVES]], named

    def _antecedent(
        self, head: str, before: list[Cue], earlier: _Earlier
    ) -> tuple[str, ...] | None:
        """ "The new zone": the nearest entity before it whose name ends in "zone"."""
        groups = [before, *(cues.entities for _, cues, _ in earlier)]
        for entities in groups:
            for cue in reversed(entities):
                if (
                    cue.head is None
                    and len(cue.ids) == 1
                    and self.lexicon.ends_in(cue.ids[0], head)
                ):
                    return cue.ids
        return None

    def _location(self, toks: list[Token], cue: Cue) -> bool:
        i = cue.first - 1
        return (
            i >= 0
            and toks[i].norm in ("in", "at")
            and len(cue.ids) == 1
            and self.lexicon.is_place(cue.ids[0])
        )

    @staticmethod
    def _qualifies_previous(cues: _Cues, cue: Cue) -> bool:
        """An entity right behind "in" after another entity only says where that one is."""
        i = cue.first - 1
        if i < 1 or cues.toks[i].norm != "in":
            return False
        return any(e.last == i for e in cues.entities)

    def _pronoun_before(self, figure: Quantity, own: list[_Own]) -> bool:
        """ "it has gathered 87 teams": "it" is what the sentence before ended on."""
        sentence = own[0][2]
        if sentence is None:
            return False
        lo, _ = self._clause_bounds(figure, sentence)
        return (
            bool(_PRONOUN.search(self.text, sentence.start, figure.start)) and lo >= sentence.start
        )

    def _main_entity(self, cues: _Cues, *, last: bool = False) -> Cue | None:
        """What a sentence is about: its most specific entity (the longest alias), not one in an
        of-phrase or a possessive in front of another ("China's 22 pilot FTZs" is about the FTZs).
        With ``last``, the entity it ends on (what "it" in the next sentence refers to)."""
        candidates = []
        entities = cues.entities
        for k, cue in enumerate(entities):
            if self.lexicon.preceded_by_of(cues.toks, cue) and not last:
                continue
            possessive = self.text[cue.start : cue.end].endswith(("'s", "’s"))
            nxt = entities[k + 1] if k + 1 < len(entities) else None
            if possessive and nxt and nxt.first - cue.last <= 3:
                continue
            candidates.append(cue)
        if not candidates:
            return None
        if last:
            return candidates[-1]
        return max(candidates, key=lambda c: (c.strength, c.last - c.first, -c.start))

    def _wholes(self, metrics: list[str]) -> set[str]:
        """What the candidate share metrics are taken of: never the subject of the share."""
        registry = self.lexicon.registries.metrics
        return {registry[m].share.of for m in metrics if registry[m].share}  # type: ignore[union-attr]

    # -- period -----------------------------------------------------------------------------------

    def _period(
        self,
        index: int,
        figure: Quantity,
        own: list[_Own],
        earlier: _Earlier,
        metrics: list[str],
        subjects: list[str],
        siblings: Sequence[Quantity] = (),
    ) -> tuple[PeriodCue | None, str | None]:
        temporal = {self.lexicon.registries.metrics[m].temporal for m in metrics}
        stock = bool(temporal) and temporal <= {"stock"}
        best: tuple[int, PeriodCue] | None = None
        for cues, base, sentence in own:
            for cue in cues.periods:
                if cue.start < figure.end and figure.start < cue.end:
                    continue
                if sentence is not None and self._own_clause_after(figure, cue.start, sentence):
                    continue  # "three zones followed, and in 2017 seven more opened"
                if (
                    stock
                    and sentence is not None
                    and self._event_date(cues, cue)
                    and (sentence.clause(cue.start) != sentence.clause(figure.start))
                ):
                    continue  # "Fujian's zone, approved at the end of 2014, spans": the approval's
                cost = self._cost(cue.start, cue.end, figure, sentence, base)
                if base is None and self._belongs_to_another(cue, figure, siblings):
                    # "from 18.1% in 2022 to 21.8% in the first half of 2024": 2022 is the
                    # first figure's; it still serves a figure with no period of its own
                    cost += _EARLIER_SENTENCE
                if best is None or cost < best[0]:
                    best = (cost, cue)
        if best is not None and best[1].backref:
            return self._period_before(best[1], earlier, None)
        if best is None:
            found = self._period_before(None, earlier, subjects, index=index, stock=stock)
            if found[0] is not None:
                return found
        if best is None:
            as_of = self.ctx.as_of
            if stock:
                if as_of is None:
                    return (
                        None,
                        "no period stated and no as-of date (--as-of or date: in the front matter)",
                    )
                cue = PeriodCue(
                    figure.start, figure.start, "", as_of.isoformat(), as_of, as_of, True, now=True
                )
                return cue, f"no period stated: as of the draft's date {as_of.isoformat()}"
            return None, "no period stated"
        cue = best[1]
        if cue.anaphoric:
            return self._the_year(cue, earlier)
        if cue.period is None:
            return None, f"relative period {cue.text!r} needs --as-of or date: in the front matter"
        return cue, None

    def _period_before(
        self,
        ref: PeriodCue | None,
        earlier: _Earlier,
        subjects: list[str] | None,
        *,
        index: int = 0,
        stock: bool = False,
    ) -> tuple[PeriodCue | None, str | None]:
        """The period an earlier sentence names: for "in that period" (``ref``) the last one
        named in the section; otherwise the paragraph's, or, for a flow, an earlier paragraph's
        about the same subject ("Friendship Pass ... grew 29.6%" takes no period from a
        paragraph about the Qilu trains)."""
        here = self.ctx.sentences[index].block
        for j, cues, _ in earlier:
            if ref is None:
                blocks_back = here - self.ctx.sentences[j].block
                if blocks_back > (0 if stock else _FLOW_BLOCKS_BACK):
                    break
                if blocks_back > 0 and not set(self._said.get(j, [])) & set(subjects or []):
                    continue
            # a stock takes no event date from before; a flow needs a span, not a day
            usable = [c for c in cues.periods if c.period and not c.instant]
            if usable:
                cue = usable[-1]
                if ref is not None:
                    cue = PeriodCue(ref.start, ref.end, ref.text, cue.period, cue.first, cue.last)
                    return cue, f"{ref.text!r} read as {cue.period}, the period named before"
                return cue, f"period from an earlier sentence ({cue.text!r})"
        if ref is not None:
            return None, f"{ref.text!r}: no period named before it"
        return None, None

    def _event_date(self, cues: _Cues, cue: PeriodCue) -> bool:
        """A date right after an event verb ("approved at the end of 2014") dates the event."""
        words = [t.norm for t in cues.toks if t.end <= cue.start][-3:]
        return bool(set(words) & _EVENT_WORDS)

    @staticmethod
    def _belongs_to_another(cue: PeriodCue, figure: Quantity, siblings: Sequence[Quantity]) -> bool:
        """A period sits with the figure it is nearest to, and with the one before it on a tie."""

        def fit(q: Quantity) -> tuple[int, int]:
            if q.end <= cue.start:
                return cue.start - q.end, 0
            if cue.end <= q.start:
                return q.start - cue.end, 1
            return 0, 0

        mine = fit(figure)
        return any(
            q.start != figure.start
            and fit(q) < mine
            # only a period between the two figures is in doubt; one before both covers both
            and min(q.end, figure.end) <= cue.start
            and cue.end <= max(q.start, figure.start)
            for q in siblings
        )

    def _own_clause_after(self, figure: Quantity, at: int, sentence: Sentence) -> bool:
        """A cue in a later clause that a conjunction opens belongs to that clause."""
        here, there = sentence.clause(figure.start), sentence.clause(at)
        if there <= here:
            return False
        opening = self.text[sentence.breaks[there - 1] : at]
        return bool(_CONJUNCTION.match(opening))

    def _the_year(self, cue: PeriodCue, earlier: _Earlier) -> tuple[PeriodCue | None, str | None]:
        """ "Throughout the year": the last year an earlier sentence names."""
        for _, cues, _ in earlier:
            for c in reversed(cues.periods):
                if c.period and c.first and c.last and c.first.year == c.last.year:
                    y = c.first.year
                    resolved = PeriodCue(
                        cue.start, cue.end, cue.text, str(y), dt.date(y, 1, 1), dt.date(y, 12, 31)
                    )
                    return resolved, f"{cue.text!r} read as {y}, the year named before"
        as_of = self.ctx.as_of
        if as_of is None:
            return None, f"{cue.text!r}: no year named before it"
        y = as_of.year
        return (
            PeriodCue(cue.start, cue.end, cue.text, str(y), dt.date(y, 1, 1), dt.date(y, 12, 31)),
            f"{cue.text!r} read as {y}, the as-of year",
        )
