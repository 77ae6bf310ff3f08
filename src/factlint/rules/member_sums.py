"""FL106 members, mode `sum`: stated totals against the sum of the members' values."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np
import numpy.typing as npt
import pandas as pd

from factlint.interval import Interval, compare
from factlint.normalise import base_interval
from factlint.period import parse_period
from factlint.rules.base import (
    KIND_COLUMNS,
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
    Coded,
    Origins,
    concat_outcomes,
    equi_join,
    expand_ranges,
    ids_by_group,
)
from factlint.rules.membership import (
    EXCLUDED,
    PLACE,
    POSSIBLY,
    SHOWN_MEMBERS,
    SURELY,
    Ids,
    day_numbers,
    existence,
    ids_text,
    interval_words,
    kind_noun,
    member_pairs,
    of_metrics,
    stated_texts,
    usable,
    when_text,
    written_value,
)
from factlint.rules.pairing import undefine

if TYPE_CHECKING:
    from factlint.rules.members import MembersParams


def check_sum(ctx: RuleContext, params: MembersParams) -> RuleResult:
    """Mode `sum` of the members kind: each target's members' values added up, compared
    with its stated total, and derived as a fact of the entity where bounded."""
    totals, targets = _targets(ctx, params)
    if not len(targets):
        return RuleResult(outcomes=empty_outcomes())
    reg = ctx.registries
    dims = {m: reg.metrics[m].dimension for m in targets["metric"].unique().tolist()}
    key, member = member_pairs(ctx, params, targets["entity"])
    pairs = _Pairs(
        key=key,
        member=member,
        metric=Coded.of(targets["metric"]).take(key),
        day=targets["day"].to_numpy(dtype=float)[key],
    )
    state = existence(ctx, params, pairs.member, pairs.day).state
    values = _member_values(ctx, params, pairs, dims)
    total, tally = _add_up(len(targets), pairs, state, values)
    parts = _parts(pairs.key[values.id_pair], values, len(targets))
    context = _Context(pairs, state, values)
    frames = [
        _total_outcomes(ctx, params, totals, targets, total, tally, parts, context),
        _unbounded_at(ctx, params, targets, tally, parts, context),
    ]
    derived = _derived(ctx, params, targets, total, tally, parts, context)
    return RuleResult(outcomes=concat_outcomes(frames), derived=derived)


@dataclass(frozen=True)
class _Pairs:
    """One row per (target, member): the target's key, and the member's name, metric, day."""

    key: npt.NDArray[np.intp]
    member: Coded
    metric: Coded
    day: npt.NDArray[np.float64]

    def of_key(self, key: int) -> range:
        """The pairs of a target (pairs are in target order)."""
        return range(*np.searchsorted(self.key, [key, key + 1]).tolist())


@dataclass(frozen=True)
class _Values:
    """Per pair, the member's value (base units; NaN where it has none) and its facts."""

    lo: npt.NDArray[np.float64]
    hi: npt.NDArray[np.float64]
    lo_open: npt.NDArray[np.bool_]
    hi_open: npt.NDArray[np.bool_]
    #: the row in ``sources[source]`` of the one fact that gives the value (-1: none,
    #: or several); its text is only needed for a failing total's message
    fact: npt.NDArray[np.intp]
    source: npt.NDArray[np.intp]
    #: the unit of the value's (first) fact, "" where there is none
    unit: npt.NDArray[np.object_]
    #: the ids behind each value, flat: (pair, id), by pair
    id_pair: npt.NDArray[np.intp]
    ids: npt.NDArray[np.object_]
    #: per id, the place in the whole table of the stated fact it names (-1: not known,
    #: an id a derived value was derived from)
    id_place: npt.NDArray[np.int64]
    sources: tuple[pd.DataFrame, ...] = ()

    @classmethod
    def none(cls, n: int) -> _Values:
        no = np.zeros(n, dtype=bool)
        return cls(np.full(n, np.nan), np.full(n, np.nan), no, no.copy(), np.full(n, -1),
                   np.zeros(n, dtype=np.intp), np.full(n, "", dtype=object),
                   np.zeros(0, dtype=np.intp), np.zeros(0, dtype=object),
                   np.zeros(0, dtype=np.int64))

    def texts(self, rows: range) -> list[str]:
        """The values of some pairs as written, "" where not a single stated fact."""
        fact, source = self.fact[rows.start : rows.stop], self.source[rows.start : rows.stop]
        texts = np.full(len(fact), "", dtype=object)
        for k, frame in enumerate(self.sources):
            at = (fact >= 0) & (source == k)
            if at.any():
                texts[at] = stated_texts(frame.iloc[fact[at]]).to_numpy(dtype=object)
        return [str(t) for t in texts.tolist()]

    def where(self, use: npt.NDArray[np.bool_], other: _Values) -> _Values:
        """``other``'s values for the pairs under ``use``, these values elsewhere."""
        mine, theirs = ~use[self.id_pair], use[other.id_pair]
        id_pair = np.concatenate([self.id_pair[mine], other.id_pair[theirs]])
        ids = np.concatenate([self.ids[mine], other.ids[theirs]])
        id_place = np.concatenate([self.id_place[mine], other.id_place[theirs]])
        order = np.argsort(id_pair, kind="stable")
        return _Values(
            np.where(use, other.lo, self.lo), np.where(use, other.hi, self.hi),
            np.where(use, other.lo_open, self.lo_open), np.where(use, other.hi_open, self.hi_open),
            np.where(use, other.fact, self.fact),
            np.where(use, other.source + len(self.sources), self.source),
            np.where(use, other.unit, self.unit),
            id_pair[order], ids[order], id_place[order], self.sources + other.sources,
        )


