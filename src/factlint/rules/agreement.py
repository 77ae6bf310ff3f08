"""FL109 agreement: the same figure, stated or derived more than once, must agree."""

from __future__ import annotations

import numpy as np
import numpy.typing as npt
import pandas as pd
from pydantic import Field

from factlint.interval import Comparison, compare, distinct_roundings
from factlint.normalise import base_interval
from factlint.rules import rule_kind
from factlint.rules.base import (
    Params,
    RuleContext,
    RuleResult,
    Selector,
    empty_outcomes,
    in_unit,
    origin,
    outcomes,
)
from factlint.rules.frames import (
    derived_from_any,
    join_side,
    joined_ids,
    prefixed,
    written_interval,
)
from factlint.rules.wording import (
    figure_text,
    gap_text,
    ids_text,
    number_text,
)

#: facts about the same thing: same subject, metric and canonical period
GROUP_KEYS = ["subject", "metric", "dimension", "start", "end"]


class AgreementParams(Params):
    select: Selector | None = Field(None, description="facts to compare; default all facts")
    include_derived: bool = Field(
        True,
        description="compare values derived by earlier rules too (implied wholes, previous "
        "values), with each other and with stated facts",
    )
    across_sources_only: bool = Field(
        False,
        description="compare only facts from different sources (default: two mentions in the "
        "same source must agree too)",
    )


def _pairs(rows: pd.DataFrame) -> pd.DataFrame:
    """Every pair i < j of rows about the same subject, metric and period (a self-merge)."""
    derived = rows["derived"].to_numpy(dtype=bool)
    keyed = rows[[*GROUP_KEYS, "pos"]].assign(
        # derived values computed from the very same facts (a rule run twice) match by construction
        recipe=[
            "\x1f".join(sorted(src)) if d else ""
            for src, d in zip(rows["derived_from"], derived, strict=True)
        ]
    )
    pairs = keyed.merge(keyed, on=GROUP_KEYS, suffixes=("_a", "_b"))
    same_recipe = (pairs["recipe_a"] == pairs["recipe_b"]) & (pairs["recipe_a"] != "")
    pairs = pairs[(pairs["pos_a"] < pairs["pos_b"]) & ~same_recipe]
    a = prefixed(rows, "a_").iloc[pairs["pos_a"].to_numpy()].reset_index(drop=True)
    b = prefixed(rows, "b_").iloc[pairs["pos_b"].to_numpy()].reset_index(drop=True)
    both = pd.concat([a, b], axis=1)
    both["pos_a"] = pairs["pos_a"].to_numpy()
    both["pos_b"] = pairs["pos_b"].to_numpy()
    # a derived value agrees with the facts it was derived from by construction
    own = derived_from_any(both, "a_id", "b_derived_from") | derived_from_any(
        both, "b_id", "a_derived_from"
    )
    return both[~own].reset_index(drop=True)


def _sharing_a_source(
    ctx: RuleContext, rows: pd.DataFrame, pairs: pd.DataFrame
) -> npt.NDArray[np.bool_]:
    """True for pairs with a source in common (a derived value has its facts' sources)."""
    stated = ctx.facts[~ctx.facts["derived"].astype(bool)].drop_duplicates("id")
    source_of = pd.Series(stated["source"].to_numpy(), index=stated["id"].to_numpy())
    ids = pd.DataFrame({"pos": rows["pos"].to_numpy(), "id": pd.Series(origin(rows), dtype=object)})
    ids = ids.explode("id").dropna()
    sources = ids.assign(src=ids["id"].map(source_of)).dropna()[["pos", "src"]].drop_duplicates()
    common = (
        pairs[["pos_a", "pos_b"]]
        .merge(sources.rename(columns={"pos": "pos_a"}), on="pos_a")
        .merge(sources.rename(columns={"pos": "pos_b"}), on=["pos_b", "src"])
    )
    wanted = pd.MultiIndex.from_frame(pairs[["pos_a", "pos_b"]])
    return np.asarray(wanted.isin(pd.MultiIndex.from_frame(common[["pos_a", "pos_b"]])), dtype=bool)


def _gap_unit(
    ctx: RuleContext, dimension: str, base_gap: float, fallback: str
) -> tuple[str, float]:
    """The unit a gap reads best in: the largest of its dimension not above it ("12.3 billion
    yuan" rather than "0.0123 trillion yuan")."""
    units = sorted(
        (u.factor, u.id) for u in ctx.registries.units.values() if u.dimension == dimension
    )
    if not units:
        return fallback, ctx.factor(fallback)
    fitting = [u for u in units if u[0] <= base_gap]
    factor, unit = fitting[-1] if fitting else units[0]
    return unit, factor


def _who(frame: pd.DataFrame) -> list[str]:
    """How a message names a fact: its id and source, or the rule and facts it was derived from."""
    out = []
    for fid, source, derived, derived_from, quote in zip(
        frame["id"],
        frame["source"],
        frame["derived"],
        frame["derived_from"],
        frame["quote"],
        strict=True,
    ):
        if derived:
            rule = str(fid).split("#", 1)[0]
            out.append(f"`{fid}` (derived by rule `{rule}` from {ids_text(derived_from)}: {quote})")
        else:
            out.append(f"`{fid}` (source `{source}`)")
    return out


