"""Verdicts: does a stated fact agree with a draft's figure?

A figure and a fact agree when their intervals (written precision,
qualifiers; :mod:`factlint.interval`) can hold the same value in base units,
so "about 21%" agrees with 20.8% and "4 trillion" with 4.1 trillion, while
"103.96 million yuan" never agrees with 103.96 billion.

Which facts a reading is judged against depends on what its metric measures:

* a **flow** ("in the first half of 2024") is judged against facts of exactly
  the same period; a figure that matches a fact of another period is
  *contradicted* (the right figure, the wrong period);
* a **stock** (zones, areas, running totals) is judged against facts whose
  period overlaps the reading's; failing those, against the latest fact
  before it. A running total (``cumulative``) cannot shrink, so a figure below
  an earlier total, or above a later one, is contradicted.

Only stated facts are used: derived values are not needed to check a draft.
"""

from __future__ import annotations

import datetime as dt
import math
from collections import defaultdict
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from factlint.claims.matching import Reading
from factlint.interval import Interval, compare, distinct_roundings, written
from factlint.normalise import normalise_facts
from factlint.quantity import format_quantity
from factlint.registry import Registries

__all__ = ["ClaimValue", "FactBase", "FactRow", "Judgement", "claim_intervals", "judge"]

VERDICTS = ("supported", "contradicted", "unsupported", "ambiguous")


@dataclass(frozen=True)
class FactRow:
    id: str
    source: str
    quote: str
    subject: str
    metric: str
    period: str
    value: str
    unit: str
    qualifier: str
    base: tuple[float, float, bool, bool]
    factor: float
    start: dt.date
    end: dt.date

    @property
    def as_written(self) -> str:
        try:
            return format_quantity(self.value, self.unit, self.qualifier)
        except ValueError:
            return f"{self.value} {self.unit}"


class FactBase:
    """The stated facts of a project, indexed by subject and metric."""

    def __init__(self, facts: pd.DataFrame, registries: Registries) -> None:
        self.registries = registries
        self.rows: dict[str, FactRow] = {}
        self._by_key: dict[tuple[str, str], list[FactRow]] = defaultdict(list)
        self._by_metric: dict[str, list[FactRow]] = defaultdict(list)
        self._by_subject: dict[str, list[FactRow]] = defaultdict(list)
        if facts.empty:
            return
        table = normalise_facts(facts, registries)
        usable = table[
            table["base_lo"].notna()
            & table["base_hi"].notna()
            & table["start"].notna()
            & table["end"].notna()
        ]
        for rec in usable.to_dict("records"):
            row = FactRow(
                id=str(rec["id"]),
                source=str(rec["source"]),
                quote=str(rec["quote"]),
                subject=str(rec["subject"]),
                metric=str(rec["metric"]),
                period=str(rec["period"]),
                value=str(rec["value"]),
                unit=str(rec["unit"]),
                qualifier=str(rec["qualifier"]),
                base=(
                    float(rec["base_lo"]),
                    float(rec["base_hi"]),
                    bool(rec["lo_open"]),
                    bool(rec["hi_open"]),
                ),
                factor=float(rec["factor"]),
                start=pd.Timestamp(rec["start"]).date(),
                end=pd.Timestamp(rec["end"]).date(),
            )
            self.rows[row.id] = row
            self._by_key[(row.subject, row.metric)].append(row)
            self._by_metric[row.metric].append(row)
        for (subject, _), rows in self._by_key.items():  # grouped by metric, as first seen
            self._by_subject[subject].extend(rows)

    def facts(self, subject: str, metric: str) -> list[FactRow]:
        return self._by_key.get((subject, metric), [])

    def of_metric(self, metric: str) -> list[FactRow]:
        return self._by_metric.get(metric, [])

    def of_subject(self, subject: str) -> list[FactRow]:
        return self._by_subject.get(subject, [])


@dataclass(frozen=True)
class ClaimValue:
    """A figure's interval in base units, and how it was written."""

    base: tuple[float, float, bool, bool]
    value: str
    unit: str
    qualifier: str
    scale: str | None


