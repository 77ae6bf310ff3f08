"""FL103 share: a stated share against its part and its whole, and the whole it implies."""

from __future__ import annotations

from typing import Any, Literal

import numpy as np
import pandas as pd
from pydantic import Field

from factlint.interval import compare
from factlint.normalise import base_interval
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
    equi_join,
    join_side,
    joined_ids,
    joint_codes,
    nondiscrepancy,
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

# -- the share kind -----------------------------------------------------------


class ShareParams(Params):
    select: Selector | None = Field(
        None, description="share facts to check; default every fact whose metric has a `share` spec"
    )
    part: Selector | None = Field(
        None,
        description="facts to take parts from instead of the share's numerator metric "
        "(still matched on the share's subject and period)",
    )
    whole: Selector | None = Field(
        None,
        description="facts to take wholes from instead of the share's denominator metric "
        "(still matched on the whole's entity and `whole_period`)",
    )
    whole_period: Literal["same", "latest", "any"] = Field(
        "same",
        description="which whole a share is of: `same` period; `latest` whole ending on or before "
        "the share's period end (stocks such as a land area); `any` period",
    )
    derive_whole: bool = Field(
        True,
        description="derive the whole each share and part imply (part / share) for agreement rules",
    )
    check_numerator: bool = Field(
        True,
        description="report a figure stated in the share's sentence, for its subject, that "
        "measures something other than the share's numerator",
    )


SHARE_PREFIX, PART_PREFIX, WHOLE_PREFIX = "s_", "p_", "w_"


def _shares(ctx: RuleContext, params: ShareParams) -> pd.DataFrame:
    """The share facts, with their numerator, denominator and the entity of their whole."""
    specs = {k: m.share for k, m in ctx.registries.metrics.items() if m.share is not None}
    chosen = ctx.select(params.select)
    chosen = chosen[chosen["metric"].isin(list(specs)) & chosen["start"].notna()]
    shares = prefixed(chosen, SHARE_PREFIX).reset_index(drop=True)
    shares["s_pos"] = np.arange(len(shares))
    metric = shares["s_metric"]
    shares["numerator"] = metric.map({k: s.numerator for k, s in specs.items()})
    shares["denominator"] = metric.map({k: s.denominator for k, s in specs.items()})
    of = metric.map({k: s.of for k, s in specs.items()})
    hosts = {k: e.host for k, e in ctx.registries.entities.items() if e.host is not None}
    shares["of"] = of
    shares["whole_subject"] = of.where(of != "host", shares["s_subject"].map(hosts))
    return shares


def _joined(
    left: pd.DataFrame, right: pd.DataFrame, left_on: list[str], right_on: list[str]
) -> pd.DataFrame:
    """``left.merge(right, left_on=..., right_on=...)``, joining the key columns alone.

    A merge of wide frames copies every column of both sides; here the keys are
    joined as integer codes, and whole rows are taken once, for the matches only.
    The frames share no column names.
    """
    at, row = equi_join(*joint_codes([left[c] for c in left_on], [right[c] for c in right_on]))
    return pd.concat(
        [
            left.iloc[at].reset_index(drop=True),
            right.iloc[row].reset_index(drop=True),
        ],
        axis=1,
    )


def _parts(ctx: RuleContext, params: ShareParams, shares: pd.DataFrame) -> pd.DataFrame:
    """Every share × part pair: parts of the share's subject and period."""
    if params.part is not None:
        pool = ctx.select(params.part)
        left, right = ["s_subject", "s_start", "s_end"], ["p_subject", "p_start", "p_end"]
    else:
        pool = ctx.select(Selector.model_validate({"metric": list(shares["numerator"].unique())}))
        left = ["s_subject", "numerator", "s_start", "s_end"]
        right = ["p_subject", "p_metric", "p_start", "p_end"]
    parts = _joined(shares, prefixed(pool, PART_PREFIX), left, right)
    keep = (parts["p_id"] != parts["s_id"]).to_numpy() & ~derived_from_any(
        parts, "s_id", "p_derived_from"
    )
    return parts[keep].reset_index(drop=True)


