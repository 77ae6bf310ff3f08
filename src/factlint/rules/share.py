"""FL103 share: a stated share against its part and its whole, and the whole it implies."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from functools import partial
from typing import Any, Literal

import numpy as np
import numpy.typing as npt
import pandas as pd
from pydantic import Field

from factlint.interval import Interval, compare
from factlint.registry import Entity
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
    equi_join,
    joined_ids,
    joint_codes,
    marked,
    nondiscrepancy,
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


@dataclass(frozen=True)
class _Pairs:
    """Shares paired with facts of a pool: ``share`` positions (into the shares, ascending)
    and ``row`` positions (into ``pool``), one pair per index.

    The pairs are kept as positions and columns are taken from the pool only where
    needed: a wide frame per pair costs more than the checks themselves.
    """

    share: npt.NDArray[np.intp]
    row: npt.NDArray[np.intp]
    pool: pd.DataFrame

    def values(self, column: str) -> npt.NDArray[Any]:
        """The pool's ``column`` at each pair's row."""
        values: npt.NDArray[Any] = self.pool[column].to_numpy()[self.row]
        return values


def _shares(ctx: RuleContext, params: ShareParams) -> pd.DataFrame:
    """The share facts, with their numerator, denominator and the entity of their whole."""
    specs = {k: m.share for k, m in ctx.registries.metrics.items() if m.share is not None}
    # no selector: the share metrics' facts, picked through the table's codes instead of
    # joining the whole table to filter it
    chosen = ctx.select(params.select or Selector.model_validate({"metric": list(specs)}))
    chosen = chosen[chosen["metric"].isin(list(specs)) & chosen["start"].notna()]
    shares = chosen.reset_index(drop=True)
    # each share metric's spec, looked up once
    codes, metrics = pd.factorize(shares["metric"].to_numpy(dtype=object))
    chosen_specs = [specs[m] for m in metrics.tolist()]
    for column in ("numerator", "denominator", "of"):
        shares[column] = np.array([getattr(x, column) for x in chosen_specs], dtype=object)[codes]
    of = shares.pop("of").to_numpy(dtype=object)
    hosts = _looked_up(shares["subject"], partial(_host, ctx.registries.entities))
    shares["whole_subject"] = np.where(of != "host", of, hosts)
    return shares


def of_subjects(selector: Selector, subjects: pd.Series) -> Selector:
    """``selector`` narrowed to ``subjects`` when it names none.

    For facts that are joined on their subject: facts of other subjects can never
    pair, and taking their rows out of the table would cost more than the join.
    (A missing subject matches a missing one in a join, so then nothing is narrowed.)
    """
    if selector.subject is not None or subjects.isna().any():
        return selector
    return selector.model_copy(update={"subject": subjects.unique().tolist()})


def _paired(
    shares: pd.DataFrame,
    at: npt.NDArray[np.intp],
    left: list[pd.Series],
    pool: pd.DataFrame,
    right: list[str],
) -> _Pairs:
    """The shares at ``at`` paired with the ``pool`` rows whose ``right`` columns equal
    their ``left`` values, in the order of a merge; never a fact with itself, nor a
    derived value with a fact it was derived from."""
    pool = pool.reset_index(drop=True)
    left_at, row = equi_join(*joint_codes(left, [pool[c] for c in right]))
    share = at[left_at]
    ids = shares["id"].to_numpy(dtype=object)[share]
    keep = pool["id"].to_numpy(dtype=object)[row] != ids
    keep &= ~_among_sources(ids, pool["derived_from"].to_numpy()[row])
    return _Pairs(share[keep], row[keep], pool)


def _among_sources(
    ids: npt.NDArray[np.object_], sources: npt.NDArray[np.object_]
) -> npt.NDArray[np.bool_]:
    """Per row, whether the (string) id is among the ids its fact was derived from.

    Stated facts have no sources; a derived value may have thousands (a sum over
    every zone), so each is searched as the tuple it is rather than unpacked.
    """
    among = np.zeros(len(ids), dtype=bool)
    derived = np.flatnonzero(np.fromiter(map(len, sources), dtype=np.intp, count=len(sources)))
    pairs = zip(ids[derived].tolist(), sources[derived].tolist(), strict=True)
    among[derived] = [i in from_ids for i, from_ids in pairs]
    return among


def _of_metrics(
    ctx: RuleContext, metrics: pd.Series, subjects: pd.Series
) -> tuple[pd.DataFrame, list[pd.Series], list[str]]:
    """The facts of ``metrics`` for ``subjects``, and the keys that pair each share (whose
    metric and subject these are) with them: the subject, and the metric unless there is
    only one, which every one of the facts has."""
    wanted = metrics.unique().tolist()
    pool = ctx.select(of_subjects(Selector.model_validate({"metric": wanted}), subjects))
    if len(wanted) == 1:
        return pool, [subjects], ["subject"]
    return pool, [subjects, metrics], ["subject", "metric"]


def _parts(ctx: RuleContext, params: ShareParams, shares: pd.DataFrame) -> _Pairs:
    """Every share × part pair: parts of the share's subject and period."""
    subjects = shares["subject"]
    if params.part is not None:
        pool = ctx.select(of_subjects(params.part, subjects))
        left, right = [subjects], ["subject"]
    else:
        pool, left, right = _of_metrics(ctx, shares["numerator"], subjects)
    left += [shares["start"], shares["end"]]
    return _paired(shares, np.arange(len(shares)), left, pool, [*right, "start", "end"])


