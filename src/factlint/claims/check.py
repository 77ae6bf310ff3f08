"""Check a draft: every figure, what it is about, and the fact base's verdict on it.

A figure may have several readings (two metrics named as near, two subjects,
or a subject the draft leaves open that the fact base fills in). Each reading
is judged; the claim is

* *supported* when some reading is supported and none is contradicted,
* *contradicted* when every reading that a fact speaks to is contradicted,
* *ambiguous* when readings disagree (one supported, another contradicted)
  or several readings are each contradicted by different facts: the
  readings are listed, and an editor decides,
* *unsupported* when no fact speaks to any reading.

So a figure that some reading contradicts is never reported as supported.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field, replace
from typing import Any

from factlint.claims.drafts import Draft
from factlint.claims.figures import FigureReader
from factlint.claims.lexicon import Lexicon
from factlint.claims.matching import Context, Reading, Resolution, Resolver
from factlint.claims.sentences import Sentence, sentences
from factlint.claims.verdicts import (
    ClaimValue,
    FactBase,
    FactRow,
    Judgement,
    claim_intervals,
    judge,
    lookalikes,
)
from factlint.project import Project
from factlint.quantity import Quantity
from factlint.registry import Metric

__all__ = ["Claim", "ClaimChecker", "draft_sentences"]

_MAX_INFERRED = 3


@dataclass
class Claim:
    """One figure of a draft and its verdict (the JSON output's ``claims`` items)."""

    draft: str
    line: int
    column: int
    end_line: int
    end_column: int
    text: str
    sentence: str
    value: str
    unit: str
    scale: str | None
    qualifier: str
    metric: str | None
    subject: str | None
    period: str | None
    verdict: str
    reason: str
    facts: list[str]
    readings: list[dict[str, Any]] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    start: int = 0
    end: int = 0

    def as_dict(self) -> dict[str, Any]:
        return {
            "draft": self.draft,
            "line": self.line,
            "column": self.column,
            "end_line": self.end_line,
            "end_column": self.end_column,
            "text": self.text,
            "sentence": self.sentence,
            "value": self.value,
            "unit": self.unit,
            "scale": self.scale,
            "qualifier": self.qualifier,
            "metric": self.metric,
            "subject": self.subject,
            "period": self.period,
            "verdict": self.verdict,
            "reason": self.reason,
            "facts": list(self.facts),
            "readings": self.readings,
            "notes": list(self.notes),
        }


def draft_sentences(draft: Draft) -> list[Sentence]:
    plain = draft.kind == "text"
    return [
        s
        for index, block in enumerate(draft.blocks)
        for s in sentences(draft.text, block.start, block.end, index, line_breaks=plain)
    ]


def _one_line(text: str) -> str:
    return " ".join(text.split())


class ClaimChecker:
    """Checks drafts against one project's fact base (built once, reused for every draft)."""

    def __init__(self, project: Project) -> None:
        self.project = project
        self.lexicon = Lexicon(project.registries)
        self.facts = FactBase(project.facts, project.registries)
        self.reader = FigureReader()
        self._judged: dict[tuple[Reading, tuple[float, float, bool, bool], str], Judgement] = {}

    def check(
        self, draft: Draft, *, as_of: dt.date | None = None, label: str | None = None
    ) -> list[Claim]:
        as_of = as_of or draft.date
        found = draft_sentences(draft)
        resolver = Resolver(Context(draft, found, as_of), self.lexicon)
        name = label or str(draft.path)
        resolved: list[tuple[Sentence, Quantity, Resolution]] = []
        for index, sentence in enumerate(found):
            figures = self.reader.figures(draft, sentence)
            for figure in figures:
                resolved.append((sentence, figure, resolver.resolve(index, figure, figures)))
        bounds = claim_intervals(
            [(q.value, q.qualifier, res.dimension, res.factor) for _, q, res in resolved]
        )
        return [
            self._claim(
                draft, name, sentence, q, res,
                None if base is None else ClaimValue(base, q.value, q.unit, q.qualifier, q.scale),
            )
            for (sentence, q, res), base in zip(resolved, bounds, strict=True)
        ]

    # -- one claim --------------------------------------------------------------------

    def _claim(
        self,
        draft: Draft,
        name: str,
        sentence: Sentence,
        q: Quantity,
        res: Resolution,
        value: ClaimValue | None,
    ) -> Claim:
        line, column = draft.position(q.start)
        end_line, end_column = draft.position(max(q.start, q.end - 1))
        readings = self._readings(res)
        notes = [n for n in (res.period_note,) if n]
        for kind in sorted({r.inferred for r in readings if r.inferred}):
            notes.append(
                {
                    "host": "subject read as the zone the named region hosts",
                    "group": "subject read as a group the named entity belongs to",
                }.get(kind, f"{kind} not named in the draft: read from the fact base")
            )
        if value is None:
            judged = [
                (r, Judgement("unsupported", f"unit `{q.unit}` is not in the unit registry"))
                for r in readings
            ]
        else:
            judged = [(r, self._judge(value, r)) for r in readings]
            if res.subject_named:
                judged = [(r, self._guessed(r, j, res)) for r, j in judged]
        verdict, reason, fact_ids = self._combine(judged)
        if value is not None and verdict in ("contradicted", "unsupported") and len(judged) == 1:
            reading = judged[0][0]
            twins = lookalikes(value, reading, self.facts, res.dimension or "")
            if twins and verdict == "contradicted" and not res.metric_named:
                # the metric was guessed, and the figure is exactly another metric's fact
                verdict = "ambiguous"
                reason = (
                    f"the metric is not named near the figure: read as `{reading.metric}`, "
                    f"{reason}; but it matches `{twins[0].id}` ({twins[0].metric})"
                )
                fact_ids = [*fact_ids, twins[0].id]
            elif twins:
                reason += self._lookalike_note(twins[0], reading)
        first = readings[0]

        def common(attr: str) -> str | None:
            values = {getattr(r, attr) for r in readings}
            return values.pop() if len(values) == 1 else None

        return Claim(
            draft=name,
            line=line,
            column=column,
            end_line=end_line,
            end_column=end_column + 1,
            text=q.text,
            sentence=_one_line(draft.text[sentence.start : sentence.end]),
            value=q.value,
            unit=q.unit,
            scale=q.scale,
            qualifier=q.qualifier,
            metric=common("metric"),
            subject=common("subject"),
            period=first.period if res.period else None,
            verdict=verdict,
            reason=reason,
            facts=fact_ids,
            readings=[
                {
                    "metric": r.metric,
                    "subject": r.subject,
                    "period": r.period,
                    "verdict": j.verdict,
                    "reason": j.reason,
                    "facts": j.facts,
                }
                for r, j in judged
            ]
            if len(judged) > 1
            else [],
            notes=notes,
            start=q.start,
            end=q.end,
        )

    @staticmethod
    def _guessed(reading: Reading, judgement: Judgement, res: Resolution) -> Judgement:
        """The draft names a subject the fact base knows nothing of for this metric: a fact
        about another subject may support the figure, but does not contradict it."""
        if reading.inferred != "subject" or judgement.verdict != "contradicted":
            return judgement
        named = ", ".join(f"`{s}`" for s in res.subjects)
        return Judgement(
            "unsupported",
            f"no fact for {named} · `{reading.metric}`; "
            f"about `{reading.subject}`: {judgement.reason}",
            [],
        )

    def _judge(self, value: ClaimValue, reading: Reading) -> Judgement:
        """A reading's verdict; a figure repeated word for word is judged once."""
        key = (reading, value.base, f"{value.value} {value.unit} {value.qualifier}")
        found = self._judged.get(key)
        if found is None:
            if len(self._judged) > 50_000:
                self._judged.clear()
            found = self._judged[key] = judge(value, reading, self.facts)
        return found

    def _readings(self, res: Resolution) -> list[Reading]:
        """The resolution's readings; a subject or metric the draft leaves open, or names with
        no fact at all for the metric, is filled from the other candidates or the fact base."""
        out: list[Reading] = []
        for reading in res.readings():
            if reading.metric is None and reading.subject is not None:
                out.extend(self._infer_metric(reading, res))
            elif reading.metric is not None and (
                reading.subject is None or not self.facts.facts(reading.subject, reading.metric)
            ):
                out.extend(
                    self._infer_subject(
                        reading,
                        res.alternatives,
                        named=res.subject_named and reading.subject is not None,
                    )
                )
            else:
                out.append(reading)
        return list(dict.fromkeys(out))

    def _in_period(self, rows: list[FactRow], reading: Reading) -> list[FactRow]:
        """Facts of the reading's period; for a stock with none, the latest before it."""
        if reading.first is None or reading.last is None:
            return rows
        first, last = reading.first, reading.last
        during = [r for r in rows if r.start <= last and r.end >= first]
        metric = self.project.registries.metrics.get(reading.metric or "")
        if during or metric is None or metric.temporal != "stock":
            return during
        before = [r for r in rows if r.end < first]
        if not before:
            return []
        last_day = max(r.end for r in before)
        return [r for r in before if r.end == last_day]  # the latest fact (or facts) before

    def _infer_subject(
        self, reading: Reading, alternatives: list[str], *, named: bool
    ) -> list[Reading]:
        """The subject named has no fact for the metric (or none is named): the next candidate
        that has, else the subjects the fact base has for the metric in the period."""
        assert reading.metric is not None
        metric = reading.metric
        hosted = self.lexicon.hosted(reading.subject) if reading.subject else None
        if hosted and self.facts.facts(hosted, metric):
            return [replace(reading, subject=hosted, inferred="host")]  # "Shandong at 119.98 sq km"
        if named and reading.subject not in self.lexicon.wholes:
            # the draft says what it is about: no fact for it, so no guess beyond the groups it
            # belongs to ("the six zones and Lingang": the group of Lingang with the 2019 zones)
            groups = self._groups_of(reading.subject or "")
            rows = self._in_period(
                [r for g in groups for r in self.facts.facts(g, metric)], reading
            )
            found = sorted({r.subject for r in rows})
            if len(found) == 1:
                return [replace(reading, subject=found[0], inferred="group")]
            return [reading]
        # a candidate with a fact in the period, else the fact base's subjects in the period,
        # else a candidate with any fact of the metric
        for other in alternatives:
            if self._in_period(self.facts.facts(other, metric), reading):
                return [replace(reading, subject=other, inferred="subject")]
        rows = self._in_period(self.facts.of_metric(metric), reading)
        subjects = sorted({r.subject for r in rows})
        if 0 < len(subjects) <= _MAX_INFERRED:
            return [replace(reading, subject=s, inferred="subject") for s in subjects]
        for other in alternatives:
            if self.facts.facts(other, metric):
                return [replace(reading, subject=other, inferred="subject")]
        return [reading]

    def _groups_of(self, entity: str) -> list[str]:
        """The entities ``entity`` is a member of, directly or not (not the set of all)."""
        entities = self.project.registries.entities
        seen: list[str] = []
        frontier = list(entities[entity].member_of) if entity in entities else []
        while frontier:
            current = frontier.pop(0)
            if current in seen or current not in entities:
                continue
            seen.append(current)
            frontier.extend(entities[current].member_of)
        return seen

    def _infer_metric(self, reading: Reading, res: Resolution) -> list[Reading]:
        """No metric named ("Guangxi's zone is the largest at 119.99 km2"): the metrics of the
        figure's kind that the fact base has for the subject."""
        assert reading.subject is not None
        metrics = self.project.registries.metrics

        def wanted(m: Metric) -> bool:
            if res.relation == "share":
                return m.share is not None
            if res.relation == "growth":
                return m.growth is not None
            return m.share is None and m.growth is None

        rows = self._in_period(self.facts.of_subject(reading.subject), reading)
        found = sorted(
            {
                r.metric
                for r in rows
                if r.metric in metrics
                and metrics[r.metric].dimension == res.dimension
                and wanted(metrics[r.metric])
            }
        )
        if not 0 < len(found) <= _MAX_INFERRED:
            return [reading]
        return [replace(reading, metric=m, inferred="metric") for m in found]

    @staticmethod
    def _combine(judged: list[tuple[Reading, Judgement]]) -> tuple[str, str, list[str]]:
        if len(judged) == 1:
            j = judged[0][1]
            return j.verdict, j.reason, j.facts
        verdicts = {j.verdict for _, j in judged}
        listed = "; ".join(
            f"{r.metric or '?'} of {r.subject or '?'} ({r.period or 'no period'}): {j.verdict}"
            for r, j in judged
        )
        ids = sorted({i for _, j in judged for i in j.facts})
        if verdicts == {"contradicted"}:
            reasons = {j.reason for _, j in judged}
            if len(reasons) == 1:
                return "contradicted", reasons.pop(), ids
            return "contradicted", f"contradicted under every reading: {listed}", ids
        if "contradicted" in verdicts:
            exact = [(r, j) for r, j in judged if j.verdict == "supported" and j.exact]
            if len(exact) == 1 and all(r.inferred == "metric" for r, _ in judged):
                # the metric is left open and the figure is, digit for digit, one of the facts
                # of its subject and period ("the 21 zones attracted 222.52 billion yuan")
                r, j = exact[0]
                return (
                    "supported",
                    f"{j.reason} (the only fact of `{r.subject}` it can be)",
                    j.facts,
                )
            return "ambiguous", f"several readings: {listed}", ids
        if "supported" in verdicts:
            ok = [(r, j) for r, j in judged if j.verdict == "supported"]
            if len(ok) == 1:
                r, j = ok[0]
                return "supported", f"{j.reason} (reading {r.metric} of {r.subject})", j.facts
            return "supported", "; ".join(j.reason for _, j in ok), ids
        return "unsupported", f"no fact for any reading: {listed}", ids

    @staticmethod
    def _lookalike_note(twin: FactRow, reading: Reading) -> str:
        if reading.metric is None:
            return f"; the figure matches `{twin.id}` ({twin.metric})"
        return f"; the figure is that of `{twin.metric}` (`{twin.id}`), not of `{reading.metric}`"