def _parts(key: npt.NDArray[np.intp], values: _Values, n: int) -> list[Ids]:
    """Per target 0..n-1, the ids behind its members' values (``key`` of each id), in
    order and each once.

    A stated fact has one id and one place in the table: where every id is known by
    its place, repeats are found among integers instead of by hashing the id strings.
    """
    place = values.id_place
    if not len(place) or (place < 0).any():
        return ids_by_group(key, values.ids, n)
    key = np.asarray(key, dtype=np.int64)
    first = ~pd.Index(key * (int(place.max()) + 1) + place).duplicated()
    key, ids = key[first], values.ids[first]
    order = np.argsort(key, kind="stable")
    listed = ids[order].tolist()
    ends = np.cumsum(np.bincount(key, minlength=n)).tolist()
    return [tuple(listed[a:b]) for a, b in zip([0, *ends[:-1]], ends, strict=True)]


@dataclass(frozen=True)
class _Context:
    """What a message on a target needs to list its members."""

    pairs: _Pairs
    state: npt.NDArray[np.int8]
    figures: _Values


def _targets(ctx: RuleContext, params: MembersParams) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The stated totals, and every (entity, metric, period) whose members are summed.

    Target columns: key, entity, metric (summed), period, start, end, day, total
    (row of the stated total, -1 for an `at` period).
    """
    # the table's columns, no rows (a metric is looked up by its code; an id would be
    # compared with every id of the table)
    nothing = Selector.model_validate({"metric": []})
    totals = ctx.select(
        nothing if params.select is None else params.select, columns=KIND_COLUMNS
    )
    totals = usable(totals, placed=True)
    rows = pd.DataFrame(
        {
            "entity": totals["subject"],
            "metric": totals["metric"] if params.member_metric is None else params.member_metric,
            "period": totals["period"],
            "start": totals["start"],
            "end": totals["end"],
            "total": np.arange(len(totals)),
        }
    )
    if params.at:
        if params.of is not None:
            names = [params.of] if isinstance(params.of, str) else list(params.of)
            sums = pd.DataFrame({"entity": names, "metric": params.member_metric})
        else:
            sums = rows[["entity", "metric"]].drop_duplicates()
        spans = [(text, *parse_period(text)) for text in params.at]
        periods = pd.DataFrame(spans, columns=["period", "start", "end"])
        periods["start"] = pd.to_datetime(periods["start"])
        periods["end"] = pd.to_datetime(periods["end"])
        at_rows = sums.merge(periods, how="cross").assign(total=-1)
        # a stated total already stands for its period
        stated = rows[["entity", "metric", "start", "end"]].drop_duplicates().assign(stated=True)
        at_rows = at_rows.merge(stated, on=["entity", "metric", "start", "end"], how="left")
        at_rows = at_rows[at_rows["stated"].isna()].drop(columns="stated")
        rows = pd.concat([rows, at_rows], ignore_index=True)
    rows["key"] = np.arange(len(rows))
    rows["day"] = day_numbers(rows["end"])
    return totals, rows


def _member_values(
    ctx: RuleContext, params: MembersParams, pairs: _Pairs, dims: dict[str, str]
) -> _Values:
    """Each pair's own value of the summed metric, else its `each_metric` bound."""
    n = len(pairs.key)
    facts = of_metrics(ctx, dims)
    # a value counts only in the dimension of its metric (taken with the usable rows
    # in one pass: every pass copies all the columns of the selection)
    metric, dimension = (facts[c].to_numpy(dtype=object) for c in ("metric", "dimension"))
    fits = np.zeros(len(facts), dtype=bool)
    for name, dim in dims.items():
        fits |= (metric == name) & (dimension == dim)
    facts = usable(facts, fits, placed=True)
    query, row = _candidates(facts, pairs.member, pairs.metric, pairs.day, latest_only=True)
    own = _latest(facts, query, row, n)
    if params.each_metric is None:
        return own
    each = usable(of_metrics(ctx, [params.each_metric]), placed=True)
    reg = ctx.registries
    parents = [
        (k, group)
        for k, member in enumerate(pairs.member.names.tolist())
        for group in reg.entities[member].member_of
    ]
    parent_member = np.asarray([k for k, _ in parents], dtype=np.intp)
    groups = Coded.of(np.asarray([g for _, g in parents], dtype=object))
    # an `each` figure stands for every member: read it as a value of the summed metric
    spread, parent = equi_join(pairs.member.codes, parent_member)
    bounds = pd.concat(
        [each[each["dimension"] == dim].assign(metric=metric) for metric, dim in dims.items()],
        ignore_index=True,
    )
    query, row = _candidates(
        bounds, groups.take(parent), pairs.metric.take(spread), pairs.day[spread]
    )
    pair = spread[query]
    if len(pair):
        # only members that surely existed when the `each` figure was stated
        when = existence(ctx, params, pairs.member.take(pair), day_numbers(bounds["end"])[row])
        sure = when.state == SURELY
        pair, row = pair[sure], row[sure]
    fallback = _latest(bounds, pair, row, n)
    return own.where(np.isnan(own.lo) & ~np.isnan(fallback.lo), fallback)