def claim_intervals(
    figures: list[tuple[str, str, str | None, float | None]],
) -> list[tuple[float, float, bool, bool] | None]:
    """The intervals, in base units, of figures given as (value, qualifier, dimension, factor);
    one vectorised pass for a whole draft. None where the unit or the value cannot be read."""
    if not figures:
        return []
    values = [v for v, _, _, _ in figures]
    iv = written(
        values,
        [q for _, q, _, _ in figures],
        discrete=[d == "count" for _, _, d, _ in figures],
        nonnegative=[not v.startswith("-") for v in values],
    )
    out: list[tuple[float, float, bool, bool] | None] = []
    for k, (_, _, dimension, factor) in enumerate(figures):
        lo, hi, lo_open, hi_open = iv[k]
        if dimension is None or factor is None or math.isnan(lo) or math.isnan(hi):
            out.append(None)
        else:
            out.append((lo * factor, hi * factor, lo_open, hi_open))
    return out


@dataclass
class Judgement:
    verdict: str
    reason: str
    facts: list[str] = field(default_factory=list)
    """Ids of the facts the verdict rests on: those that agree, or those that disagree."""
    exact: bool = False
    """Supported by a fact written with the very same digits."""


def _agree(claim: ClaimValue, rows: list[FactRow]) -> list[bool]:
    if not rows:
        return []
    a = Interval.of(*[[v] * len(rows) for v in claim.base])
    b = Interval.of(
        [r.base[0] for r in rows],
        [r.base[1] for r in rows],
        [r.base[2] for r in rows],
        [r.base[3] for r in rows],
    )
    agree = compare(a, b, "==").consistent
    # "4.2 trillion" against "4.1 trillion": touching rounding intervals are two figures
    exact = np.array([claim.qualifier == "exact" and r.qualifier == "exact" for r in rows])
    agree &= ~(exact & distinct_roundings(a, b))
    return [bool(x) for x in agree]


def _mid(lo: float, hi: float) -> float:
    if math.isfinite(lo) and math.isfinite(hi):
        return (lo + hi) / 2
    return lo if math.isfinite(lo) else hi


def _number(x: float) -> str:
    if x == 0 or not math.isfinite(x):
        return str(x)
    digits = max(0, 3 - int(math.floor(math.log10(abs(x)))))
    text = f"{x:,.{min(digits, 6)}f}"
    return text.rstrip("0").rstrip(".") if "." in text else text


def _same_figure(claim: ClaimValue, row: FactRow) -> bool:
    return _digits(claim.value) == _digits(row.value) and len(_digits(claim.value)) >= 3


def _digits(value: str) -> str:
    return value.lstrip("-").replace(".", "").lstrip("0")


def describe_gap(claim: ClaimValue, row: FactRow) -> str:
    """How far the draft is from the fact, as a clause: "the draft is 1.3 percentage points higher
    (6.7%)", or "the draft has million yuan for billion yuan (×0.001, a scale error)"."""
    c_mid = _mid(claim.base[0], claim.base[1]) / row.factor
    f_mid = _mid(row.base[0], row.base[1]) / row.factor
    if is_scale_slip(claim, row):
        return (
            f"the draft has {claim.unit} for {row.unit} (×{_number(c_mid / f_mid)}, a scale error)"
        )
    if not (math.isfinite(c_mid) and math.isfinite(f_mid)):
        return "the draft's figure cannot meet it"
    diff = c_mid - f_mid
    unit = {"percent": " percentage points", "count": ""}.get(row.unit, f" {row.unit}")
    rel = f" ({abs(diff) / abs(f_mid):.1%})" if f_mid else ""
    direction = "higher" if diff > 0 else "lower"
    return f"the draft is {_number(abs(diff))}{unit} {direction}{rel}"


