"""FL107 rate: a count over a period against a stated rate (per day, week, month or year)."""

from __future__ import annotations

from typing import Literal

import numpy as np
import pandas as pd
from pydantic import Field, field_validator

from factlint.interval import Interval
from factlint.normalise import base_interval
from factlint.rules import rule_kind
from factlint.rules.base import (
    KIND_COLUMNS,
    Params,
    RuleContext,
    RuleResult,
    Selector,
    empty_outcomes,
    origin,
    outcomes,
    unverifiable,
)
from factlint.rules.pairing import (
    Shown,
    compare_shown,
    pair_facts,
    paired_origins,
    status_of,
    undefine,
)
from factlint.rules.wording import (
    by_gap,
    computed_text,
    number,
    side,
)

#: Days in each `per` of a rate spec (a mean month and a mean year).
DAYS_PER = {"day": 1.0, "week": 7.0, "month": 30.4375, "year": 365.25}


class RateParams(Params):
    select: Selector | None = Field(
        None,
        description=(
            "the rate facts; default every fact whose metric has a `rate` spec in the "
            "metric registry (only such facts are checked)"
        ),
    )
    count: Selector | None = Field(
        None,
        description=(
            "the counts to divide; default the facts of the rate's `rate.of` metric with the "
            "rate's subject. A count is always matched to a rate of the same subject; if this "
            "selector names no metric, the count's metric must still be the rate's `rate.of`"
        ),
    )
    period: Literal["same", "count"] = Field(
        "same",
        description=(
            "`same`: the count's period must equal the rate's; `count`: use any count of the "
            "subject with its own period, whatever the rate's period"
        ),
    )
    days: float | tuple[float, float] | None = Field(
        None,
        description=(
            "days to divide by instead of the count's period length, when the text states the "
            "span (\"in its first 300 days\"); two numbers [lo, hi] for an uncertain span"
        ),
    )

    @field_validator("days")
    @classmethod
    def _positive(
        cls, days: float | tuple[float, float] | None
    ) -> float | tuple[float, float] | None:
        if days is None:
            return None
        lo, hi = (days, days) if isinstance(days, float | int) else days
        if not 0 < lo <= hi:
            raise ValueError("`days` must be positive (and [lo, hi] with lo <= hi)")
        return days


@rule_kind("FL107", "rate", RateParams)
def check(ctx: RuleContext, params: RateParams) -> RuleResult:
    """A stated rate (per day, week, ...) must agree with the count over its period.

    Why: documents often restate a count as a rate ("about 160 new market entities
    were born every day") next to the count itself ("31,559 since its listing in
    August 2019 to the end of June 2020"). Dividing the count by the days of its
    period (both ends included; × 7, 30.4375 or 365.25 for a rate per week, month
    or year) gives the rate the text implies; a stated rate that the count cannot
    give is an error in one of the two. Approximate rates ("about") get the rule
    set's tolerance. A rate without a count to check it, and a count without a
    rate, are reported as unverifiable.

    Failing example:

        - id: entities-per-day
          kind: rate
        # facts (subject z1, period 2019-08/2020-06):
        #   entities = 31559 count; entities_per_day = about 160 count/day
        # -> `per-day` states about 160 count/day (151.5–168.5 count/day); `count`
        #    (31559) over 335 days (2019-08-01 to 2020-06-30) gives 94.21 count/day:
        #    the stated rate lies above by at least 57.29 count/day

    Passing example: the same count with "about 94 new entities every day".
    """
    specs = {m.id: m.rate for m in ctx.registries.metrics.values() if m.rate is not None}
    if params.select is None:
        rates = ctx.select(
            Selector.model_validate({"metric": list(specs)}), columns=KIND_COLUMNS
        )
    else:
        rates = ctx.select(params.select, columns=KIND_COLUMNS)
        rates = rates[rates["metric"].isin(list(specs))]
    rates = rates.reset_index(drop=True)
    if not len(rates):
        return RuleResult(outcomes=empty_outcomes())
    # each rate metric's spec looked up once, not once per fact
    code, metrics = pd.factorize(rates["metric"])
    rate_specs = [specs[m] for m in metrics.tolist()]
    of = np.asarray([spec.of for spec in rate_specs], dtype=object)[code]
    per = np.asarray([spec.per for spec in rate_specs], dtype=object)[code]
    per_days = np.asarray([DAYS_PER[spec.per] for spec in rate_specs], dtype=float)[code]
    counted = list(dict.fromkeys(spec.of for spec in rate_specs))
    # pair on the counted metric: the rate row stands in as a row of its `rate.of`
    as_counts = rates.assign(
        metric=of, _rate_metric=rates["metric"], _per=per, _per_days=per_days
    )
    match_metric = params.count is None or params.count.metric is None
    if params.count is None:
        counts = ctx.select(
            Selector.model_validate(
                {"metric": counted, "subject": rates["subject"].unique().tolist()}
            ),
            columns=KIND_COLUMNS,
        )
    else:
        counts = ctx.select(params.count, columns=KIND_COLUMNS)
        if match_metric:
            counts = counts[counts["metric"].isin(counted)]
    keys = ["subject"] + (["metric"] if match_metric else [])
    keys += ["period"] if params.period == "same" else []
    pairs = pair_facts(ctx, as_counts, counts, keys)
    r = pairs.left.assign(metric=pairs.left["_rate_metric"])
    c = pairs.right
    frames = []
    if len(r):
        frames.append(_checked(r, c, params))
    if len(pairs.lonely_left):
        lonely = pairs.lonely_left
        scope = "over the same period" if params.period == "same" else "over any period"
        counted = (
            [f"no count of `{m}`" for m in lonely["metric"]]
            if match_metric else ["no fact of the `count` selector"] * len(lonely)
        )
        frames.append(
            unverifiable(
                origin(lonely),
                [
                    f"`{i}` states a rate but {what} for `{s}` {scope} checks it"
                    for i, what, s in zip(lonely["id"], counted, lonely["subject"], strict=True)
                ],
            )
        )
    if len(pairs.lonely_right):
        lonely = pairs.lonely_right
        frames.append(
            unverifiable(
                origin(lonely),
                [
                    f"`{i}` counts `{m}` for `{s}` over {p} but no stated rate matches it"
                    for i, m, s, p in zip(
                        lonely["id"], lonely["metric"], lonely["subject"], lonely["period"],
                        strict=True,
                    )
                ],
            )
        )
    return RuleResult(outcomes=pd.concat(frames, ignore_index=True))