def _candidates(
    facts: pd.DataFrame,
    subject: Coded,
    metric: Coded,
    day: npt.NDArray[np.float64],
    *,
    latest_only: bool = False,
) -> tuple[npt.NDArray[np.intp], npt.NDArray[np.intp]]:
    """(query, row of ``facts``): the facts of each query's subject and metric whose period
    ends by its day, by query then row.

    ``latest_only``: only those ending on the latest such day, the ones :func:`_latest`
    keeps, so a member is not paired with every earlier fact of its metric (a cost
    that grows with the square of its periods).
    """
    none = np.zeros(0, dtype=np.intp)
    if not len(facts) or not len(day):
        return none, none
    q_subject, f_subject = subject.codes_against(facts["subject"])
    q_metric, f_metric = _metric_codes(metric, facts["metric"])
    # shifted by one so that a missing value (-1) is a code like any other
    width = int(max(q_metric.max(), f_metric.max())) + 2
    q_key = q_subject * width + q_metric + 1
    f_key = f_subject * width + f_metric + 1
    f_day = day_numbers(facts["end"]).astype(np.int64)
    q_day = day.astype(np.int64)
    # one sortable number per (subject and metric, end day): a query's candidates are
    # one run of the facts in that order (rows in order within a day)
    first_day = min(int(f_day.min()), int(q_day.min()))
    span = max(int(f_day.max()), int(q_day.max())) - first_day + 1
    f_stamp = f_key * span + (f_day - first_day)
    order = np.argsort(f_stamp, kind="stable")
    stamps = f_stamp[order]
    stop = np.searchsorted(stamps, q_key * span + (q_day - first_day), side="right")
    if not latest_only:
        start = np.searchsorted(stamps, q_key * span, side="left")
        query, at = expand_ranges(start, stop - start)
        row = order[at]
        by_query = np.lexsort((row, query))
        return query[by_query], row[by_query]
    # the fact before ``stop`` is the query's latest if it has the query's subject and
    # metric; its candidates are the run of facts with its stamp (same key, same day)
    last = np.maximum(stop - 1, 0)
    found = (stop > 0) & (stamps[last] >= q_key * span)
    runs = np.flatnonzero(np.diff(stamps, prepend=stamps[0] - 1))
    run_start = np.repeat(runs, np.diff(np.append(runs, len(stamps))))
    start = np.where(found, run_start[last], stop)
    query, at = expand_ranges(start, stop - start)
    # one stamp per query: its rows are in order already (the sort was stable)
    return query, order[at]