def _wholes(ctx: RuleContext, params: ShareParams, shares: pd.DataFrame) -> _Pairs:
    """Every share × whole pair: wholes of the whole's entity, period per ``whole_period``."""
    at = np.flatnonzero(shares["whole_subject"].notna().to_numpy())
    known = shares.iloc[at]
    subjects = known["whole_subject"]
    if params.whole is not None:
        pool = ctx.select(of_subjects(params.whole, subjects))
        left, right = [subjects], ["subject"]
    else:
        pool, left, right = _of_metrics(ctx, known["denominator"], subjects)
    if params.whole_period == "same":
        left, right = [*left, known["start"], known["end"]], [*right, "start", "end"]
    wholes = _paired(shares, at, left, pool, right)
    if params.whole_period != "latest":
        return wholes
    # the latest whole ending on or before the share's period end (NaT compares false)
    ends = wholes.values("end")
    before = ends <= shares["end"].to_numpy()[wholes.share]
    share, row, ends = wholes.share[before], wholes.row[before], ends[before]
    days = ends.astype("datetime64[ns]").view(np.int64)
    latest = np.full(len(shares), np.iinfo(np.int64).min, dtype=np.int64)
    np.maximum.at(latest, share, days)
    last = days == latest[share]
    return _Pairs(share[last], row[last], wholes.pool)


def _interval(frame: pd.DataFrame, rows: npt.NDArray[np.intp], base: bool) -> Interval:
    """The intervals of ``frame``'s ``rows``: in base units, or as written (own unit)."""
    lo, hi = ("base_lo", "base_hi") if base else ("lo", "hi")
    return Interval(
        lo=frame[lo].to_numpy(dtype=float)[rows],
        hi=frame[hi].to_numpy(dtype=float)[rows],
        lo_open=frame["lo_open"].to_numpy(dtype=bool)[rows],
        hi_open=frame["hi_open"].to_numpy(dtype=bool)[rows],
    )


def _units(frame: pd.DataFrame, rows: npt.NDArray[np.intp]) -> npt.NDArray[np.object_]:
    units: npt.NDArray[np.object_] = frame["unit"].astype(str).to_numpy(dtype=object)[rows]
    return units


def _figures(frame: pd.DataFrame, rows: npt.NDArray[np.intp]) -> list[str]:
    """:func:`figure_text` of ``frame``'s ``rows``."""
    return figure_text(frame.iloc[rows])