def is_scale_slip(claim: ClaimValue, row: FactRow) -> bool:
    """The same digits under another scale: "103.96 million" for "103.96 billion"."""
    if _digits(claim.value) != _digits(row.value) or claim.unit == row.unit:
        return False
    c_mid = _mid(claim.base[0], claim.base[1])
    f_mid = _mid(row.base[0], row.base[1])
    if not (c_mid > 0 and f_mid > 0 and math.isfinite(c_mid) and math.isfinite(f_mid)):
        return False
    power = math.log10(c_mid / f_mid)
    return abs(power - round(power)) < 0.01 and round(power) != 0


def _cite(row: FactRow) -> str:
    return f"`{row.id}` ({row.as_written}, {row.period})"


def _says(row: FactRow) -> str:
    return f"`{row.id}` says {row.as_written} ({row.period})"


def _overlaps(row: FactRow, first: dt.date, last: dt.date) -> bool:
    return row.start <= last and row.end >= first


def _same_period(row: FactRow, first: dt.date, last: dt.date) -> bool:
    return row.start == first and row.end == last


def _verdict_on(claim: ClaimValue, rows: list[FactRow], where: str) -> Judgement:
    agree = _agree(claim, rows)
    ok = [r for r, a in zip(rows, agree, strict=True) if a]
    if ok:
        return Judgement(
            "supported",
            f"agrees with {', '.join(_cite(r) for r in ok)}{where}",
            [r.id for r in ok],
            exact=any(_same_figure(claim, r) for r in ok),
        )
    shown: dict[tuple[str, str], FactRow] = {}
    for r in rows:  # one line per distinct figure: "22" stated by three facts is said once
        shown.setdefault((r.as_written, r.period), r)
    detail = "; ".join(f"{_says(r)}: {describe_gap(claim, r)}" for r in list(shown.values())[:3])
    return Judgement("contradicted", f"{detail}{where}", [r.id for r in rows])


def judge(claim: ClaimValue, reading: Reading, facts: FactBase) -> Judgement:
    """The verdict of the fact base on one reading of a figure."""
    if reading.metric is None:
        return Judgement(
            "unsupported", "metric unknown: no metric of the figure's kind is named near it"
        )
    if reading.subject is None:
        return Judgement("unsupported", f"subject unknown for `{reading.metric}`")
    rows = facts.facts(reading.subject, reading.metric)
    key = f"`{reading.subject}` · `{reading.metric}`"
    if not rows:
        return Judgement("unsupported", f"no fact for {key}")
    metric = facts.registries.metrics[reading.metric]
    if reading.first is None or reading.last is None:
        return _without_period(claim, rows, key, metric.temporal == "stock", metric.cumulative)
    if metric.temporal == "stock":
        return _stock(claim, rows, reading, key, cumulative=metric.cumulative)
    return _flow(claim, rows, reading, key)


def _without_period(
    claim: ClaimValue, rows: list[FactRow], key: str, stock: bool, cumulative: bool
) -> Judgement:
    """No period and no as-of date: any fact that agrees supports; a stock is read as current."""
    agree = _agree(claim, rows)
    ok = [r for r, a in zip(rows, agree, strict=True) if a]
    if ok:
        return Judgement(
            "supported",
            f"agrees with {', '.join(_cite(r) for r in ok)} (the draft states no period)",
            [r.id for r in ok],
        )
    slips = [r for r in rows if is_scale_slip(claim, r)]
    if slips:
        r = slips[0]
        return Judgement("contradicted", f"{_says(r)}: {describe_gap(claim, r)}", [r.id])
    latest = max(rows, key=lambda r: r.end)
    if stock and (not cumulative or claim.base[1] < latest.base[0]):
        return Judgement(
            "contradicted",
            f"no date: read as current, the latest fact {_says(latest)}; "
            f"{describe_gap(claim, latest)}",
            [latest.id],
        )
    known = ", ".join(_cite(r) for r in rows[:3])
    return Judgement("unsupported", f"no period stated, and no fact for {key} agrees ({known})", [])


