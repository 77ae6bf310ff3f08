"""FL109 agreement: the same figure, stated or derived more than once, must agree."""

from __future__ import annotations

from itertools import chain

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
    joined_ids,
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


def _group_keys(rows: pd.DataFrame) -> npt.NDArray[np.int64]:
    """One integer per row, equal where every column of GROUP_KEYS is equal.

    Missing values match each other, as in a merge. Integer keys make the grouping
    a sort of one array instead of a self-merge that hashes every string column.
    """
    key = np.zeros(len(rows), dtype=np.int64)
    for column in GROUP_KEYS:
        codes, uniques = pd.factorize(rows[column], use_na_sentinel=False)
        width = len(uniques) + 1
        if int(key.max(initial=0)) >= np.iinfo(np.int64).max // width:
            key = pd.factorize(key)[0].astype(np.int64)  # renumber before it could overflow
        key = key * width + codes
    return key


def _same_recipe(
    rows: pd.DataFrame, pos_a: npt.NDArray[np.intp], pos_b: npt.NDArray[np.intp]
) -> npt.NDArray[np.bool_]:
    """True for pairs of derived values computed from the very same facts (a rule run twice)."""
    derived = rows["derived"].to_numpy(dtype=bool)
    both = np.flatnonzero(derived[pos_a] & derived[pos_b])
    out = np.zeros(len(pos_a), dtype=bool)
    if not len(both):
        return out
    involved = np.unique(np.concatenate([pos_a[both], pos_b[both]]))
    sources = rows["derived_from"].to_numpy()[involved]
    codes, uniques = pd.factorize(pd.Series(["\x1f".join(sorted(s)) for s in sources]))
    # no facts at all is no recipe
    codes = np.where(uniques.to_numpy()[codes] == "", -1, codes)
    recipe_a = codes[np.searchsorted(involved, pos_a[both])]
    recipe_b = codes[np.searchsorted(involved, pos_b[both])]
    out[both] = (recipe_a == recipe_b) & (recipe_a >= 0)
    return out


def _derived_from_other(
    rows: pd.DataFrame, pos_a: npt.NDArray[np.intp], pos_b: npt.NDArray[np.intp]
) -> npt.NDArray[np.bool_]:
    """True for pairs where one row is derived from the other (they agree by construction)."""
    n = len(pos_a)
    # each pair both ways: is `made` derived from `of`?
    made, of = np.concatenate([pos_a, pos_b]), np.concatenate([pos_b, pos_a])
    check = np.flatnonzero(rows["derived"].to_numpy(dtype=bool)[made])
    out = np.zeros(2 * n, dtype=bool)
    if not len(check):
        return out[:n]
    # the ids each pair's `made` row was derived from, flat, compared with the id of its
    # `of` row: one elementwise comparison instead of hashing every id into a code table
    sources = rows["derived_from"].to_numpy()[made[check]]
    lengths = np.fromiter(map(len, sources), dtype=np.intp, count=len(sources))
    flat = np.fromiter(chain.from_iterable(sources), dtype=object, count=int(lengths.sum()))
    owner = np.repeat(np.arange(len(check)), lengths)
    hit = flat == rows["id"].to_numpy(dtype=object)[of[check]][owner]
    out[check[owner[hit]]] = True
    return out[:n] | out[n:]


def _pairs(rows: pd.DataFrame) -> tuple[npt.NDArray[np.intp], npt.NDArray[np.intp]]:
    """Positions (a, b), a < b, of every two rows about the same subject, metric and period.

    In order of a, then b. Rows with one key are adjacent after a stable sort, and
    each pairs with the rows after it in its run: no self-merge, whose cost grows
    with the square of a group's size in hashing and copying whole rows.
    """
    n = len(rows)
    if not n:
        empty = np.zeros(0, dtype=np.intp)
        return empty, empty
    keys = _group_keys(rows)
    order = np.argsort(keys, kind="stable")
    sorted_keys = keys[order]
    new_run = np.r_[True, sorted_keys[1:] != sorted_keys[:-1]]
    run = np.cumsum(new_run) - 1
    run_start = np.flatnonzero(new_run)
    run_end = np.r_[run_start[1:], n]
    at = np.arange(n)
    after = run_end[run] - at - 1  # rows after this one in its run
    first = np.repeat(at, after)
    offset = np.arange(len(first)) - np.repeat(np.cumsum(after) - after, after)
    pos_a, pos_b = order[first], order[first + 1 + offset]
    by_a = np.lexsort((pos_b, pos_a))
    pos_a, pos_b = pos_a[by_a], pos_b[by_a]
    # derived values computed from the very same facts (a rule run twice) match by construction
    same_recipe = _same_recipe(rows, pos_a, pos_b)
    pos_a, pos_b = pos_a[~same_recipe], pos_b[~same_recipe]
    # a derived value agrees with the facts it was derived from by construction
    own = _derived_from_other(rows, pos_a, pos_b)
    return pos_a[~own], pos_b[~own]


def _sharing_a_source(
    ctx: RuleContext,
    rows: pd.DataFrame,
    pos_a: npt.NDArray[np.intp],
    pos_b: npt.NDArray[np.intp],
) -> npt.NDArray[np.bool_]:
    """True for pairs with a source in common (a derived value has its facts' sources)."""
    stated = ctx.select(Selector.model_validate({"derived": False})).drop_duplicates("id")
    source_of = pd.Series(stated["source"].to_numpy(), index=stated["id"].to_numpy())
    ids = pd.DataFrame({"pos": np.arange(len(rows)), "id": pd.Series(origin(rows), dtype=object)})
    ids = ids.explode("id").dropna()
    sources = ids.assign(src=ids["id"].map(source_of)).dropna()[["pos", "src"]].drop_duplicates()
    pairs = pd.DataFrame({"pos_a": pos_a, "pos_b": pos_b})
    common = (
        pairs.merge(sources.rename(columns={"pos": "pos_a"}), on="pos_a")
        .merge(sources.rename(columns={"pos": "pos_b"}), on=["pos_b", "src"])
    )
    wanted = pd.MultiIndex.from_frame(pairs)
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
    keep = chosen["start"].notna().to_numpy() & chosen["end"].notna().to_numpy()
    if not params.include_derived:
        keep &= ~chosen["derived"].to_numpy(dtype=bool)
    # stated facts first, so that a pair shows a stated fact first
    rows = chosen[keep] if not keep.all() else chosen
    rows = rows.iloc[np.argsort(rows["derived"].to_numpy(dtype=bool), kind="stable")]
    pos_a, pos_b = _pairs(rows)
    if params.across_sources_only and len(pos_a):
        apart = ~_sharing_a_source(ctx, rows, pos_a, pos_b)
        pos_a, pos_b = pos_a[apart], pos_b[apart]
    if not len(pos_a):
        return RuleResult(outcomes=empty_outcomes())

    a, b = rows.iloc[pos_a], rows.iloc[pos_b]
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
    messages = [""] * len(pos_a)
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