def _metric_codes(
    metric: Coded, values: pd.Series
) -> tuple[npt.NDArray[np.int64], npt.NDArray[np.int64]]:
    """Codes of the queries' metrics and of ``values`` (the facts' metrics), equal where the
    metrics are; a fact of no query's metric gets a code no query has.

    A rule sums one or a few metrics: comparing the facts' metrics with each costs less
    than hashing them all.
    """
    facts = values.to_numpy(dtype=object)
    names = metric.names.tolist()
    codes = np.full(len(facts), len(names), dtype=np.int64)
    for k, name in enumerate(names):
        codes[facts == name] = k
    return metric.codes.astype(np.int64), codes


def _latest(
    facts: pd.DataFrame, pair: npt.NDArray[np.intp], row: npt.NDArray[np.intp], n: int
) -> _Values:
    """Per pair, the intersection of its candidate values with the latest end (hull if empty).

    Candidates are (pair, row of ``facts``), by pair; ``facts`` is a usable selection of
    the table. Pairs without a candidate have no value.
    """
    if not len(pair):
        return _Values.none(n)
    if np.any(pair[1:] < pair[:-1]):  # each pair's candidates as one run
        order = np.argsort(pair, kind="stable")
        pair, row = pair[order], row[order]
    end_day = day_numbers(facts["end"])[row]
    last = _per_pair(np.maximum, _Runs(pair, n), end_day)
    keep = end_day == last[pair]
    pair, row = pair[keep], row[keep]
    runs = _Runs(pair, n)
    base_lo = facts["base_lo"].to_numpy(dtype=float)[row]
    base_hi = facts["base_hi"].to_numpy(dtype=float)[row]
    lo_open = facts["lo_open"].to_numpy(dtype=bool)[row]
    hi_open = facts["hi_open"].to_numpy(dtype=bool)[row]
    max_lo = _per_pair(np.maximum, runs, base_lo)
    min_hi = _per_pair(np.minimum, runs, base_hi)
    min_lo = _per_pair(np.minimum, runs, base_lo)
    max_hi = _per_pair(np.maximum, runs, base_hi)
    meet = Interval(
        max_lo, min_hi,
        _any_per_pair(pair, lo_open & (base_lo == max_lo[pair]), n),
        _any_per_pair(pair, hi_open & (base_hi == min_hi[pair]), n),
    )
    hull_lo_closed = _any_per_pair(pair, ~lo_open & (base_lo == min_lo[pair]), n)
    hull_hi_closed = _any_per_pair(pair, ~hi_open & (base_hi == max_hi[pair]), n)
    # facts that contradict each other: keep every value they allow (another rule flags them)
    empty = meet.empty
    has = ~np.isnan(max_lo)
    present, first = runs.present, runs.first
    fact = np.full(n, -1)
    single = np.diff(np.append(first, len(pair))) == 1
    fact[present[single]] = row[first[single]]
    unit = np.full(n, "", dtype=object)
    unit[present] = facts["unit"].to_numpy(dtype=object)[row[first]]
    owner, ids = Origins.of(facts).of_rows(row)
    named = row[owner]
    id_place = np.where(
        facts["derived"].to_numpy(dtype=bool)[named], -1, facts[PLACE].to_numpy()[named]
    ).astype(np.int64)
    return _Values(
        lo=np.where(has, np.where(empty, min_lo, meet.lo), np.nan),
        hi=np.where(has, np.where(empty, max_hi, meet.hi), np.nan),
        lo_open=has & np.where(empty, ~hull_lo_closed, meet.lo_open),
        hi_open=has & np.where(empty, ~hull_hi_closed, meet.hi_open),
        fact=fact,
        source=np.zeros(n, dtype=np.intp),
        unit=unit,
        id_pair=pair[owner],
        ids=ids,
        id_place=id_place,
        sources=(facts,),
    )


