"""FL108 growth: a stated change against the values of the two periods it compares."""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

import numpy as np
import numpy.typing as npt
import pandas as pd
from pydantic import Field

from factlint.interval import compare
from factlint.normalise import base_interval
from factlint.period import PeriodError, parse_period
from factlint.rules import rule_kind
from factlint.rules.base import (
    KIND_COLUMNS,
    Params,
    RuleContext,
    RuleResult,
    Selector,
    derived_facts,
    empty_outcomes,
    in_unit,
    origin,
    outcomes,
    unverifiable,
)
from factlint.rules.frames import (
    concat_outcomes,
    derived_from_any,
    equi_join,
    join_side,
    joined_ids,
    joint_codes,
    marked,
    prefixed,
    written_interval,
)
from factlint.rules.wording import (
    figure_text,
    gap_text,
    interval_text,
    label,
    side_word,
)

_YEAR = re.compile(r"\d{4}")
_DAY = dt.timedelta(days=1)


class GrowthParams(Params):
    select: Selector | None = Field(
        None,
        description="growth facts to check; default every fact whose metric has a `growth` spec",
    )
    derive_previous: bool = Field(
        True,
        description="when only the current value is given, derive the previous one "
        "(current / (1 + growth)) for agreement rules instead of reporting it unverifiable",
    )


# -- the period a change is measured against -----------------------------------


def canonical_period(first: dt.date, last: dt.date) -> str:
    """The shortest canonical text of a span of days ("2024", "2024-H1", "2019-01/2019-07")."""
    whole_months = first.day == 1 and (last + _DAY).day == 1
    if not whole_months:
        return first.isoformat() if first == last else f"{first.isoformat()}/{last.isoformat()}"
    months = (last.year - first.year) * 12 + last.month - first.month + 1
    if first.year == last.year:
        if months == 12:
            return f"{first.year:04d}"
        if months == 6 and first.month in (1, 7):
            return f"{first.year:04d}-H{1 + first.month // 7}"
        if months == 3 and first.month in (1, 4, 7, 10):
            return f"{first.year:04d}-Q{1 + first.month // 3}"
    if months == 1:
        return f"{first.year:04d}-{first.month:02d}"
    return f"{first.year:04d}-{first.month:02d}/{last.year:04d}-{last.month:02d}"


def _minus_year(day: dt.date) -> dt.date:
    # 29 February has no twin a year before: take the 28th
    if day.month == 2 and day.day == 29:
        return dt.date(day.year - 1, 2, 28)
    return day.replace(year=day.year - 1)