def _wholes(ctx: RuleContext, params: ShareParams, shares: pd.DataFrame) -> pd.DataFrame:
    """Every share × whole pair: wholes of the whole's entity, period per ``whole_period``."""
    known = shares[shares["whole_subject"].notna()]
    if params.whole is not None:
        pool = ctx.select(params.whole)
        left, right = ["whole_subject"], ["w_subject"]
    else:
        pool = ctx.select(Selector.model_validate({"metric": list(known["denominator"].unique())}))
        left, right = ["whole_subject", "denominator"], ["w_subject", "w_metric"]
    if params.whole_period == "same":
        left, right = [*left, "s_start", "s_end"], [*right, "w_start", "w_end"]
    keys = ["s_pos", "s_id", "whole_subject", "denominator", "s_start", "s_end"]
    wholes = _joined(known[keys], prefixed(pool, WHOLE_PREFIX), left, right)
    keep = (wholes["w_id"] != wholes["s_id"]).to_numpy() & ~derived_from_any(
        wholes, "s_id", "w_derived_from"
    )
    wholes = wholes[keep]
    if params.whole_period == "latest":
        wholes = wholes[wholes["w_end"] <= wholes["s_end"]]
        latest = wholes.groupby("s_pos")["w_end"].transform("max")
        wholes = wholes[wholes["w_end"] == latest]
    return wholes.drop(
        columns=["s_id", "whole_subject", "denominator", "s_start", "s_end"]
    ).reset_index(drop=True)


def _of_text(ctx: RuleContext, row: Any) -> str:
    return f"the {label(ctx, row.denominator)} of `{row.whole_subject}`"


def _checks(ctx: RuleContext, checks: pd.DataFrame) -> pd.DataFrame:
    """part / whole against the stated share, one row per share × part × whole."""
    share, part, whole = (join_side(checks, p) for p in (SHARE_PREFIX, PART_PREFIX, WHOLE_PREFIX))
    factor = share["factor"].to_numpy(dtype=float)
    stated = written_interval(share)
    computed = in_unit(base_interval(part) / base_interval(whole), factor)
    comparison = compare(computed, stated, "==")
    # zip builds the one-id tuples in C
    facts = joined_ids(list(zip(share["id"].tolist())), origin(part), origin(whole))
    units = share["unit"].astype(str).tolist()
    messages = [""] * len(checks)
    failing = np.flatnonzero(~comparison.consistent)
    if len(failing):
        s_fig, p_fig, w_fig = (figure_text(f.iloc[failing]) for f in (share, part, whole))
        got = interval_text(computed.take(failing), [units[i] for i in failing])
        want = interval_text(stated.take(failing), [units[i] for i in failing])
        where = side_word(computed.take(failing), stated.take(failing))
        s_id, p_id, w_id = (f["id"].to_numpy() for f in (share, part, whole))
        for k, i in enumerate(failing):
            head = (
                f"`{s_id[i]}` states {s_fig[k]} of {_of_text(ctx, checks.iloc[i])}; "
                f"{p_fig[k]} (`{p_id[i]}`) / {w_fig[k]} (`{w_id[i]}`)"
            )
            if comparison.undefined[i]:
                messages[i] = f"{head} has no defined value: the whole may be 0"
            else:
                gap = gap_text(float(comparison.gap[i]), units[i])
                messages[i] = f"{head} gives {got[k]}, {gap} {where[k]} the stated {want[k]}"
    return outcomes(
        facts=facts,
        stated=stated,
        computed=computed,
        unit=units,
        comparison=comparison,
        messages=messages,
    )


def _implied_wholes(ctx: RuleContext, parts: pd.DataFrame) -> tuple[pd.DataFrame, set[str]]:
    """The whole each share × part pair implies (part / share), in the part's unit.

    Also returns the ids of the shares that implied a (defined) whole.
    """
    parts = parts[parts["whole_subject"].notna()]
    share, part = join_side(parts, SHARE_PREFIX), join_side(parts, PART_PREFIX)
    implied = in_unit(
        base_interval(part) / base_interval(share), part["factor"].to_numpy(dtype=float)
    )
    defined = ~implied.undefined
    parts, share, part, implied = (
        parts[defined],
        share[defined],
        part[defined],
        implied.take(defined),
    )
    units = part["unit"].astype(str).tolist()
    s_fig, p_fig = figure_text(share), figure_text(part)
    values = interval_text(implied, units)
    denominators = parts["denominator"].tolist()
    labels = {d: label(ctx, d) for d in set(denominators)}
    # every implied whole is a derived fact whose quote is this explanation
    explanation = [
        f"the {labels[d]} of `{w}` implied by `{s}` ({sf}) and `{p}` ({pf}): {pf} / {sf} = {v}"
        for d, w, s, p, sf, pf, v in zip(
            denominators,
            parts["whole_subject"].tolist(),
            share["id"].tolist(),
            part["id"].tolist(),
            s_fig,
            p_fig,
            values,
            strict=True,
        )
    ]
    frame = derived_facts(
        ctx,
        subject=parts["whole_subject"].tolist(),
        metric=parts["denominator"].tolist(),
        period=share["period"].tolist(),
        start=share["start"].to_numpy(),
        end=share["end"].to_numpy(),
        unit=units,
        interval=implied,
        derived_from=joined_ids(list(zip(share["id"].tolist())), origin(part)),
        explanation=explanation,
    )
    return frame, set(share["id"].tolist())


