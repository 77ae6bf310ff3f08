"""FL105 monotonic: a series per subject and metric may not fall (or rise)."""

from __future__ import annotations

from typing import Literal

import numpy as np
import numpy.typing as npt
import pandas as pd
from pydantic import Field

from factlint.interval import Interval, compare, format_interval
from factlint.normalise import base_interval
from factlint.rules import rule_kind
from factlint.rules.base import (
    KIND_COLUMNS,
    Params,
    RuleContext,
    RuleResult,
    Selector,
    empty_outcomes,
    in_unit,
    origin,
    outcomes,
)
from factlint.rules.wording import QUALIFIER_WORDS

IntArray = npt.NDArray[np.int64]



class MonotonicParams(Params):
    select: Selector | None = Field(
        None,
        description=(
            "the facts that form series (grouped by subject and metric); default: every fact "
            "whose metric is `cumulative: true` in the metric registry"
        ),
    )
    direction: Literal["increasing", "decreasing"] = Field(
        "increasing", description="`increasing`: a later value may not be smaller; `decreasing`: "
        "a later value may not be larger"
    )
    strict: bool = Field(
        False, description="true: a later value must be strictly larger (or smaller); "
        "equal values fail"
    )


@rule_kind("FL105", "monotonic", MonotonicParams)
def check(ctx: RuleContext, params: MonotonicParams) -> RuleResult:
    """A series per subject and metric may not fall (a cumulative count only grows).

    Why: running totals ("the number of pilot free trade zones", "innovations
    replicated nationwide", "powers delegated so far") are restated in many
    documents over the years. A later document that states a smaller running
    total than an earlier one (21 zones in 2022 after 22 in 2020) has a typo,
    a stale figure or a different scope. Facts are grouped by subject and
    metric and ordered by the end of their period; each fact is compared with
    the strongest strictly earlier fact (the largest lower bound) and the
    strongest strictly later fact (the smallest upper bound), so a single wrong
    value fails against its neighbours on both sides and the engine can name it
    as the culprit. Facts whose periods end on the same day are not compared.
    Intervals honour written precision and qualifiers: "more than 3,500" then
    "3,500" is a fall; "about 1,200" then "1,180" is not.

    Failing example:

        - id: zone-count-grows
          kind: monotonic
          select: {metric: zone_count}
        # facts: ftz-all zone_count 2019: 18; 2020-09: 21; 2021: 12; 2022: 21
        # -> `c-2021` states 12 for 2021, fewer than the 21 that `c-2020` states
        #    for 2020-09: number of zones set up so far cannot fall (a fall of at
        #    least 9); and fewer than the 18 of `c-2019`. `c-2021` fails twice while
        #    its partners pass elsewhere, so it is named as the culprit.

    Passing example: 11 (2017-04-01), 18 (2019-08-26), 21 (2020-09), 21 (2022),
    22 (2024-H1): every later value is at least every earlier one. With
    `strict: true` the two 21s would fail.
    """
    frame = _series(ctx, params)
    if len(frame) < 2:
        return RuleResult(outcomes=empty_outcomes())
    iv = base_interval(frame)
    # a decreasing series is an increasing series of the negated values
    grow = iv.neg() if params.direction == "decreasing" else iv
    group = _series_of(frame)
    end = frame["end"].to_numpy(dtype="datetime64[ns]").astype(np.int64)
    # strongest lower bound: the largest lo, an open lo beating a closed one, then the
    # nearest in time (so a message names the neighbour); the upper bound mirrors it
    lower_rank = _rank(np.lexsort((end, grow.lo_open, grow.lo)))
    upper_rank = _rank(np.lexsort((-end, grow.hi_open, -grow.hi)))
    earlier = _binding(group, end, lower_rank)
    later = _binding(group, -end, upper_rank)
    rows = np.arange(len(frame))
    # each (later, earlier) pair once, in order of the later row, then the earlier one
    pairs = np.sort(
        np.concatenate([rows[earlier >= 0], later[later >= 0]]) * len(frame)
        + np.concatenate([earlier[earlier >= 0], rows[later >= 0]])
    )
    pairs = pairs[np.r_[True, pairs[1:] != pairs[:-1]][: len(pairs)]]
    if not len(pairs):
        return RuleResult(outcomes=empty_outcomes())
    late, early = np.divmod(pairs, len(frame))
    factor = frame["factor"].to_numpy(dtype=float)[late]
    stated = in_unit(iv.take(late), factor)
    other = in_unit(iv.take(early), factor)
    op = ">" if params.strict else ">="
    if params.direction == "decreasing":
        cmp = compare(stated.neg(), other.neg(), op)
    else:
        cmp = compare(stated, other, op)
    facts = _pair_facts(frame, late, early)
    units = frame["unit"].to_numpy(dtype=object)[late]
    out = outcomes(
        facts=facts, stated=stated, computed=other, unit=[str(u) for u in units], comparison=cmp
    )
    failing = np.flatnonzero(out["status"].to_numpy() != "ok")
    messages = out["message"].to_numpy(dtype=object)
    for k in failing.tolist():
        messages[k] = _message(
            ctx, frame, params, (int(late[k]), int(early[k])), (stated, other), float(cmp.gap[k]), k
        )
    out["message"] = messages
    return RuleResult(outcomes=out)