@lru_cache(maxsize=4096)
def previous_period(period: str, basis: str) -> tuple[str, dt.date, dt.date]:
    """The period a change of ``basis`` compares ``period`` with: text, first and last day.

    Year on year, every year in the text moves back one ("2025-H1" -> "2024-H1",
    "2020-01/2020-07" -> "2019-01/2019-07"). Period on period, it is the span of
    the same length just before (2024-Q3 -> 2024-Q2).
    """
    first, last = parse_period(period)
    if basis == "year_on_year":
        shifted = _YEAR.sub(lambda m: f"{int(m.group()) - 1:04d}", period)
        try:
            start, end = parse_period(shifted)
            return shifted, start, end
        except PeriodError:
            start, end = _minus_year(first), _minus_year(last)
            return canonical_period(start, end), start, end
    if first.day == 1 and (last + _DAY).day == 1:
        months = (last.year - first.year) * 12 + last.month - first.month + 1
        index = first.year * 12 + first.month - 1 - months
        start = dt.date(index // 12, index % 12 + 1, 1)
    else:
        start = first - (last - first) - _DAY
    end = first - _DAY
    return canonical_period(start, end), start, end


def _previous_periods(growth: pd.DataFrame) -> dict[str, Any]:
    """Previous period text and bounds of each row of ``growth``, as columns.

    Each distinct (period, basis) is worked out once.
    """
    periods, period_names = pd.factorize(growth["g_period"], use_na_sentinel=False)
    bases, basis_names = pd.factorize(growth["basis"], use_na_sentinel=False)
    codes, keys = pd.factorize(periods * len(basis_names) + bases)
    rows = [
        previous_period(period_names[k // len(basis_names)], basis_names[k % len(basis_names)])
        for k in keys.tolist()
    ]

    def days(values: list[dt.date]) -> npt.NDArray[np.datetime64]:
        stamps = pd.to_datetime(pd.Series(values, dtype=object)).to_numpy()
        taken: npt.NDArray[np.datetime64] = stamps.astype("datetime64[ns]")[codes]
        return taken

    return {
        "prev_period": np.array([r[0] for r in rows], dtype=object)[codes].tolist(),
        "prev_start": days([r[1] for r in rows]),
        "prev_end": days([r[2] for r in rows]),
    }


# -- the kind -------------------------------------------------------------------


def _growth_facts(ctx: RuleContext, params: GrowthParams) -> pd.DataFrame:
    specs = {k: m.growth for k, m in ctx.registries.metrics.items() if m.growth is not None}
    if params.select is None:
        # through the table's selection codes: neither hashing every metric nor joining
        # the table's parts into one frame
        chosen = ctx.select(
            Selector.model_validate({"metric": list(specs)}), columns=KIND_COLUMNS
        )
    else:
        chosen = ctx.select(params.select, columns=KIND_COLUMNS)
        chosen = chosen[chosen["metric"].isin(list(specs))]
    chosen = chosen[chosen["start"].notna()]
    growth = prefixed(chosen, "g_").reset_index(drop=True)
    growth["g_pos"] = np.arange(len(growth))
    growth["of"] = growth["g_metric"].map({k: s.of for k, s in specs.items()})
    growth["basis"] = growth["g_metric"].map({k: s.basis for k, s in specs.items()})
    if not len(growth):
        return growth.assign(prev_period="", prev_start=pd.NaT, prev_end=pd.NaT)
    return growth.assign(**_previous_periods(growth))


@dataclass(frozen=True)
class _Values:
    """The facts that give a value of a change's current or previous period.

    Match ``k`` pairs the change at position ``change[k]`` of the growth table with
    the fact at position ``row[k]`` of ``facts``; matches are in order of the change,
    then of the fact.
    """

    facts: pd.DataFrame
    change: npt.NDArray[np.intp]
    row: npt.NDArray[np.intp]

    def take(self, keep: npt.NDArray[np.bool_] | npt.NDArray[np.intp]) -> _Values:
        return _Values(self.facts, self.change[keep], self.row[keep])

    def rows(self) -> pd.DataFrame:
        return self.facts.iloc[self.row]


def _values(ctx: RuleContext, growth: pd.DataFrame) -> tuple[_Values, _Values]:
    """Facts of each change's metric and subject for its current and its previous period."""
    wanted: dict[str, Any] = {"metric": list(growth["of"].unique())}
    subjects = growth["g_subject"]
    if subjects.notna().all():
        # only the changes' subjects can match: fewer rows to take and to join
        wanted["subject"] = subjects.unique().tolist()
    facts = ctx.select(Selector.model_validate(wanted), columns=KIND_COLUMNS)
    # both periods in one join on integer codes: the changes twice, current then previous
    n = len(growth)

    def twice(current: str, previous: str) -> pd.Series:
        return pd.Series(np.concatenate([growth[current].to_numpy(), growth[previous].to_numpy()]))

    l_key, r_key = joint_codes(
        [
            twice("g_subject", "g_subject"),
            twice("of", "of"),
            twice("g_start", "prev_start"),
            twice("g_end", "prev_end"),
        ],
        [facts[k] for k in ("subject", "metric", "start", "end")],
    )
    doubled, row = equi_join(l_key, r_key)
    # a value derived from this very change would agree with it by construction
    pairs = pd.DataFrame(
        {
            "g_id": growth["g_id"].to_numpy(dtype=object)[doubled % n],
            "derived_from": facts["derived_from"].to_numpy(dtype=object)[row],
        }
    )
    keep = ~derived_from_any(pairs, "g_id", "derived_from")
    found = _Values(facts, doubled, row).take(keep)
    current = found.change < n
    previous = found.take(~current)
    return found.take(current), _Values(facts, previous.change - n, previous.row)


def _checks(
    ctx: RuleContext, changes: pd.DataFrame, current: pd.DataFrame, previous: pd.DataFrame
) -> pd.DataFrame:
    """(current / previous - 1) against the stated change, one row per current × previous.

    Row ``k`` of ``changes`` (rows of the growth table), ``current`` and ``previous``
    (facts) make check ``k``.
    """
    growth = join_side(changes, "g_")
    stated = written_interval(growth)
    change = base_interval(current) / base_interval(previous) - 1.0
    computed = in_unit(change, growth["factor"].to_numpy(dtype=float))
    comparison = compare(computed, stated, "==")
    units = growth["unit"].astype(str).tolist()
    messages = [""] * len(changes)
    failing = np.flatnonzero(~comparison.consistent)
    if len(failing):
        g_fig, c_fig, p_fig = (figure_text(f.iloc[failing]) for f in (growth, current, previous))
        got = interval_text(computed.take(failing), [units[i] for i in failing])
        want = interval_text(stated.take(failing), [units[i] for i in failing])
        where = side_word(computed.take(failing), stated.take(failing))
        g_id, c_id, p_id = (f["id"].to_numpy() for f in (growth, current, previous))
        c_period, p_period = current["period"].to_numpy(), previous["period"].to_numpy()
        of, subject = changes["of"].to_numpy(), growth["subject"].to_numpy()
        for k, i in enumerate(failing):
            head = (
                f"`{g_id[i]}` states a change of {g_fig[k]} in the {label(ctx, of[i])} of "
                f"`{subject[i]}`; {c_fig[k]} (`{c_id[i]}`, {c_period[i]}) against {p_fig[k]} "
                f"(`{p_id[i]}`, {p_period[i]})"
            )
            if comparison.undefined[i]:
                messages[i] = f"{head} has no defined change: the previous value may be 0"
            else:
                gap = gap_text(float(comparison.gap[i]), units[i])
                messages[i] = f"{head} gives {got[k]}, {gap} {where[k]} the stated {want[k]}"
    return outcomes(
        facts=_check_facts(growth, current, previous),
        stated=stated,
        computed=computed,
        unit=units,
        comparison=comparison,
        messages=messages,
    )


def _check_facts(
    growth: pd.DataFrame, current: pd.DataFrame, previous: pd.DataFrame
) -> list[tuple[str, ...]]:
    """Per check, the facts behind it: the change, then its current and previous values'
    stated facts, without repeats."""
    ids = [f["id"].to_numpy(dtype=object) for f in (growth, current, previous)]
    # three distinct stated facts (nearly every check): a tuple of their ids, built in C;
    # derived values and repeated ids go the general way
    facts: list[tuple[str, ...]] = list(zip(*(i.tolist() for i in ids), strict=True))
    general = current["derived"].to_numpy(dtype=bool) | previous["derived"].to_numpy(dtype=bool)
    general |= (ids[0] == ids[1]) | (ids[0] == ids[2]) | (ids[1] == ids[2])
    rows = np.flatnonzero(general)
    if len(rows):
        found = joined_ids(
            [(i,) for i in ids[0][rows].tolist()],
            origin(current.iloc[rows]),
            origin(previous.iloc[rows]),
        )
        for k, row_facts in zip(rows.tolist(), found, strict=True):
            facts[k] = row_facts
    return facts


def _previous_values(
    ctx: RuleContext, changes: pd.DataFrame, current: pd.DataFrame
) -> tuple[pd.DataFrame, set[int]]:
    """The previous value each change and current value imply: current / (1 + change).

    Row ``k`` of ``changes`` (rows of the growth table) goes with row ``k`` of
    ``current``. Returns the derived rows and the positions of the changes that gave one.
    """
    growth = join_side(changes, "g_")
    implied = in_unit(
        base_interval(current) / (base_interval(growth) + 1.0),
        current["factor"].to_numpy(dtype=float),
    )
    defined = ~implied.undefined
    growth, current, kept = growth[defined], current[defined], changes[defined]
    implied = implied.take(defined)
    units = current["unit"].astype(str).tolist()
    g_fig, c_fig, values = figure_text(growth), figure_text(current), interval_text(implied, units)
    explanation = [
        f"the {label(ctx, of)} of `{subject}` in {prev} implied by `{c}` ({cf} in {cp}) and a "
        f"change of {gf} (`{g}`): {cf} / (1 + {gf}) = {v}"
        for of, subject, prev, c, cf, cp, gf, g, v in zip(
            kept["of"],
            kept["g_subject"],
            kept["prev_period"],
            current["id"],
            c_fig,
            current["period"],
            g_fig,
            growth["id"],
            values,
            strict=True,
        )
    ]
    derived = derived_facts(
        ctx,
        subject=kept["g_subject"].tolist(),
        metric=kept["of"].tolist(),
        period=kept["prev_period"].tolist(),
        start=kept["prev_start"].to_numpy(),
        end=kept["prev_end"].to_numpy(),
        unit=units,
        interval=implied,
        derived_from=joined_ids([(i,) for i in growth["id"].tolist()], origin(current)),
        explanation=explanation,
    )
    return derived, set(kept["g_pos"])


def _missing(ctx: RuleContext, growth: pd.DataFrame, reason: str) -> pd.DataFrame:
    fig = figure_text(join_side(growth, "g_"))
    messages = [
        f"`{g}` states a change of {f} in the {label(ctx, of)} of `{s}` from {prev} to {cur}, "
        f"but {reason.format(prev=prev, cur=cur)}: the change cannot be checked"
        for g, f, of, s, prev, cur in zip(
            growth["g_id"],
            fig,
            growth["of"],
            growth["g_subject"],
            growth["prev_period"],
            growth["g_period"],
            strict=True,
        )
    ]
    return unverifiable([(i,) for i in growth["g_id"].tolist()], messages)


@rule_kind("FL108", "growth", GrowthParams)
def check(ctx: RuleContext, params: GrowthParams) -> RuleResult:
    """A stated change must match the values of the two periods it compares.

    Why: "423.2 billion yuan, a 15.2% decrease" states two figures at once:
    the current value and, through the change, the value a year before. A
    change recomputed from both periods' values (current / previous − 1, every
    figure as the interval its digits allow) catches a wrong sign, a change
    measured against the wrong year or a mistyped value. When only the current
    value is given, the previous one it implies (current / (1 + change)) is
    kept as a derived value, so that `agreement` rules can compare it with the
    same figure stated or implied elsewhere (the 2024-H1 national total that
    a zone's share implies, say).

    For each fact whose metric has a `growth` spec (`of`: the metric that
    changed; `basis`: `year_on_year` compares with the same period a year
    before, "2025-H1" with "2024-H1"; `period_on_period` with the span of the
    same length just before), the current values are facts of `of` for the
    same subject and period and the previous values those for the previous
    period (derived values of earlier rules count). Every current × previous
    pair is one check. A change with neither value, or with only the previous
    one, is reported unverifiable.

    Failing example:

        - id: fdi-growth
          kind: growth
        # facts: country amount 2025-H1 = 423.2 billion yuan; country
        # amount 2024-H1 = 600 billion yuan; country amount_growth 2025-H1
        # = -15.2 percent
        # -> `g` states a change of -15.2% ...; 423.2 billion yuan against
        #    600 billion yuan gives -29.53 – -29.40%, 14.1 percentage points
        #    below the stated -15.25 – -15.15%

    Passing example: the same with a previous value of 499 billion yuan
    (−15.2% gives 498.7–499.4 billion yuan); or with no previous value at
    all: the rule derives 498.7–499.4 billion yuan for 2024-H1 and leaves the
    comparison to agreement rules.
    """
    growth = _growth_facts(ctx, params)
    if not len(growth):
        return RuleResult(outcomes=empty_outcomes())
    current, previous = _values(ctx, growth)
    # every current × previous value of one change
    pair_c, pair_p = equi_join(current.change, previous.change)
    results = []
    if len(pair_c):
        changes = growth.iloc[current.change[pair_c]]
        values = current.take(pair_c).rows(), previous.take(pair_p).rows()
        results.append(_checks(ctx, changes, *values))

    has_current = marked(len(growth), current.change)
    has_previous = marked(len(growth), previous.change)
    results.append(_missing(ctx, growth[~has_current & ~has_previous], "neither value is given"))
    results.append(
        _missing(
            ctx,
            growth[~has_current & has_previous],
            "only the {prev} value is given, not the {cur} one",
        )
    )
    derived = None
    current_only = has_current & ~has_previous
    if params.derive_previous:
        alone = ~has_previous[current.change]
        derived, implied = _previous_values(
            ctx, growth.iloc[current.change[alone]], current.take(alone).rows()
        )
        # a change that implies no previous value (-100% or less) leaves it missing
        stuck = current_only & ~growth["g_pos"].isin(implied)
        results.append(
            _missing(
                ctx,
                growth[stuck],
                "the {prev} value is not given and cannot be derived from this change",
            )
        )
    else:
        results.append(
            _missing(ctx, growth[current_only], "only the {cur} value is given, not the {prev} one")
        )
    return RuleResult(outcomes=concat_outcomes(results), derived=derived)