def _origins(*sides: tuple[pd.DataFrame, npt.NDArray[np.intp]]) -> list[tuple[str, ...]]:
    """Row by row, the stated facts behind the ``rows`` of each ``frame``, in order and
    without repeats (as :func:`joined_ids` of their :func:`origin`); the first side is
    the shares, whose ids the facts paired with them never have (see :func:`_paired`).

    A stated fact stands for itself: the ids are zipped as they are, and only the
    rows with a derived value or a repeated id are looked at one by one.
    """
    ids = [frame["id"].to_numpy(dtype=object)[rows] for frame, rows in sides]
    found: list[tuple[str, ...]] = list(zip(*ids, strict=True))
    if not found:
        return found
    derived = np.logical_or.reduce(
        [frame["derived"].to_numpy(dtype=bool)[rows] for frame, rows in sides]
    )
    repeats = np.zeros(len(found), dtype=bool)
    for i, first in enumerate(ids[1:], start=1):
        for second in ids[i + 1 :]:
            repeats |= first == second
    for k in np.flatnonzero(repeats & ~derived).tolist():
        found[k] = tuple(dict.fromkeys(found[k]))
    mixed = np.flatnonzero(derived)
    if len(mixed):
        # the derived rows' own origins, joined as joined_ids joins them
        per_side = [origin(frame.iloc[rows[mixed]]) for frame, rows in sides]
        for k, row in zip(mixed.tolist(), joined_ids(*per_side), strict=True):
            found[k] = row
    return found


def _of_text(ctx: RuleContext, denominator: str, whole_subject: str) -> str:
    return f"the {label(ctx, denominator)} of `{whole_subject}`"