def _pair_facts(frame: pd.DataFrame, late: IntArray, early: IntArray) -> list[tuple[str, ...]]:
    """Per compared pair, the stated facts behind the later then the earlier value."""
    ids = frame["id"].to_numpy(dtype=object)
    # two stated facts with different ids (nearly every pair): a tuple of the two ids,
    # built in C; derived values and repeated ids go the general way
    facts: list[tuple[str, ...]] = list(zip(ids[late].tolist(), ids[early].tolist(), strict=True))
    derived = frame["derived"].to_numpy(dtype=bool)
    general = np.flatnonzero(derived[late] | derived[early] | (ids[late] == ids[early]))
    if len(general):
        origins = origin(frame)
        for k in general.tolist():
            facts[k] = tuple(dict.fromkeys(origins[late[k]] + origins[early[k]]))
    return facts


def _series(ctx: RuleContext, params: MonotonicParams) -> pd.DataFrame:
    """The selected facts with a defined interval and period."""
    if params.select is None:
        cumulative = [m for m, spec in ctx.registries.metrics.items() if spec.cumulative]
        frame = ctx.select(Selector.model_validate({"metric": cumulative}), columns=KIND_COLUMNS)
    else:
        frame = ctx.select(params.select, columns=KIND_COLUMNS)
    iv = base_interval(frame)
    usable = ~iv.undefined & frame["end"].notna().to_numpy()
    return frame[usable].reset_index(drop=True)


def _series_of(frame: pd.DataFrame) -> IntArray:
    """Per row, a number for its series: equal where subject, metric and dimension are.

    A row missing one of them is a series of its own (a group-by leaves it out).
    """
    key = np.zeros(len(frame), dtype=np.int64)
    missing = np.zeros(len(frame), dtype=bool)
    for column in ("subject", "metric", "dimension"):
        codes, names = pd.factorize(frame[column].to_numpy(dtype=object))
        missing |= codes < 0
        key = key * (len(names) + 1) + codes + 1
    # renumbered from 0: keys of three columns multiplied out need not stay small
    series: IntArray = pd.factorize(key)[0].astype(np.int64)
    series[missing] = len(frame) + np.arange(int(missing.sum()))
    return series


def _rank(order: IntArray) -> IntArray:
    """Turn a sort order into each row's rank (0 = weakest)."""
    rank = np.empty(len(order), dtype=np.int64)
    rank[order] = np.arange(len(order), dtype=np.int64)
    return rank


