"""FL109 agreement: the same figure, stated or derived more than once, must agree."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from itertools import chain
from operator import add, contains

import numpy as np
import numpy.typing as npt
import pandas as pd
from pydantic import Field

from factlint.interval import Comparison, compare, distinct_roundings
from factlint.normalise import base_interval
from factlint.rules import rule_kind
from factlint.rules.base import (
    FactTable,
    Params,
    RuleContext,
    RuleResult,
    Selector,
    empty_outcomes,
    in_unit,
    origin,
    outcomes,
)
from factlint.rules.frames import combined_codes, expand_ranges, written_interval
from factlint.rules.wording import (
    figure_text,
    gap_text,
    ids_text,
    number_text,
)

IntArray = npt.NDArray[np.int64]
BoolArray = npt.NDArray[np.bool_]
ObjectArray = npt.NDArray[np.object_]
Positions = npt.NDArray[np.intp]


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


#: what the pairs' comparison, filters and messages read of their two rows
PAIR_COLUMNS = (
    "id", "dimension", "derived", "derived_from", "factor", "lo", "hi", "lo_open", "hi_open",
    "base_lo", "base_hi", "qualifier", "unit",
)


def _group_keys(table: FactTable, rows: Positions) -> IntArray:
    """Per row of ``rows`` (positions in ``table``), one integer, equal where subject,
    metric, start and end are all equal.

    Missing values match each other, as in a merge. The subject and metric codes are
    those the table keeps for its selectors: hashing a million strings costs more than
    the rest of the rule. The dimension, the same within nearly every such group, is
    compared on the pairs instead.
    """
    codes = [table.codes(c)[rows] for c in ("subject", "metric")]
    codes += [pd.factorize(table.column(c)[rows])[0] for c in ("start", "end")]
    return combined_codes(codes)


#: an odd 64-bit constant (the golden ratio's): mixing a pair's number into its ids'
#: hashes makes one key per (pair, id), so that one pass finds an id a pair names twice
_MIX = np.int64(-0x61C8864680B583EB)


@dataclass(frozen=True)
class _PairRows:
    """The pairs' rows as the pair tests read them: ids, whether derived, the facts each was
    derived from, and these ids again as integers (their hashes).

    The tests ("derived from the same facts", "derived from the other", "names a fact
    twice") are array operations on the hashes. Equal ids have equal hashes, so they find
    every pair they should; what they find is confirmed on the ids themselves, since two
    ids may share a hash. Hashing each id once reads each string once: tuple by tuple
    tests read a pair's strings again for every test and every pair a row is in, and the
    strings lie all over memory.
    """

    ids: ObjectArray
    derived: BoolArray
    sources: ObjectArray
    """``derived_from``: per row, the ids it was derived from."""
    own: IntArray
    """Per row, its id's hash."""
    start: Positions
    """Per row, where its sources' hashes start in :attr:`flat`."""
    count: Positions
    """Per row, how many sources it has (none for a stated fact)."""
    flat: IntArray
    """The derived rows' sources' hashes, row after row."""

    @classmethod
    def of(cls, pairs: pd.DataFrame) -> _PairRows:
        ids = pairs["id"].to_numpy(dtype=object)
        derived = pairs["derived"].to_numpy(dtype=bool)
        sources = pairs["derived_from"].to_numpy()
        own = np.fromiter(map(hash, ids.tolist()), dtype=np.int64, count=len(ids))
        made = sources[derived].tolist()
        count = np.zeros(len(ids), dtype=np.intp)
        count[derived] = np.fromiter(map(len, made), dtype=np.intp, count=len(made))
        flat = np.fromiter(
            map(hash, chain.from_iterable(made)), dtype=np.int64, count=int(count.sum())
        )
        return cls(ids, derived, sources, own, np.cumsum(count) - count, count, flat)

    def source_sums(self) -> IntArray:
        """Per row, the sum of its sources' hashes (wrapping around)."""
        running = np.r_[np.int64(0), np.cumsum(self.flat, dtype=np.int64)]
        sums: IntArray = running[self.start + self.count] - running[self.start]
        return sums

    def origin(self, rows: Positions) -> tuple[Positions, IntArray]:
        """The stated facts behind ``rows`` (itself, or what it was derived from) as
        hashes, flat: (index into ``rows``, hash)."""
        made = self.derived[rows]
        stated, derived = np.flatnonzero(~made), np.flatnonzero(made)
        owner, at = expand_ranges(self.start[rows[derived]], self.count[rows[derived]])
        return (
            np.concatenate([stated, derived[owner]]),
            np.concatenate([self.own[rows[stated]], self.flat[at]]),
        )

    def origins(self) -> ObjectArray:
        """Per row, the stated facts behind it as a tuple of ids."""
        found = np.fromiter(zip(self.ids.tolist()), dtype=object, count=len(self.ids))
        made = np.flatnonzero(self.derived)
        found[made] = np.fromiter(
            map(tuple, self.sources[made].tolist()), dtype=object, count=len(made)
        )
        return found


def _same_recipe(rows: _PairRows, at_a: Positions, at_b: Positions) -> BoolArray:
    """True for pairs of derived values computed from the very same facts (a rule run twice).

    ``at_a``, ``at_b``: the pairs' rows.
    """
    out = np.zeros(len(at_a), dtype=bool)
    both = np.flatnonzero(rows.derived[at_a] & rows.derived[at_b])
    a, b = at_a[both], at_b[both]
    sums = rows.source_sums()
    # the same facts: as many, with the same sum of hashes; no facts at all is no recipe
    maybe = both[(rows.count[a] == rows.count[b]) & (rows.count[a] > 0) & (sums[a] == sums[b])]
    recipe_a, recipe_b = (
        ["\x1f".join(sorted(made_from)) for made_from in rows.sources[at[maybe]].tolist()]
        for at in (at_a, at_b)
    )
    out[maybe] = [a != "" and a == b for a, b in zip(recipe_a, recipe_b, strict=True)]
    return out


def _derived_from_other(rows: _PairRows, at_a: Positions, at_b: Positions) -> BoolArray:
    """True for pairs where one row is derived from the other (they agree by construction).

    ``at_a``, ``at_b``: the pairs' rows.
    """
    n = len(at_a)
    # each pair both ways: is `made` derived from `of`?
    made, of = np.concatenate([at_a, at_b]), np.concatenate([at_b, at_a])
    check = np.flatnonzero(rows.derived[made])
    owner, at = expand_ranges(rows.start[made[check]], rows.count[made[check]])
    maybe = check[np.unique(owner[rows.flat[at] == rows.own[of[check]][owner]])]
    hit = np.fromiter(
        map(contains, rows.sources[made[maybe]].tolist(), rows.ids[of[maybe]].tolist()),
        dtype=bool,
        count=len(maybe),
    )
    out = np.zeros(2 * n, dtype=bool)
    out[maybe[hit]] = True
    return out[:n] | out[n:]


def _same_key_pairs(table: FactTable, rows: Positions) -> tuple[Positions, Positions]:
    """Every two of ``rows`` (positions in ``table``) with the same subject, metric and
    canonical period (first and last day), as (a, b): indexes into ``rows``, a < b, in
    order of a, then b.

    Rows with one key are adjacent after a stable sort, and each pairs with the rows
    after it in its run: no self-merge, whose cost grows with the square of a group's
    size in hashing and copying whole rows.
    """
    if not len(rows):
        empty = np.zeros(0, dtype=np.intp)
        return empty, empty
    keys = _group_keys(table, rows)
    order = np.argsort(keys, kind="stable")
    sorted_keys = keys[order]
    new_run = np.r_[True, sorted_keys[1:] != sorted_keys[:-1]]
    run_end = np.r_[np.flatnonzero(new_run)[1:], len(order)]
    # per sorted position, the rows after it in its run; few rows have any
    after = run_end[np.cumsum(new_run) - 1] - np.arange(len(order)) - 1
    paired = np.flatnonzero(after)
    # those rows in order of a; the stable sort keeps each one's partners in order of b,
    # so the pairs need no sorting of their own
    paired = paired[np.argsort(order[paired], kind="stable")]
    first, partner = expand_ranges(paired + 1, after[paired])
    return order[paired][first], order[partner]


def _comparable(
    pairs: pd.DataFrame, rows: _PairRows, at_a: Positions, at_b: Positions
) -> BoolArray:
    """Of the pairs ``at_a``, ``at_b`` (rows of ``pairs``, whose columns are
    :data:`PAIR_COLUMNS`; ``rows``: the same rows as the pair tests read them), those to
    compare: of one dimension, and not agreeing by construction (two values derived from
    the same facts, or a value with a fact it was derived from)."""
    dimension = pairs["dimension"].to_numpy(dtype=object)
    d_a, d_b = dimension[at_a], dimension[at_b]
    keep: BoolArray = (d_a == d_b) | (pd.isna(d_a) & pd.isna(d_b))
    candidates = np.flatnonzero(keep)
    # derived values computed from the very same facts (a rule run twice) match by construction
    recipe = _same_recipe(rows, at_a[candidates], at_b[candidates])
    candidates = candidates[~recipe]
    # a derived value agrees with the facts it was derived from by construction
    own = _derived_from_other(rows, at_a[candidates], at_b[candidates])
    keep[:] = False
    keep[candidates[~own]] = True
    return keep


def _sharing_a_source(
    ctx: RuleContext,
    rows: pd.DataFrame,
    pos_a: npt.NDArray[np.intp],
    pos_b: npt.NDArray[np.intp],
) -> npt.NDArray[np.bool_]:
    """True for pairs with a source in common (a derived value has its facts' sources).

    ``rows``: the id, derived and derived_from of the rows ``pos_a`` and ``pos_b`` index.
    """
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


def _pair_facts(rows: _PairRows, at_a: Positions, at_b: Positions) -> list[tuple[str, ...]]:
    """Per pair, the stated facts behind its two values (``at_a``, ``at_b``: its rows), in
    order and without repeats: ``joined_ids(origin(a), origin(b))``.

    The tuples are joined by maps in C; only those of the few pairs that may name a fact
    twice are rebuilt.
    """
    derived_a, derived_b = rows.derived[at_a], rows.derived[at_b]
    facts = np.empty(len(at_a), dtype=object)

    def fill(chosen: Positions, found: Iterable[tuple[str, ...]]) -> None:
        facts[chosen] = np.fromiter(found, dtype=object, count=len(chosen))

    # two stated facts (one, if it is there twice)
    stated = np.flatnonzero(~derived_a & ~derived_b)
    id_a, id_b = rows.ids[at_a[stated]], rows.ids[at_b[stated]]
    fill(stated, zip(id_a.tolist(), id_b.tolist(), strict=True))
    twice = stated[id_a == id_b]
    fill(twice, zip(rows.ids[at_a[twice]].tolist()))
    # with a derived value: the facts of the one, then of the other
    joined = np.flatnonzero(derived_a | derived_b)
    origins = rows.origins()
    fill(joined, map(add, origins[at_a[joined]].tolist(), origins[at_b[joined]].tolist()))
    for k in joined[_naming_a_fact_twice(rows, at_a[joined], at_b[joined])].tolist():
        facts[k] = tuple(dict.fromkeys(facts[k]))
    found: list[tuple[str, ...]] = facts.tolist()
    return found


def _naming_a_fact_twice(rows: _PairRows, at_a: Positions, at_b: Positions) -> Positions:
    """The pairs (indexes into ``at_a``, ``at_b``) whose facts may name one fact twice:
    all that do, and any whose facts' hashes merely coincide."""
    owner_a, hash_a = rows.origin(at_a)
    owner_b, hash_b = rows.origin(at_b)
    owner = np.concatenate([owner_a, owner_b])
    # one key per (pair, fact): equal for a fact a pair names twice
    keys = np.concatenate([hash_a, hash_b]) ^ (owner.astype(np.int64) * _MIX)
    return np.unique(owner[pd.Series(keys).duplicated().to_numpy()])


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
    # without a selector: the run's table itself, read column by column and at the pairs'
    # rows, since joining its parts (a million rows of two dozen columns) costs more than
    # the rest of the rule
    table = ctx.table if params.select is None else FactTable(
        ctx.select(params.select), ctx.registries
    )
    keep = pd.notna(table.column("start")) & pd.notna(table.column("end"))
    derived = np.asarray(table.column("derived"), dtype=bool)
    if not params.include_derived:
        keep &= ~derived
    # stated facts first, so that a pair shows a stated fact first; the rows are positions
    # in `table`, and only the columns a step needs are gathered, not whole rows
    rows = np.flatnonzero(keep)
    rows = rows[np.argsort(derived[rows], kind="stable")]
    pos_a, pos_b = _same_key_pairs(table, rows)
    # the pairs' rows, once each (marked, not sorted out of the pairs): at_a and at_b index them
    in_pair = np.zeros(len(rows), dtype=bool)
    in_pair[pos_a] = in_pair[pos_b] = True
    involved = rows[in_pair]
    pairs = table.take(involved, PAIR_COLUMNS)
    at_involved = np.cumsum(in_pair) - 1
    at_a, at_b = at_involved[pos_a], at_involved[pos_b]
    pair_rows = _PairRows.of(pairs)
    comparable = _comparable(pairs, pair_rows, at_a, at_b)
    pos_a, pos_b = pos_a[comparable], pos_b[comparable]
    at_a, at_b = at_a[comparable], at_b[comparable]
    if params.across_sources_only and len(pos_a):
        mentions = table.take(rows, ("id", "derived", "derived_from"))
        apart = ~_sharing_a_source(ctx, mentions, pos_a, pos_b)
        pos_a, pos_b, at_a, at_b = pos_a[apart], pos_b[apart], at_a[apart], at_b[apart]
    if not len(pos_a):
        return RuleResult(outcomes=empty_outcomes())

    a_factor = pairs["factor"].to_numpy(dtype=float)[at_a]
    stated = written_interval(pairs).take(at_a)
    computed = in_unit(base_interval(pairs).take(at_b), a_factor)
    comparison = compare(computed, stated, "==")
    # two stated figures written to one precision that merely touch ("4.1" and "4.2
    # trillion") are different roundings: they disagree, by a gap of zero
    qualifier = pairs["qualifier"].to_numpy(dtype=object)
    both_exact = (
        (qualifier[at_a] == "exact")
        & (qualifier[at_b] == "exact")
        & ~pair_rows.derived[at_a]
        & ~pair_rows.derived[at_b]
    )
    rounded_apart = both_exact & distinct_roundings(computed, stated)
    if rounded_apart.any():
        comparison = Comparison(
            comparison.consistent & ~rounded_apart, comparison.gap, comparison.relative_gap,
            comparison.undefined,
        )
    units = pairs["unit"].take(at_a).astype(str).tolist()
    messages = [""] * len(pos_a)
    failing = np.flatnonzero(~comparison.consistent)
    if len(failing):
        fa, fb = (table.take(involved[at[failing]]) for at in (at_a, at_b))
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
            facts=_pair_facts(pair_rows, at_a, at_b),
            stated=stated,
            computed=computed,
            unit=units,
            comparison=comparison,
            messages=messages,
        )
    )