def _numerator_mismatches(
    ctx: RuleContext, shares: pd.DataFrame, part_ids: pd.Series
) -> pd.DataFrame:
    """Shares whose sentence gives, for their subject and period, a figure of another metric.

    Such a figure is the part the text offers; if the sentence also gives a
    figure of the numerator itself (or a part chosen by the `part` selector),
    the other one is just context.
    """
    dims = {k: m.dimension for k, m in ctx.registries.metrics.items()}
    quoted = shares[shares["s_quote"].fillna("").astype(str).str.strip() != ""]
    quoted = quoted.reset_index(drop=True)
    num_dim = quoted["numerator"].map(dims)
    # only stated figures of the numerator's dimension for a share's subject can be the
    # part; they are picked through the table's selection codes, so that the table is
    # neither joined whole nor hashed on its (long) quotes. The rules see valid facts,
    # whose unit has their metric's dimension (FL010), so the metrics of that dimension
    # pick them (the metric codes are the ones every selector uses already)
    table = ctx.table
    kinds = set(num_dim.tolist())
    mask = table.isin("metric", [k for k, d in dims.items() if d in kinds])
    mask &= table.isin("subject", quoted["s_subject"].unique().tolist())
    mask &= ~table.test("derived", _as_is)
    facts = table.rows(mask).reset_index(drop=True)
    # the same source, subject, period and dimension, on integer codes; the sentence's
    # text is compared only on the pairs that share these
    keys = ["source", "subject", "start", "end"]
    l_key, r_key = joint_codes(
        [*(quoted[f"s_{k}"] for k in keys), num_dim], [facts[k] for k in [*keys, "dimension"]]
    )
    at, row = equi_join(l_key, r_key)
    quotes = facts["quote"].to_numpy(dtype=object)
    same = quoted["s_quote"].to_numpy(dtype=object)[at] == quotes[row]
    at, row = at[same], row[same]
    s_id, x_id = quoted["s_id"].to_numpy()[at], facts["id"].to_numpy()[row]
    other = x_id != s_id
    at, row, x_id = at[other], row[other], x_id[other]
    proper = (facts["metric"].to_numpy()[row] == quoted["numerator"].to_numpy()[at]) | pd.Index(
        x_id
    ).isin(part_ids)
    wrong = ~proper & ~np.isin(at, at[proper])
    return pd.concat(
        [
            quoted.iloc[at[wrong]].reset_index(drop=True),
            prefixed(facts.iloc[row[wrong]], "x_").reset_index(drop=True),
        ],
        axis=1,
    )


def _as_is(column: pd.Series) -> pd.Series:
    """A boolean column as it is (for :meth:`FactTable.test`)."""
    return column


def _mismatch_outcomes(ctx: RuleContext, wrong: pd.DataFrame) -> pd.DataFrame:
    share, other = join_side(wrong, SHARE_PREFIX), join_side(wrong, "x_")
    s_fig, x_fig = figure_text(share), figure_text(other)
    messages = [
        f"the figure given beside the share `{s}` ({sf}) is `{x}` ({xf}, {label(ctx, xm)}), "
        f"which is not the share's numerator ({label(ctx, num)}): a share of "
        f"{label(ctx, num)} cannot be checked against {label(ctx, xm)}"
        for s, sf, x, xf, xm, num in zip(
            share["id"], s_fig, other["id"], x_fig, other["metric"], wrong["numerator"], strict=True
        )
    ]
    return nondiscrepancy(
        list(zip(share["id"], other["id"], strict=True)),
        messages,
        stated=written_interval(share),
        unit=share["unit"].astype(str).tolist(),
    )