class _Runs:
    """Sorted pair numbers (0..n-1) as runs: the pairs present and where each run starts."""

    def __init__(self, pair: npt.NDArray[np.intp], n: int) -> None:
        self.n = n
        self.first = np.flatnonzero(np.diff(pair, prepend=-1))
        self.present = pair[self.first]


def _per_pair(
    reduce: np.ufunc, runs: _Runs, values: npt.NDArray[np.float64]
) -> npt.NDArray[np.float64]:
    """``reduce`` of the values of each pair's run; NaN for pairs without one."""
    out = np.full(runs.n, np.nan)
    if len(runs.first):
        out[runs.present] = reduce.reduceat(values, runs.first)
    return out


def _any_per_pair(
    pair: npt.NDArray[np.intp], mask: npt.NDArray[np.bool_], n: int
) -> npt.NDArray[np.bool_]:
    return np.bincount(pair[mask], minlength=n) > 0


def _add_up(
    n: int, pairs: _Pairs, state: npt.NDArray[np.int8], values: _Values
) -> tuple[Interval, pd.DataFrame]:
    """Each target's sum over its members (base units) and its tallies."""
    key = pairs.key
    surely, excluded = state == SURELY, state == EXCLUDED
    has = ~np.isnan(values.lo)
    missing = ~has & ~excluded
    # a member that may not exist yet adds anything from 0 to its value
    lo = np.where(surely & has, values.lo, 0.0)
    hi = np.where(excluded, 0.0, np.where(missing, np.inf, values.hi))
    lo_open = surely & has & values.lo_open
    hi_open = ~excluded & (missing | values.hi_open)

    def per_key(x: npt.ArrayLike) -> npt.NDArray[np.float64]:
        return np.asarray(
            np.bincount(key, weights=np.asarray(x, dtype=float), minlength=n), dtype=np.float64
        )

    total = Interval(per_key(lo), per_key(hi), per_key(lo_open) > 0, per_key(hi_open) > 0)
    tally = pd.DataFrame(
        {
            "members": per_key(np.ones(len(key))).astype(int),
            "missing": per_key(missing).astype(int),
            "possibly": per_key(state == POSSIBLY).astype(int),
            "excluded": per_key(excluded).astype(int),
        }
    )
    return total, tally


def _base_unit(ctx: RuleContext, dimension: str) -> str:
    units = [u for u in ctx.registries.units.values() if u.dimension == dimension]
    exact = [u.id for u in units if u.factor == 1]
    return exact[0] if exact else (units[0].id if units else "")


def _display_units(
    ctx: RuleContext, targets: pd.DataFrame, context: _Context, dims: dict[str, str]
) -> list[str]:
    """Per target, the unit most of its members' values are stated in (else the base unit).

    Ties go to the first unit in alphabetical order.
    """
    base = {metric: _base_unit(ctx, dimension) for metric, dimension in dims.items()}
    units = [base[m] for m in targets["metric"].tolist()]
    stated = context.figures.unit != ""
    if stated.any():
        key = context.pairs.key[stated]
        code, names = pd.factorize(context.figures.unit[stated], sort=True)
        tally = np.bincount(key * len(names) + code, minlength=len(units) * len(names))
        tally = tally.reshape(len(units), len(names))
        best = tally.argmax(axis=1)
        for k in np.flatnonzero(tally.max(axis=1) > 0).tolist():
            units[k] = str(names[best[k]])
    return units


