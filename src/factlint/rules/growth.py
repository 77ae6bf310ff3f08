"""FL108 growth: a stated change against the values of the two periods it compares."""

from __future__ import annotations

import datetime as dt
import re
from functools import lru_cache

import numpy as np
import pandas as pd
from pydantic import Field

from factlint.interval import compare
from factlint.normalise import base_interval
from factlint.period import PeriodError, parse_period
from factlint.rules import rule_kind
from factlint.rules.base import (
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
    join_side,
    joined_ids,
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


def _previous_periods(growth: pd.DataFrame) -> pd.DataFrame:
    """Previous period text and bounds for each distinct (period, basis) of ``growth``."""
    keys = growth[["g_period", "basis"]].drop_duplicates()
    rows = [previous_period(p, b) for p, b in zip(keys["g_period"], keys["basis"], strict=True)]
    return keys.assign(
        prev_period=[r[0] for r in rows],
        prev_start=pd.to_datetime(pd.Series([r[1] for r in rows], dtype=object))
        .to_numpy()
        .astype("datetime64[ns]"),
        prev_end=pd.to_datetime(pd.Series([r[2] for r in rows], dtype=object))
        .to_numpy()
        .astype("datetime64[ns]"),
    )


# -- the kind -------------------------------------------------------------------


def _growth_facts(ctx: RuleContext, params: GrowthParams) -> pd.DataFrame:
    specs = {k: m.growth for k, m in ctx.registries.metrics.items() if m.growth is not None}
    chosen = ctx.select(params.select)
    chosen = chosen[chosen["metric"].isin(list(specs)) & chosen["start"].notna()]
    growth = prefixed(chosen, "g_").reset_index(drop=True)
    growth["g_pos"] = np.arange(len(growth))
    growth["of"] = growth["g_metric"].map({k: s.of for k, s in specs.items()})
    growth["basis"] = growth["g_metric"].map({k: s.basis for k, s in specs.items()})
    if not len(growth):
        return growth.assign(prev_period="", prev_start=pd.NaT, prev_end=pd.NaT)
    return growth.merge(_previous_periods(growth), on=["g_period", "basis"], how="left")


def _values(
    ctx: RuleContext, growth: pd.DataFrame, prefix: str, when: tuple[str, str]
) -> pd.DataFrame:
    """Facts of the growth's metric, subject and period ``when`` (current or previous)."""
    facts = ctx.select(Selector.model_validate({"metric": list(growth["of"].unique())}))
    rows = np.arange(len(facts))
    keys = ["subject", "metric", "start", "end"]
    # join the keys alone, then assemble whole rows for the matches only
    left = pd.DataFrame(
        {
            "at": np.arange(len(growth)),
            **{
                k: growth[c].to_numpy()
                for k, c in zip(keys, ["g_subject", "of", *when], strict=True)
            },
        }
    )
    right = pd.DataFrame({"row": rows, **{k: facts[k].to_numpy()[rows] for k in keys}})
    pairs = left.merge(right, on=keys)
    found = pd.concat(
        [
            growth.iloc[pairs["at"].to_numpy()].reset_index(drop=True),
            prefixed(facts.iloc[pairs["row"].to_numpy()], prefix).reset_index(drop=True),
        ],
        axis=1,
    )
    # a value derived from this very change would agree with it by construction
    return found[~derived_from_any(found, "g_id", f"{prefix}derived_from")].reset_index(drop=True)


def _checks(ctx: RuleContext, checks: pd.DataFrame) -> pd.DataFrame:
    """(current / previous - 1) against the stated change, one row per current × previous."""
    growth, current, previous = (join_side(checks, p) for p in ("g_", "c_", "p_"))
    stated = written_interval(growth)
    change = base_interval(current) / base_interval(previous) - 1.0
    computed = in_unit(change, growth["factor"].to_numpy(dtype=float))
    comparison = compare(computed, stated, "==")
    units = growth["unit"].astype(str).tolist()
    messages = [""] * len(checks)
    failing = np.flatnonzero(~comparison.consistent)
    if len(failing):
        g_fig, c_fig, p_fig = (figure_text(f.iloc[failing]) for f in (growth, current, previous))
        got = interval_text(computed.take(failing), [units[i] for i in failing])
        want = interval_text(stated.take(failing), [units[i] for i in failing])
        where = side_word(computed.take(failing), stated.take(failing))
        g_id, c_id, p_id = (f["id"].to_numpy() for f in (growth, current, previous))
        c_period, p_period = current["period"].to_numpy(), previous["period"].to_numpy()
        of, subject = checks["of"].to_numpy(), growth["subject"].to_numpy()
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
        facts=joined_ids([(i,) for i in growth["id"].tolist()], origin(current), origin(previous)),
        stated=stated,
        computed=computed,
        unit=units,
        comparison=comparison,
        messages=messages,
    )


def _previous_values(ctx: RuleContext, found: pd.DataFrame) -> tuple[pd.DataFrame, set[int]]:
    """The previous value each change and current value imply: current / (1 + change).

    Returns the derived rows and the positions of the changes that gave one.
    """
    growth, current = join_side(found, "g_"), join_side(found, "c_")
    implied = in_unit(
        base_interval(current) / (base_interval(growth) + 1.0),
        current["factor"].to_numpy(dtype=float),
    )
    defined = ~implied.undefined
    growth, current, kept = growth[defined], current[defined], found[defined]
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
    current = _values(ctx, growth, "c_", ("g_start", "g_end"))
    previous = _values(ctx, growth, "p_", ("prev_start", "prev_end"))
    p_columns = ["g_pos", *(c for c in previous.columns if c.startswith("p_"))]
    checks = current.merge(previous[p_columns], on="g_pos")
    results = [_checks(ctx, checks)] if len(checks) else []

    has_current = growth["g_pos"].isin(current["g_pos"])
    has_previous = growth["g_pos"].isin(previous["g_pos"])
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
        found = current[~current["g_pos"].isin(previous["g_pos"])]
        derived, implied = _previous_values(ctx, found)
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
