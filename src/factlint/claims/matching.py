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
  year named before it, "in that period" the period); then an earlier sentence's
  in the paragraph (for a flow, also the paragraph before when it is about the
  same subject); then, for a stock, the as-of date. A flow without a period
  stays without.

The metric is read by :mod:`factlint.claims.metrics`, the subject by
:mod:`factlint.claims.subjects`, the period here; :mod:`factlint.claims.reading`
holds what they share.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

from factlint.claims.metrics import MetricReader
from factlint.claims.periods import PeriodCue
from factlint.claims.reading import (
    EARLIER_SENTENCE,
    EVENT_WORDS,
    Context,
    Cues,
    Earlier,
    Own,
    Reading,
    Resolution,
)
from factlint.claims.subjects import SubjectReader
from factlint.quantity import Quantity

__all__ = ["Context", "Reading", "Resolution", "Resolver"]

_FLOW_BLOCKS_BACK = 2  # a flow's period may come from the paragraph before


class Resolver(MetricReader, SubjectReader):
    """Metric, subject and period of each figure of one draft."""

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
        earlier = Earlier(self, earlier_at)
        relation = self._relation(figure, sentence, dimension, siblings)
        same_block = Earlier(
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

    # -- period -----------------------------------------------------------------------------------

    def _period(
        self,
        index: int,
        figure: Quantity,
        own: list[Own],
        earlier: Earlier,
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
                    cost += EARLIER_SENTENCE
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
        earlier: Earlier,
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

    def _event_date(self, cues: Cues, cue: PeriodCue) -> bool:
        """A date right after an event verb ("approved at the end of 2014") dates the event."""
        words = [t.norm for t in cues.toks if t.end <= cue.start][-3:]
        return bool(set(words) & EVENT_WORDS)

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

    def _the_year(self, cue: PeriodCue, earlier: Earlier) -> tuple[PeriodCue | None, str | None]:
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