def _missing(ctx: RuleContext, shares: pd.DataFrame, what: str) -> list[str]:
    fig = figure_text(join_side(shares, SHARE_PREFIX))
    out = []
    for k, row in enumerate(shares.itertuples(index=False)):
        if pd.isna(row.whole_subject):
            out.append(
                f"`{row.s_id}` states {fig[k]} of the {label(ctx, row.denominator)} of the host of "
                f"`{row.s_subject}`, but `{row.s_subject}` has no host in the entity registry: "
                "the whole is unknown"
            )
        elif what == "part":
            out.append(
                f"`{row.s_id}` states {fig[k]} of {_of_text(ctx, row)}, but no "
                f"{label(ctx, row.numerator)} of `{row.s_subject}` for {row.s_period} is given: "
                "the share cannot be checked"
            )
        else:
            out.append(
                f"`{row.s_id}` states {fig[k]} of {_of_text(ctx, row)}, but no such whole is given "
                "for its period and none could be implied: the share cannot be checked"
            )
    return out


@rule_kind("FL103", "share", ShareParams)
def check(ctx: RuleContext, params: ShareParams) -> RuleResult:
    """A stated share must equal its part divided by its whole.

    Why: a share ("20.8% of the country's foreign investment") ties three
    figures together. Recomputing part / whole with every figure taken as the
    interval its written digits allow catches a mistyped share or total
    without ever blaming rounding, and the whole that a share and its part
    imply (part / share) is kept as a derived value so that `agreement` rules
    can compare it with the whole stated elsewhere or implied by other
    documents. The figure printed beside a share must also measure the share's
    numerator: "exports reached 57.71 billion yuan, 14% of the imports and
    exports" gives exports, not the imports and exports the share is of.

    For each share fact (metric with a `share` spec: numerator, denominator,
    `of` = the whole's entity or `host`), the parts are facts of the numerator
    for the same subject and period, and the wholes facts of the denominator
    for the `of` entity (or the subject's host) and the period `whole_period`
    picks; derived values of earlier rules count. A part is never looked for
    on another subject: `of` decides the whole, nothing is guessed. A share
    with no part, or with a part but neither a whole nor an implied whole, is
    reported unverifiable.

    Failing example:

        - id: trade-share
          kind: share
          select: {metric: trade_share}
        # facts: zones trade 2024 = 4.1 trillion yuan; zones trade_share
        # 2024 = 21.5%; country trade 2024 = 21.17 trillion yuan
        # -> `share` states 21.5%; 4.1 trillion yuan / 21.17 trillion yuan
        #    gives 19.13–19.61%, 1.84 percentage points below the stated
        #    21.45–21.55%

    Passing example: the same facts with a share of 19.5% (19.13–19.61%
    covers 19.45–19.55%); or 222.52 billion yuan of 1232680 million yuan
    stated as 18.1% (18.05%: consistent thanks to rounding).
    """
    shares = _shares(ctx, params)
    if not len(shares):
        return RuleResult(outcomes=empty_outcomes())
    parts = _parts(ctx, params, shares)
    wholes = _wholes(ctx, params, shares)
    checks = parts.merge(wholes, on="s_pos")
    results = [_checks(ctx, checks)] if len(checks) else []

    derived, implied = None, set[str]()
    if params.derive_whole and len(parts):
        derived, implied = _implied_wholes(ctx, parts)

    flagged: set[str] = set()
    if params.check_numerator:
        wrong = _numerator_mismatches(ctx, shares, parts["p_id"])
        if len(wrong):
            results.append(_mismatch_outcomes(ctx, wrong))
            flagged = set(wrong["s_id"])

    has_part = shares["s_pos"].isin(parts["s_pos"])
    has_whole = shares["s_pos"].isin(wholes["s_pos"])
    unknown_whole = shares["whole_subject"].isna()
    no_part = shares[(~has_part | unknown_whole) & ~shares["s_id"].isin(flagged)]
    if len(no_part):
        results.append(
            unverifiable([(i,) for i in no_part["s_id"].tolist()], _missing(ctx, no_part, "part"))
        )
    no_whole = shares[has_part & ~has_whole & ~unknown_whole & ~shares["s_id"].isin(implied)]
    if len(no_whole):
        results.append(
            unverifiable(
                [(i,) for i in no_whole["s_id"].tolist()],
                _missing(ctx, no_whole, "whole"),
            )
        )
    return RuleResult(outcomes=concat_outcomes(results), derived=derived)