def _flow(claim: ClaimValue, rows: list[FactRow], reading: Reading, key: str) -> Judgement:
    assert reading.first is not None and reading.last is not None
    if reading.instant:
        # "by the end of June, 31,559 entities had registered": a flow up to that day
        same = [r for r in rows if r.end == reading.last]
    else:
        same = [r for r in rows if _same_period(r, reading.first, reading.last)]
    if same:
        return _verdict_on(claim, same, "")
    if reading.current:
        # "so far", "to date": a flow up to now; any stated total that agrees supports it
        found = _without_period(claim, rows, key, stock=False, cumulative=False)
        if found.verdict == "supported":
            return found
    if reading.instant:
        return Judgement("unsupported", f"no fact for {key} up to {reading.period}", [])
    agree = _agree(claim, rows)
    elsewhere = [  # the same figure as written, stated for another period
        r
        for r, a in zip(rows, agree, strict=True)
        if a
        and _digits(r.value) == _digits(claim.value)
        and r.qualifier == claim.qualifier
        and r.start != r.end  # a flow dated to one day is a figure "as reported then"
    ]
    if elsewhere and _distinctive(claim):
        r = elsewhere[0]
        return Judgement(
            "contradicted",
            f"wrong period: {_cite(r)} gives this figure for {r.period}, not {reading.period}",
            [r.id],
        )
    periods = ", ".join(sorted({r.period for r in rows}))
    return Judgement(
        "unsupported", f"no fact for {key} in {reading.period} (facts for {periods})", []
    )


def _distinctive(claim: ClaimValue) -> bool:
    """A figure specific enough that meeting it in another period is no coincidence."""
    digits = _digits(claim.value.split("-")[0] if claim.qualifier == "range" else claim.value)
    return len(digits) >= 2 and claim.qualifier != "range"


def _stock(
    claim: ClaimValue, rows: list[FactRow], reading: Reading, key: str, *, cumulative: bool
) -> Judgement:
    first, last = reading.first, reading.last
    assert first is not None and last is not None
    during = [r for r in rows if _overlaps(r, first, last)]
    if during:
        return _verdict_on(claim, during, "")
    before = sorted((r for r in rows if r.end < first), key=lambda r: r.end)
    after = sorted((r for r in rows if r.start > last), key=lambda r: r.start)
    lo, hi = claim.base[0], claim.base[1]
    if cumulative:
        shrunk = [r for r in before if hi < r.base[0]]
        if shrunk:
            r = shrunk[-1]
            return Judgement(
                "contradicted",
                f"a running total cannot shrink: {_says(r)}, earlier; {describe_gap(claim, r)}",
                [r.id],
            )
        grown = [r for r in after if lo > r.base[1]]
        if grown:
            r = grown[0]
            return Judgement(
                "contradicted",
                f"a running total cannot shrink: {_says(r)}, later; {describe_gap(claim, r)}",
                [r.id],
            )
    if before:
        latest = before[-1]
        if _agree(claim, [latest])[0]:
            return Judgement(
                "supported",
                f"agrees with the latest fact before {reading.period}, {_cite(latest)}",
                [latest.id],
            )
        if not cumulative:
            return Judgement(
                "contradicted",
                f"the latest fact before {reading.period}: {_says(latest)}; "
                f"{describe_gap(claim, latest)}",
                [latest.id],
            )
        return Judgement(
            "unsupported",
            f"no fact for {key} in {reading.period}; the running total may have grown since "
            f"{_cite(latest)}",
            [],
        )
    periods = ", ".join(sorted({r.period for r in rows}))
    return Judgement(
        "unsupported", f"no fact for {key} in {reading.period} (facts for {periods})", []
    )


def lookalikes(
    claim: ClaimValue, reading: Reading, facts: FactBase, dimension: str
) -> list[FactRow]:
    """Facts of the same subject and period, of *another* metric, that the figure agrees with."""
    if reading.subject is None or reading.first is None or reading.last is None:
        return []
    others = [
        r
        for r in facts.of_subject(reading.subject)
        if r.metric != reading.metric
        and facts.registries.metrics.get(r.metric) is not None
        and facts.registries.metrics[r.metric].dimension == dimension
        and _overlaps(r, reading.first, reading.last)
    ]
    agree = _agree(claim, others)
    return [r for r, a in zip(others, agree, strict=True) if a]