def _checks(
    ctx: RuleContext, shares: pd.DataFrame, parts: _Pairs, wholes: _Pairs
) -> pd.DataFrame:
    """part / whole against the stated share, one row per share × part × whole."""
    # every part of a share with every whole of the same share, as a merge on the share
    p_at, w_at = equi_join(parts.share, wholes.share)
    s_rows, p_rows, w_rows = parts.share[p_at], parts.row[p_at], wholes.row[w_at]
    factor = shares["factor"].to_numpy(dtype=float)[s_rows]
    stated = _interval(shares, s_rows, base=False)
    computed = in_unit(
        _interval(parts.pool, p_rows, base=True) / _interval(wholes.pool, w_rows, base=True),
        factor,
    )
    comparison = compare(computed, stated, "==")
    facts = _origins((shares, s_rows), (parts.pool, p_rows), (wholes.pool, w_rows))
    units = _units(shares, s_rows).tolist()
    messages = [""] * len(s_rows)
    failing = np.flatnonzero(~comparison.consistent)
    if len(failing):
        s_fig = _figures(shares, s_rows[failing])
        p_fig = _figures(parts.pool, p_rows[failing])
        w_fig = _figures(wholes.pool, w_rows[failing])
        shown = [units[i] for i in failing]
        got = interval_text(computed.take(failing), shown)
        want = interval_text(stated.take(failing), shown)
        where = side_word(computed.take(failing), stated.take(failing))
        s_id, p_id, w_id = (
            frame["id"].to_numpy(dtype=object)[rows[failing]]
            for frame, rows in ((shares, s_rows), (parts.pool, p_rows), (wholes.pool, w_rows))
        )
        denominator = shares["denominator"].to_numpy(dtype=object)[s_rows[failing]]
        whole_subject = shares["whole_subject"].to_numpy(dtype=object)[s_rows[failing]]
        for k, i in enumerate(failing.tolist()):
            head = (
                f"`{s_id[k]}` states {s_fig[k]} of "
                f"{_of_text(ctx, denominator[k], whole_subject[k])}; "
                f"{p_fig[k]} (`{p_id[k]}`) / {w_fig[k]} (`{w_id[k]}`)"
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


def _implied_wholes(
    ctx: RuleContext, shares: pd.DataFrame, parts: _Pairs
) -> tuple[pd.DataFrame, npt.NDArray[np.intp]]:
    """The whole each share × part pair implies (part / share), in the part's unit.

    Also returns the positions of the shares that implied a (defined) whole.
    """
    known = shares["whole_subject"].notna().to_numpy()[parts.share]
    s_rows, p_rows = parts.share[known], parts.row[known]
    pool = parts.pool
    implied = in_unit(
        _interval(pool, p_rows, base=True) / _interval(shares, s_rows, base=True),
        pool["factor"].to_numpy(dtype=float)[p_rows],
    )
    defined = np.flatnonzero(~implied.undefined)
    s_rows, p_rows, implied = s_rows[defined], p_rows[defined], implied.take(defined)
    units = _units(pool, p_rows).tolist()
    s_fig, p_fig = _figures(shares, s_rows), _figures(pool, p_rows)
    values = interval_text(implied, units)
    denominators = shares["denominator"].to_numpy(dtype=object)[s_rows].tolist()
    subjects = shares["whole_subject"].to_numpy(dtype=object)[s_rows].tolist()
    s_ids = shares["id"].to_numpy(dtype=object)[s_rows]
    labels = {d: label(ctx, d) for d in set(denominators)}
    # every implied whole is a derived fact whose quote is this explanation
    explanation = [
        f"the {labels[d]} of `{w}` implied by `{s}` ({sf}) and `{p}` ({pf}): {pf} / {sf} = {v}"
        for d, w, s, p, sf, pf, v in zip(
            denominators,
            subjects,
            s_ids.tolist(),
            pool["id"].to_numpy(dtype=object)[p_rows].tolist(),
            s_fig,
            p_fig,
            values,
            strict=True,
        )
    ]
    frame = derived_facts(
        ctx,
        subject=subjects,
        metric=denominators,
        period=shares["period"].to_numpy(dtype=object)[s_rows].tolist(),
        start=shares["start"].to_numpy()[s_rows],
        end=shares["end"].to_numpy()[s_rows],
        unit=units,
        interval=implied,
        derived_from=_origins((shares, s_rows), (pool, p_rows)),
        explanation=explanation,
    )
    return frame, s_rows


def _has_text(quote: object) -> bool:
    """Whether a quote holds more than spaces (as ``fillna("").astype(str).str.strip()``
    is not empty; ``strip()`` removes exactly the characters for which ``isspace()`` holds)."""
    if isinstance(quote, str):
        return quote != "" and not quote.isspace()
    return not pd.isna(quote) and str(quote).strip() != ""


def _quoted(shares: pd.DataFrame, rows: npt.NDArray[np.intp]) -> npt.NDArray[np.intp]:
    """The ``rows`` whose share has a quote."""
    quotes = shares["quote"].to_numpy(dtype=object)[rows].tolist()
    quoted: npt.NDArray[np.intp] = rows[
        np.fromiter(map(_has_text, quotes), dtype=bool, count=len(quotes))
    ]
    return quoted


def _numerator_mismatches(
    ctx: RuleContext, shares: pd.DataFrame, parts: _Pairs
) -> tuple[npt.NDArray[np.intp], pd.DataFrame]:
    """Shares whose sentence gives, for their subject and period, a figure of another metric:
    the positions of the shares and the rows of those figures, one per mismatch.

    Such a figure is the part the text offers; if the sentence also gives a
    figure of the numerator itself (or a part chosen by the `part` selector),
    the other one is just context.
    """
    dims = {k: m.dimension for k, m in ctx.registries.metrics.items()}
    num_dim = _looked_up(shares["numerator"], partial(_get, dims))
    searched = _quoted(shares, np.flatnonzero(~_quotes_its_part(shares, parts, num_dim, dims)))
    if not len(searched):
        return np.zeros(0, dtype=np.intp), shares.iloc[:0]
    # only stated figures of the numerator's dimension for a share's subject can be the
    # part; they are picked through the table's selection codes, so that the table is
    # neither joined whole nor hashed on its (long) quotes. The rules see valid facts,
    # whose unit has their metric's dimension (FL010), so the metrics of that dimension
    # pick them (the metric codes are the ones every selector uses already); the
    # dimensions are those of every quoted share, searched or not
    kinds = set(num_dim[_quoted(shares, np.arange(len(shares)))].tolist())
    table = ctx.table
    mask = table.isin("metric", [k for k, d in dims.items() if d in kinds])
    mask &= table.isin("subject", shares["subject"].iloc[searched].unique().tolist())
    mask &= ~table.test("derived", _as_is)
    facts = table.rows(mask).reset_index(drop=True)
    # the same source, subject, period and dimension, on integer codes; the sentence's
    # text is compared only on the pairs that share these
    keys = ["source", "subject", "start", "end"]
    share_keys = [shares[k].iloc[searched] for k in keys]
    l_key, r_key = joint_codes(
        [*share_keys, pd.Series(num_dim[searched])], [facts[k] for k in [*keys, "dimension"]]
    )
    at, row = equi_join(l_key, r_key)
    at = searched[at]
    quotes = facts["quote"].to_numpy(dtype=object)
    same = shares["quote"].to_numpy(dtype=object)[at] == quotes[row]
    at, row = at[same], row[same]
    s_id, x_id = shares["id"].to_numpy(dtype=object)[at], facts["id"].to_numpy()[row]
    other = x_id != s_id
    at, row, x_id = at[other], row[other], x_id[other]
    part_ids = parts.values("id")
    proper = (
        facts["metric"].to_numpy()[row] == shares["numerator"].to_numpy()[at]
    ) | pd.Index(x_id).isin(part_ids)
    wrong = ~proper & ~np.isin(at, at[proper])
    return at[wrong], facts.iloc[row[wrong]]


def _quotes_its_part(
    shares: pd.DataFrame, parts: _Pairs, num_dim: npt.NDArray[np.object_], dims: dict[str, str]
) -> npt.NDArray[np.bool_]:
    """Per share, whether one of its parts is a stated figure of its sentence.

    Such a part is a figure the search of :func:`_numerator_mismatches` would find
    for a quoted share (same source, subject, period, dimension and quote; a metric
    of that dimension) and accept, so the share can have no mismatch and is not
    searched: in a typical document every share gives its part, and none is.
    """
    s = parts.share
    witness = ~parts.values("derived").astype(bool)
    # a figure of the numerator, or of another metric of its dimension (only the
    # former need no look-up); a metric the registry does not know is not searched
    metric, dim = parts.values("metric"), num_dim[s]
    of_dim = metric == shares["numerator"].to_numpy(dtype=object)[s]
    other = np.flatnonzero(~of_dim)
    of_dim[other] = _looked_up(metric[other], partial(_get, dims)) == dim[other]
    witness &= of_dim & pd.notna(dim)
    witness &= parts.values("dimension") == num_dim[s]
    for column in ("source", "quote"):
        witness &= parts.values(column) == shares[column].to_numpy(dtype=object)[s]
    # the period, matched by the join of the parts already (but for a missing one)
    for column in ("start", "end"):
        witness &= parts.values(column) == shares[column].to_numpy()[s]
    return marked(len(shares), s[witness])


def _looked_up(
    values: pd.Series | npt.NDArray[Any], look_up: Callable[[Any], Any]
) -> npt.NDArray[np.object_]:
    """``look_up`` of each value (NaN for a missing value), called once per distinct value."""
    codes, distinct = pd.factorize(np.asarray(values, dtype=object))
    found = np.array([*map(look_up, distinct.tolist()), np.nan], dtype=object)
    looked_up: npt.NDArray[np.object_] = found[codes]
    return looked_up


def _get(mapping: Mapping[str, Any], key: str) -> Any:
    """``mapping[key]``, NaN if it has none (as ``Series.map(mapping)``)."""
    return mapping.get(key, np.nan)


def _host(entities: Mapping[str, Entity], subject: str) -> Any:
    """The host of the entity ``subject``, NaN if it has none or is unknown."""
    entity = entities.get(subject)
    return np.nan if entity is None or entity.host is None else entity.host


def _named_as(
    shares: pd.DataFrame, at: npt.NDArray[np.intp], among: npt.NDArray[np.bool_]
) -> npt.NDArray[np.bool_]:
    """Among the shares where ``among`` holds, those with the id of a share at ``at``.

    Outcomes name shares by id; the shares at ``at`` are marked by position, and
    only the others of ``among`` (usually none) are looked up by id.
    """
    named = marked(len(shares), at) & among
    rest = np.flatnonzero(among & ~named)
    if len(rest) and len(at):
        ids = shares["id"].to_numpy(dtype=object)
        named[rest] = pd.Index(ids[rest]).isin(ids[at])
    return named


def _as_is(column: pd.Series) -> pd.Series:
    """A boolean column as it is (for :meth:`FactTable.test`)."""
    return column


def _mismatch_outcomes(
    ctx: RuleContext, shares: pd.DataFrame, at: npt.NDArray[np.intp], other: pd.DataFrame
) -> pd.DataFrame:
    share = shares.iloc[at]
    s_fig, x_fig = figure_text(share), figure_text(other)
    messages = [
        f"the figure given beside the share `{s}` ({sf}) is `{x}` ({xf}, {label(ctx, xm)}), "
        f"which is not the share's numerator ({label(ctx, num)}): a share of "
        f"{label(ctx, num)} cannot be checked against {label(ctx, xm)}"
        for s, sf, x, xf, xm, num in zip(
            share["id"], s_fig, other["id"], x_fig, other["metric"], share["numerator"],
            strict=True,
        )
    ]
    return nondiscrepancy(
        list(zip(share["id"], other["id"], strict=True)),
        messages,
        stated=written_interval(share),
        unit=share["unit"].astype(str).tolist(),
    )


def _missing(ctx: RuleContext, shares: pd.DataFrame, what: str) -> list[str]:
    fig = figure_text(shares)
    out = []
    for k, row in enumerate(shares.itertuples(index=False)):
        if pd.isna(row.whole_subject):
            out.append(
                f"`{row.id}` states {fig[k]} of the {label(ctx, row.denominator)} of the host of "
                f"`{row.subject}`, but `{row.subject}` has no host in the entity registry: "
                "the whole is unknown"
            )
        elif what == "part":
            out.append(
                f"`{row.id}` states {fig[k]} of "
                f"{_of_text(ctx, row.denominator, row.whole_subject)}, but no "
                f"{label(ctx, row.numerator)} of `{row.subject}` for {row.period} is given: "
                "the share cannot be checked"
            )
        else:
            out.append(
                f"`{row.id}` states {fig[k]} of "
                f"{_of_text(ctx, row.denominator, row.whole_subject)}, but no such whole is "
                "given for its period and none could be implied: the share cannot be checked"
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
    results = [_checks(ctx, shares, parts, wholes)]

    derived, implying = None, np.zeros(0, dtype=np.intp)
    if params.derive_whole and len(parts.share):
        derived, implying = _implied_wholes(ctx, shares, parts)

    flagging = np.zeros(0, dtype=np.intp)
    if params.check_numerator:
        flagging, other = _numerator_mismatches(ctx, shares, parts)
        if len(flagging):
            results.append(_mismatch_outcomes(ctx, shares, flagging, other))

    has_part, has_whole = marked(len(shares), parts.share), marked(len(shares), wholes.share)
    unknown_whole = shares["whole_subject"].isna().to_numpy()
    lonely = ~has_part | unknown_whole
    no_part = shares[lonely & ~_named_as(shares, flagging, lonely)]
    if len(no_part):
        results.append(
            unverifiable([(i,) for i in no_part["id"].tolist()], _missing(ctx, no_part, "part"))
        )
    wholeless = has_part & ~has_whole & ~unknown_whole
    no_whole = shares[wholeless & ~_named_as(shares, implying, wholeless)]
    if len(no_whole):
        results.append(
            unverifiable(
                [(i,) for i in no_whole["id"].tolist()],
                _missing(ctx, no_whole, "whole"),
            )
        )
    return RuleResult(outcomes=concat_outcomes(results), derived=derived)