def _days(c: pd.DataFrame, params: RateParams) -> Interval:
    """Days of each count's period, both ends included (as ``period_days``), or the rule's days."""
    if params.days is not None:
        lo, hi = (params.days, params.days) if isinstance(params.days, float | int) else params.days
        n = len(c)
        return Interval.closed(np.full(n, float(lo)), np.full(n, float(hi)))
    start = c["start"].to_numpy(dtype="datetime64[D]")
    end = c["end"].to_numpy(dtype="datetime64[D]")
    with np.errstate(invalid="ignore"):
        span = (end - start).astype("timedelta64[D]").astype(float)
    span = np.where(np.isnat(start) | np.isnat(end), np.nan, span + 1.0)
    return Interval.point(span)


def _checked(r: pd.DataFrame, c: pd.DataFrame, params: RateParams) -> pd.DataFrame:
    days = _days(c, params)
    per_days = r["_per_days"].to_numpy(dtype=float)
    implied = (base_interval(c) / days).scale(per_days)
    not_counts = c["dimension"].to_numpy() != "count"
    implied = undefine(implied, not_counts)
    stated, computed, cmp = compare_shown(
        base_interval(r), implied, "==", r["factor"].to_numpy(dtype=float)
    )
    status = status_of(cmp)
    messages = [""] * len(r)
    shown_r, shown_c = Shown(r), Shown(c)
    pers = r["_per"].to_numpy(dtype=object)
    starts, ends = c["start"].to_numpy(), c["end"].to_numpy()
    for i in np.flatnonzero(status != "ok").tolist():
        r_id, c_id, unit = shown_r.id[i], shown_c.id[i], str(shown_r.unit[i])
        if not_counts[i]:
            messages[i] = (
                f"`{c_id}` is in {shown_c.unit[i]} ({shown_c.dimension[i]}), not a count: "
                f"it cannot check the rate `{r_id}`"
            )
            continue
        if params.days is not None:
            span = f"{computed_text(days, i, '')} days (the rule's `days`)"
        elif np.isnan(days.lo[i]):
            span = "an unknown number of days"
        else:
            first, last = pd.Timestamp(starts[i]), pd.Timestamp(ends[i])
            span = f"{number(float(days.lo[i]))} days ({first:%Y-%m-%d} to {last:%Y-%m-%d})"
        per = str(pers[i])
        per_note = "" if per == "day" else f" (× {number(DAYS_PER[per])} days per {per})"
        if cmp.undefined[i]:
            messages[i] = (
                f"`{r_id}` cannot be checked: `{c_id}` over {span}{per_note} gives no defined rate"
            )
            continue
        messages[i] = (
            f"`{r_id}` states {shown_r.written(i)} "
            f"({computed_text(stated, i, unit)}); `{c_id}` ({shown_c.written(i)}) "
            f"over {span}{per_note} gives {computed_text(computed, i, unit)}: the stated rate "
            f"lies {side(stated, computed, i, '==')} {by_gap(float(cmp.gap[i]), unit)}"
        )
    return outcomes(
        facts=paired_origins(r, c),
        stated=stated, computed=computed, unit=r["unit"].tolist(), comparison=cmp,
        messages=messages,
    )


__all__ = ["DAYS_PER", "RateParams", "check"]