def _member_lines(
    key: int, context: _Context, factor: float, unit: str
) -> tuple[str, str]:
    """The members of a target with their values, and notes on absent or uncertain ones."""
    rows = context.pairs.of_key(key)
    values = context.figures
    texts = values.texts(rows)
    shown: list[str] = []
    missing: list[str] = []
    maybe: list[str] = []
    later: list[str] = []
    for r, text in zip(rows, texts, strict=True):
        member = str(context.pairs.member.names[context.pairs.member.codes[r]])
        state = context.state[r]
        if state == EXCLUDED:
            later.append(member)
            continue
        if np.isnan(values.lo[r]):
            missing.append(member)
            continue
        if not text or values.unit[r] != unit:
            iv = Interval(values.lo[r], values.hi[r], values.lo_open[r], values.hi_open[r])
            text = interval_words(in_unit(iv, factor), 0, unit)
        shown.append(f"`{member}` {text}")
        if state == POSSIBLY:
            maybe.append(member)
    listing = ", ".join(shown[:SHOWN_MEMBERS])
    if len(shown) > SHOWN_MEMBERS:
        listing += f" and {len(shown) - SHOWN_MEMBERS} more"
    notes = []
    if later:
        notes.append(f"{ids_text(later)} approved only later (counted as 0)")
    if maybe:
        notes.append(f"{ids_text(maybe)} may not exist yet (counted from 0 to their value)")
    if missing:
        notes.append(f"{ids_text(missing)} {'has' if len(missing) == 1 else 'have'} no value "
                     "by then, so the sum has no upper bound")
    return listing, "; ".join(notes)


def _total_outcomes(
    ctx: RuleContext,
    params: MembersParams,
    totals: pd.DataFrame,
    targets: pd.DataFrame,
    total: Interval,
    tally: pd.DataFrame,
    parts: list[Ids],
    context: _Context,
) -> pd.DataFrame:
    stated_targets = targets[targets["total"] >= 0]
    if not len(stated_targets):
        return empty_outcomes()
    keys = stated_targets["key"].to_numpy(dtype=np.int64)
    rows = totals.iloc[stated_targets["total"].to_numpy(dtype=np.int64)].reset_index(drop=True)
    factor = rows["factor"].to_numpy(dtype=float)
    stated = in_unit(base_interval(rows), factor)
    computed = in_unit(total.take(keys), factor)
    dims = [ctx.registries.metrics[m].dimension for m in stated_targets["metric"].tolist()]
    mismatch = rows["dimension"].to_numpy(dtype=object) != np.asarray(dims, dtype=object)
    computed = undefine(computed, mismatch)
    cmp = compare(stated, computed, "==")
    facts = _total_facts(rows, keys, parts, context)
    units = rows["unit"].astype(str).tolist()
    out = outcomes(facts=facts, stated=stated, computed=computed, unit=units, comparison=cmp)
    members = tally["members"].to_numpy()[keys]
    missing = tally["missing"].to_numpy()[keys]
    status = out["status"].to_numpy(dtype=object)
    status[(status == "ok") & (missing > 0)] = "unverifiable"
    status[members == 0] = "unverifiable"
    out["status"] = status
    for column in ("computed_lo", "computed_hi"):
        out.loc[members == 0, column] = np.nan
    messages = out["message"].to_numpy(dtype=object)
    for i in np.flatnonzero(status != "ok").tolist():
        row = rows.iloc[i]
        head = f"`{row['id']}` states {written_value(row)} {when_text(row)}"
        entity = f"`{row['subject']}`"
        if members[i] == 0:
            messages[i] = (f"{head}; the registry lists no {kind_noun(params.member_kinds)} as "
                           f"members of {entity}, so the total cannot be checked")
            continue
        if status[i] == "undefined":
            messages[i] = f"{head}; its unit {row['unit']} does not measure the summed metric"
            continue
        listing, notes = _member_lines(int(keys[i]), context, factor[i], units[i])
        count = f"its {members[i]} members sum" if members[i] > 1 else "its 1 member sums"
        body = f"{head}; {count} to {interval_words(computed, i, units[i])}"
        body += (f" ({listing})" if listing else "") + (f"; {notes}" if notes else "")
        if status[i] == "unverifiable":
            messages[i] = f"{body}: cannot be checked"
        else:
            where = "above" if stated.lo[i] > computed.hi[i] else "below"
            gap = interval_words(Interval.point(cmp.gap[i]), 0, units[i])
            messages[i] = f"{body}: the stated total lies {gap} {where} the members' sum"
    out["message"] = messages
    return out