@rule_kind("FL109", "agreement", AgreementParams)
def check(ctx: RuleContext, params: AgreementParams) -> RuleResult:
    """The same figure given (or implied) more than once must agree.

    Why: documents repeat figures (a national total in a statistics release
    and in a ministry's briefing, a zone's area in its plan and in a news
    item), and rules derive more of them (the national total a zone's share
    implies, last year's value a growth rate implies). Every two values of
    the same metric for the same subject and the same period (compared by
    their first and last day, so "2024-H1" and "2024-01/2024-06" match) must
    be able to be equal, each taken as the interval its written digits and
    qualifier allow, in base units ("1.23 trillion yuan" against "1226.0–1232.8
    billion yuan"). A derived value is never compared with the facts it was
    derived from, which it matches by construction.

    Failing example:

        - id: national-fdi-agrees
          kind: agreement
          select: {subject: country, metric: amount}
        # facts: country amount 2024-H1 = 520 billion yuan (source a);
        # a share rule derived 498.6–501.0 billion yuan from a zone's
        # 103.96 billion yuan = 20.8%
        # -> `total` (source `a`) says 520 billion yuan; `r0#1` (derived by
        #    rule `r0` from `share`, `part`: ...) gives 498.6–501.0 billion
        #    yuan: they differ by 18.5 billion yuan (3.55%)

    Passing example: the same with a stated total of 0.4998 trillion yuan,
    or the 498.7–499.4 billion yuan that a 15.2% decrease to 423.2 billion
    yuan in 2025-H1 implies for 2024-H1.
    """
    chosen = ctx.select(params.select)
    if not params.include_derived:
        chosen = chosen[~chosen["derived"].astype(bool)]
    chosen = chosen[chosen["start"].notna() & chosen["end"].notna()]
    # stated facts first, so that a pair shows a stated fact first
    rows = chosen.sort_values("derived", kind="stable").reset_index(drop=True)
    rows["pos"] = np.arange(len(rows))
    pairs = _pairs(rows)
    if params.across_sources_only and len(pairs):
        pairs = pairs[~_sharing_a_source(ctx, rows, pairs)].reset_index(drop=True)
    if not len(pairs):
        return RuleResult(outcomes=empty_outcomes())

    a, b = join_side(pairs, "a_"), join_side(pairs, "b_")
    a_factor = a["factor"].to_numpy(dtype=float)
    stated = written_interval(a)
    computed = in_unit(base_interval(b), a_factor)
    comparison = compare(computed, stated, "==")
    # two stated figures written to one precision that merely touch ("4.1" and "4.2
    # trillion") are different roundings: they disagree, by a gap of zero
    both_exact = (
        (a["qualifier"] == "exact").to_numpy() & (b["qualifier"] == "exact").to_numpy()
        & ~a["derived"].to_numpy(dtype=bool) & ~b["derived"].to_numpy(dtype=bool)
    )
    rounded_apart = both_exact & distinct_roundings(computed, stated)
    if rounded_apart.any():
        comparison = Comparison(
            comparison.consistent & ~rounded_apart, comparison.gap, comparison.relative_gap,
            comparison.undefined,
        )
    units = a["unit"].astype(str).tolist()
    messages = [""] * len(pairs)
    failing = np.flatnonzero(~comparison.consistent)
    if len(failing):
        fa, fb = a.iloc[failing], b.iloc[failing]
        who_a, who_b = _who(fa), _who(fb)
        fig_a, fig_b = figure_text(fa), figure_text(fb)
        dimensions = fa["dimension"].to_numpy()
        derived_a, derived_b = fa["derived"].to_numpy(), fb["derived"].to_numpy()
        for k, i in enumerate(failing):
            verb_a = "gives" if derived_a[k] else "says"
            verb_b = "gives" if derived_b[k] else "says"
            head = f"{who_a[k]} {verb_a} {fig_a[k]}; {who_b[k]} {verb_b} {fig_b[k]}"
            if comparison.undefined[i]:
                messages[i] = f"{head}: they cannot be compared (a value is undefined)"
                continue
            base_gap = float(comparison.gap[i]) * a_factor[i]
            if units[i] == "date":
                days = round(base_gap)
                messages[i] = f"{head}: they are {days} day{'s' if days != 1 else ''} apart"
                continue
            unit, factor = _gap_unit(ctx, str(dimensions[k]), base_gap, units[i])
            relative = number_text(float(comparison.relative_gap[i]) * 100)
            gap = gap_text(base_gap / factor, unit)
            messages[i] = f"{head}: they differ by {gap} ({relative}%)"
    return RuleResult(
        outcomes=outcomes(
            facts=joined_ids(origin(a), origin(b)),
            stated=stated,
            computed=computed,
            unit=units,
            comparison=comparison,
            messages=messages,
        )
    )
