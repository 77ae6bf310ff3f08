"""Which metric a figure measures: its relation (share, growth, count, amount) and the
metric whose aliases, or whose base metric's aliases, are named nearest.

A percentage is a *share* when it is a share of something ("20.8% of the country's
foreign investment", "accounting for 18.1%"), a *growth* when a change word sits at it
("up 6.3% year on year"). A count reads the noun it counts ("22 pilot FTZs"); "the total"
turns a batch count into the running total; "X and Y ..., respectively" pairs figures and
metrics in order. With no alias written out, the metric most of whose alias words the
clause uses is taken ("investment in high-tech industries").
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from factlint.claims.reading import (
    EARLIER_SENTENCE,
    EVENT_WORDS,
    Earlier,
    Own,
    ResolverBase,
    inside,
)
from factlint.claims.sentences import Sentence, Token, phrase_key
from factlint.quantity import Quantity

__all__ = ["MetricReader"]

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
_RESPECTIVELY = re.compile(r"\brespectively\b", re.I)
_NEAR = 60  # characters around a figure where relation words count
_ADJACENT = 3  # a metric alias this close after a count is the noun it counts
_DATE_STOPWORDS = {"on", "the", "of", "a", "an", "set", "up", "new", "list", "for", "in", "to"}


class MetricReader(ResolverBase):
    """Relation and metric of a figure."""

    # -- relation -----------------------------------------------------------------------

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
        lo, hi = sentence.clause_bounds(figure.start)
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
        _, clause_hi = sentence.clause_bounds(figure.start)
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
        own: list[Own],
        earlier: Earlier,
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
        return chosen, low < EARLIER_SENTENCE

    def _cue_costs(
        self,
        figure: Quantity,
        relation: str,
        pool: dict[str, set[str]],
        sources: list[Own],
        of_entity: str | None,
    ) -> dict[str, int]:
        """Cost of the nearest cue of each candidate metric in ``sources``."""
        best: dict[str, int] = {}
        for cues, base, sentence in sources:
            for cue in cues.metrics:
                if inside(cue.start, cue.end, figure):
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
        own: list[Own],
        pool: dict[str, set[str]],
        relation: str,
        of_entity: str | None,
        *,
        clause_only: bool,
    ) -> list[str]:
        """The metric most of whose alias words the figure's clause (or sentence) uses."""
        cues, base, sentence = own[0]
        toks = [t for t in cues.toks if not inside(t.start, t.end, figure)]
        if clause_only:
            if sentence is None:
                return []
            lo, hi = sentence.clause_bounds(figure.start)
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
    def _names_a_metric(figure: Quantity, own: list[Own]) -> bool:
        """Does the figure's own clause name some metric (even one of another kind)?"""
        cues, _, sentence = own[0]
        if sentence is None:
            return any(not inside(c.start, c.end, figure) for c in cues.metrics)
        clause = sentence.clause(figure.start)
        return any(
            sentence.clause(c.start) == clause and not inside(c.start, c.end, figure)
            for c in cues.metrics
        )

    def _respectively(
        self,
        figure: Quantity,
        own: list[Own],
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

    def _of_entity(self, figure: Quantity, own: list[Own]) -> str | None:
        """What a share is taken of: an entity some share metric is "of", or ``host``."""
        cues, _, sentence = own[0]
        if sentence is None:
            return None
        # the of-phrase may hold commas ("of the provinces, autonomous regions and ...")
        end = min(sentence.end, figure.end + 150)
        for cue in cues.entities:
            if figure.end <= cue.start < end and cue.ids[0] in self.lexicon.wholes:
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
        own: list[Own],
        pool: dict[str, set[str]],
    ) -> list[str]:
        """ "six new zones": the metrics whose aliases end in the counted noun."""
        phrase = self._phrase_after(figure, own[0][0].toks)
        scores = self.lexicon.metric_heads(phrase, set(pool))
        sentence = own[0][2]
        if not scores and sentence is not None:
            lo, _ = sentence.clause_bounds(figure.start)
            before = [t for t in own[0][0].toks if lo <= t.start and t.end <= figure.start]
            scores = {
                m: s for m, s in self.lexicon.metric_heads(before, set(pool)).items() if s[0] >= 2
            }
        return self._running_total(figure, own, self._best_heads(figure, own, scores), pool)

    def _counted_or_fuzzy(
        self, figure: Quantity, own: list[Own], pool: dict[str, set[str]]
    ) -> list[str]:
        """The counted noun's metrics; the clause's alias words only when they share more words
        ("485 institutional innovations ... rolled out nationwide")."""
        phrase = self._phrase_after(figure, own[0][0].toks)
        scores = dict(self.lexicon.metric_heads(phrase, set(pool)))
        cues, _, sentence = own[0]
        if sentence is not None:
            lo, hi = sentence.clause_bounds(figure.start)
            toks = [
                t for t in cues.toks if lo <= t.start < hi and not inside(t.start, t.end, figure)
            ]
            fuzzy = self.lexicon.fuzzy_metrics(toks, set(pool))
            counted = max((shared for shared, _ in scores.values()), default=0)
            if fuzzy and max(shared for shared, _ in fuzzy.values()) > counted:
                scores = fuzzy
        return self._running_total(figure, own, self._best_heads(figure, own, scores), pool)

    def _best_heads(
        self, figure: Quantity, own: list[Own], scores: dict[str, tuple[int, int]]
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

    def _event_words_near(self, figure: Quantity, own: list[Own]) -> bool:
        cues, _, sentence = own[0]
        if sentence is None:
            return False
        lo, hi = sentence.clause_bounds(figure.start)
        words = {t.norm for t in cues.toks if lo <= t.start < hi}
        return bool(words & EVENT_WORDS)

    def _running_total(
        self, figure: Quantity, own: list[Own], chosen: list[str], pool: dict[str, set[str]]
    ) -> list[str]:
        """ "bringing the total to 11": a count of the same things that only grows."""
        cues, _, sentence = own[0]
        if sentence is None:
            return chosen
        lo, hi = sentence.clause_bounds(figure.start)
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
        self, figure: Quantity, own: list[Own], pool: dict[str, set[str]]
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