def _binding(group: IntArray, time: IntArray, rank: IntArray) -> IntArray:
    """Per row: the row of highest rank in its group at a strictly smaller ``time`` (-1: none).

    Rows at the same time are pooled first, so facts about the same day are
    never compared with each other.
    """
    n = len(rank)
    order = np.lexsort((time, group))
    g, t, r = group[order], time[order], rank[order]
    # segments: the rows of one group at one time, in order of group, then time
    starts_segment = np.r_[True, (g[1:] != g[:-1]) | (t[1:] != t[:-1])]
    first_row = np.flatnonzero(starts_segment)
    best = np.maximum.reduceat(r, first_row)
    seg_group = g[first_row]
    starts_group = np.r_[True, seg_group[1:] != seg_group[:-1]]
    # a running maximum per group: lifting each group above all earlier ones (ranks are
    # below n) lets one cumulative maximum run over all groups without mixing them
    lift = (np.cumsum(starts_group) - 1) * n
    running = np.maximum.accumulate(best + lift) - lift
    before = np.r_[-1, running[:-1]]
    before[starts_group] = -1  # nothing earlier in the group
    found = np.empty(n, dtype=np.int64)
    found[order] = before[np.cumsum(starts_segment) - 1]
    row_of_rank = np.argsort(rank)
    result: IntArray = np.where(found >= 0, row_of_rank[np.maximum(found, 0)], -1)
    return result


def _written(frame: pd.DataFrame, i: int, shown: Interval, k: int) -> str:
    """A fact's value as its text states it, or its interval when derived or rescaled."""
    row = frame.iloc[i]
    unit = str(row["unit"])
    if bool(row["derived"]) or not str(row["value"]).strip():
        return _interval_text(shown, k, unit)
    words = QUALIFIER_WORDS.get(str(row["qualifier"]), "")
    return words + _with_unit(str(row["value"]), unit)


def _with_unit(text: str, unit: str) -> str:
    if unit == "percent":
        return f"{text}%"
    return text if unit in ("count", "date", "") else f"{text} {unit}"


def _interval_text(iv: Interval, k: int, unit: str) -> str:
    lo, hi, lo_open, hi_open = iv[k]
    return format_interval(lo, hi, lo_open, hi_open, "" if unit == "count" else unit)


def _message(
    ctx: RuleContext,
    frame: pd.DataFrame,
    params: MonotonicParams,
    rows: tuple[int, int],
    shown: tuple[Interval, Interval],
    gap: float,
    k: int,
) -> str:
    """Why a pair fails, from the later fact's side ("`b` states 12 for 2021, fewer than ...")."""
    late, early = rows
    late_row, early_row = frame.iloc[late], frame.iloc[early]
    unit = str(late_row["unit"])
    stated, other = shown
    stated_text = _written(frame, late, stated, k)
    same_unit = early_row["unit"] == late_row["unit"] and not bool(early_row["derived"])
    earlier = _written(frame, early, other, k) if same_unit else _interval_text(other, k, unit)
    increasing = params.direction == "increasing"
    if params.strict:
        relation = "not more than" if increasing else "not less than"
        verb = "must rise" if increasing else "must fall"
    else:
        relation = "fewer than" if increasing else "more than"
        if frame["dimension"].iloc[late] != "count":
            relation = "less than" if increasing else "more than"
        verb = "cannot fall" if increasing else "cannot rise"
    metric = str(late_row["metric"])
    spec = ctx.registries.metrics.get(metric)
    label = spec.label if spec is not None else metric
    label = label[:1].lower() + label[1:]
    text = (
        f"`{late_row['id']}` states {stated_text} for {late_row['period']}, {relation} the "
        f"{earlier} that `{early_row['id']}` states for {early_row['period']}: "
        f"{label} {verb}"
    )
    if np.isfinite(gap) and gap > 0:
        change = "a fall" if increasing else "a rise"
        text += f" ({change} of at least {_interval_text(Interval.point(gap), 0, unit)})"
    return text