def _total_facts(
    rows: pd.DataFrame, keys: npt.NDArray[np.int64], parts: list[Ids], context: _Context
) -> list[Ids]:
    """Per stated total (``rows``, of targets ``keys``), its own facts and then those
    behind its members' values, each once."""
    own = origin(rows)
    # a stated total stands for itself, so its id can repeat among its members' facts
    # only if that very fact is one of them: only then (or for a derived total, or a
    # member's fact not known by its place) are repeats looked for among the ids
    derived = rows["derived"].to_numpy(dtype=bool)
    total_place = np.where(derived, -1, rows[PLACE].to_numpy())
    row_of = np.full(len(parts), -1)
    row_of[keys] = np.arange(len(keys))
    at = row_of[context.pairs.key[context.figures.id_pair]]
    place = context.figures.id_place[at >= 0]
    at = at[at >= 0]
    clash = derived.copy()
    clash[at[(place < 0) | (place == total_place[at])]] = True
    return [
        tuple(dict.fromkeys(own[i] + parts[k])) if clash[i] else own[i] + parts[k]
        for i, k in enumerate(keys.tolist())
    ]


def _unbounded_at(
    ctx: RuleContext,
    params: MembersParams,
    targets: pd.DataFrame,
    tally: pd.DataFrame,
    parts: list[Ids],
    context: _Context,
) -> pd.DataFrame:
    """An `at` period whose total cannot be derived is reported, never silently skipped."""
    at = targets[targets["total"] < 0]
    members = tally["members"].to_numpy()
    missing = tally["missing"].to_numpy()
    facts: list[Ids] = []
    messages: list[str] = []
    for row in at.itertuples(index=False):
        k = int(row.key)
        if members[k] and not missing[k]:
            continue
        what = _metric_label(ctx, str(row.metric))
        head = f"cannot derive the {what} of `{row.entity}` for {row.period}"
        if not members[k]:
            reason = f"the registry lists no {kind_noun(params.member_kinds)} as its members"
        else:
            _, notes = _member_lines(k, context, 1.0, "")
            reason = notes
        facts.append(parts[k])
        messages.append(f"{head}: {reason}")
    if not facts:
        return empty_outcomes()
    return unverifiable(facts, messages)


def _metric_label(ctx: RuleContext, metric: str) -> str:
    spec = ctx.registries.metrics.get(metric)
    label = spec.label if spec is not None else metric
    return label[:1].lower() + label[1:]


def _derived(
    ctx: RuleContext,
    params: MembersParams,
    targets: pd.DataFrame,
    total: Interval,
    tally: pd.DataFrame,
    parts: list[Ids],
    context: _Context,
) -> pd.DataFrame | None:
    if not params.derives:
        return None
    dims = {m: ctx.registries.metrics[m].dimension for m in targets["metric"].unique().tolist()}
    bounded = (tally["members"].to_numpy() > 0) & np.isfinite(total.hi) & ~total.undefined
    # two totals stated for the same entity and period have the same members' sum
    first = ~targets.duplicated(["entity", "metric", "start", "end"]).to_numpy()
    keys = np.flatnonzero(bounded & first)
    if not len(keys):
        return None
    units = _display_units(ctx, targets, context, dims)
    chosen = targets.iloc[keys]
    unit = [units[k] for k in keys.tolist()]
    factors = {u: ctx.factor(u) for u in set(unit)}
    factor = np.array([factors[u] for u in unit], dtype=float)
    labels = {m: _metric_label(ctx, m) for m in dims}
    noun = kind_noun(params.member_kinds)
    explanation = [
        f"sum of the {labels[metric]} of the {count} {noun} of `{entity}` for {period}"
        for metric, count, entity, period in zip(
            chosen["metric"].astype(str).tolist(),
            tally["members"].to_numpy()[keys].tolist(),
            chosen["entity"].astype(str).tolist(),
            chosen["period"].astype(str).tolist(),
            strict=True,
        )
    ]
    return derived_facts(
        ctx,
        subject=chosen["entity"].astype(str).tolist(),
        metric=chosen["metric"].astype(str).tolist(),
        period=chosen["period"].astype(str).tolist(),
        start=chosen["start"].to_numpy(),
        end=chosen["end"].to_numpy(),
        unit=unit,
        interval=in_unit(total.take(keys), factor),
        derived_from=[parts[k] for k in keys.tolist()],
        explanation=explanation,
    )
