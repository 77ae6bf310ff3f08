"""FL103 share: a stated share against its part and its whole, and the whole it implies.

Also home of the small text helpers that the share, growth and agreement
kinds use to write their messages (a figure as written, an interval in a
unit, a gap).
"""

from __future__ import annotations

import math
import re
from collections.abc import Sequence
from typing import Any, Literal

import numpy as np
import numpy.typing as npt
import pandas as pd
from pydantic import Field

from factlint.interval import Interval, compare, format_interval
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

# -- message helpers (shared with growth and agreement) ----------------------

#: the columns of the normalised table a kind carries through its joins
FACT_COLUMNS = (
    "id",
    "source",
    "quote",
    "subject",
    "metric",
    "period",
    "value",
    "unit",
    "qualifier",
    "dimension",
    "factor",
    "lo",
    "hi",
    "lo_open",
    "hi_open",
    "base_lo",
    "base_hi",
    "start",
    "end",
    "derived",
    "derived_from",
)

_QUALIFIER_WORDS = {
    "approx": "about ",
    "more_than": "more than ",
    "at_least": "at least ",
    "less_than": "less than ",
    "at_most": "at most ",
    "nearly": "nearly ",
}
_RANGE_DASH = re.compile(r"(?<=\d)\s*[-~]\s*(?=[-\d])")


def prefixed(frame: pd.DataFrame, prefix: str) -> pd.DataFrame:
    """The fact columns of ``frame`` renamed ``<prefix><column>`` (one side of a join)."""
    return frame[list(FACT_COLUMNS)].add_prefix(prefix)


def side(frame: pd.DataFrame, prefix: str) -> pd.DataFrame:
    """The fact columns of one side of a join, under their own names again."""
    return frame[[prefix + c for c in FACT_COLUMNS]].set_axis(list(FACT_COLUMNS), axis=1)


def display_interval(frame: pd.DataFrame) -> Interval:
    """The rows' written intervals in their own units."""
    return Interval(
        lo=frame["lo"].to_numpy(dtype=float),
        hi=frame["hi"].to_numpy(dtype=float),
        lo_open=frame["lo_open"].to_numpy(dtype=bool),
        hi_open=frame["hi_open"].to_numpy(dtype=bool),
    )


def base_of(frame: pd.DataFrame) -> Interval:
    """The rows' intervals in base units."""
    return Interval(
        lo=frame["base_lo"].to_numpy(dtype=float),
        hi=frame["base_hi"].to_numpy(dtype=float),
        lo_open=frame["lo_open"].to_numpy(dtype=bool),
        hi_open=frame["hi_open"].to_numpy(dtype=bool),
    )


def unit_suffix(unit: str) -> str:
    """How a unit follows a number: "20.8%", "22" (a count), "4.1 trillion yuan"."""
    if unit == "percent":
        return "%"
    if unit in ("count", "date", ""):
        return ""
    return f" {unit}"


def interval_text(iv: Interval, units: Sequence[str] | str) -> list[str]:
    """Each interval as a reader expects it, in its unit ("19.13–19.61%", "(3500, ∞)")."""
    unit_list = [units] * len(iv) if isinstance(units, str) else list(units)
    out = []
    for i, unit in enumerate(unit_list):
        lo, hi, lo_open, hi_open = iv[i]
        suffix = unit_suffix(unit)
        if unit == "date":
            out.append(format_interval(lo, hi, lo_open, hi_open, "date"))
        elif math.isinf(hi) and math.isfinite(lo):
            word = "more than" if lo_open else "at least"
            out.append(f"{word} {format_interval(lo, lo, digits=_digits(lo, lo))}{suffix}")
        elif math.isfinite(hi) and (math.isinf(lo) or (lo == 0 and hi > 0)):
            word = "less than" if hi_open else "at most"
            out.append(f"{word} {format_interval(hi, hi, digits=_digits(hi, hi))}{suffix}")
        else:
            text = format_interval(lo, hi, lo_open, hi_open, "", digits=_digits(lo, hi))
            out.append(text + suffix)
    return out


def _digits(lo: float, hi: float) -> int:
    """Decimals to show: as few as show both ends exactly, else enough to resolve the width.

    (A relative float tolerance would call any 6-decimal rounding of a value
    above 500 exact and show "498.585132"; this stays at what a reader needs.)
    """
    ends = [v for v in (lo, hi) if math.isfinite(v)]
    for d in range(0, 5):
        if all(abs(round(v, d) - v) <= 1e-12 * max(abs(v), 1.0) for v in ends):
            return d
    width = hi - lo if math.isfinite(hi - lo) else 0.0
    if width > 0:
        return max(0, min(6, math.ceil(-math.log10(width)) + 1))
    magnitude = max((abs(v) for v in ends), default=1.0) or 1.0
    return max(0, min(6, 3 - math.floor(math.log10(magnitude))))


def figure_text(frame: pd.DataFrame) -> list[str]:
    """Each fact's figure as written ("less than 0.4%", "about 9.6 million km2").

    A derived value has no written form: its interval is shown instead.
    """
    values = frame["value"].to_numpy(dtype=object)
    written = np.array([isinstance(v, str) and bool(v.strip()) for v in values], dtype=bool)
    written &= ~frame["derived"].to_numpy(dtype=bool)
    units = frame["unit"].astype(str).to_numpy()
    out = [""] * len(frame)
    unwritten = np.flatnonzero(~written)
    shown = interval_text(display_interval(frame).take(unwritten), units[unwritten].tolist())
    for k, i in enumerate(unwritten):
        out[i] = shown[k]
    qualifiers = frame["qualifier"].to_numpy(dtype=object)
    for i in np.flatnonzero(written):
        value, qualifier = str(values[i]), qualifiers[i]
        number = _RANGE_DASH.sub("–", value) if qualifier == "range" else value
        out[i] = f"{_QUALIFIER_WORDS.get(qualifier, '')}{number}{unit_suffix(units[i])}"
    return out


def number_text(x: float) -> str:
    """A gap to three significant figures, never in exponent form."""
    if not math.isfinite(x):
        return "∞" if x > 0 else "undefined"
    rounded = float(f"{x:.3g}")
    if rounded == 0:
        return "0"
    if abs(rounded) >= 100:
        return f"{x:.0f}"
    digits = max(0, 2 - math.floor(math.log10(abs(rounded))))
    return f"{rounded:.{digits}f}"


def gap_text(gap: float, unit: str) -> str:
    """A gap in a unit: "1.84 percentage points", "12.3 billion yuan"."""
    if unit == "percent":
        return f"{number_text(gap)} percentage points"
    return f"{number_text(gap)}{unit_suffix(unit)}"


def side_word(computed: Interval, stated: Interval) -> list[str]:
    """ "below" where the computed interval lies under the stated one, else "above"."""
    with np.errstate(invalid="ignore"):
        below = computed.hi <= stated.lo
    return ["below" if b else "above" for b in below]


def derived_from_any(
    frame: pd.DataFrame, id_column: str, from_column: str
) -> npt.NDArray[np.bool_]:
    """True where the id in ``id_column`` is among the ids in ``from_column`` (tuples).

    Used to keep a derived value from being checked against the facts it was
    derived from (which would pass by construction).
    """
    if not len(frame):
        return np.zeros(0, dtype=bool)
    links = pd.DataFrame(
        {
            "row": np.arange(len(frame)),
            "id": frame[id_column].to_numpy(),
            "src": frame[from_column].to_numpy(),
        }
    ).explode("src")
    hit = links.loc[links["src"].to_numpy() == links["id"].to_numpy(), "row"].unique()
    mask = np.zeros(len(frame), dtype=bool)
    mask[hit.astype(int)] = True
    return mask


def joined_ids(*groups: Sequence[tuple[str, ...]]) -> list[tuple[str, ...]]:
    """Row by row, the ids of several origin lists, in order and without repeats."""
    return [
        tuple(dict.fromkeys(i for ids in row for i in ids)) for row in zip(*groups, strict=True)
    ]


def ids_text(ids: Sequence[str]) -> str:
    return ", ".join(f"`{i}`" for i in ids)


def label(ctx: RuleContext, metric: str) -> str:
    """A metric's label as it reads inside a sentence ("imports and exports", "FDI")."""
    known = ctx.registries.metrics.get(metric)
    text = known.label if known is not None else metric
    if len(text) > 1 and text[0].isupper() and not text[1].isupper():
        return text[0].lower() + text[1:]
    return text


def nondiscrepancy(
    facts: Sequence[tuple[str, ...]],
    messages: Sequence[str],
    *,
    stated: Interval,
    unit: Sequence[str],
) -> pd.DataFrame:
    """Discrepancy rows that are not a numeric comparison (a mismatch of meaning)."""
    frame = unverifiable(facts, messages)
    frame["status"] = "discrepancy"
    frame["stated_lo"], frame["stated_hi"] = stated.lo, stated.hi
    frame["stated_lo_open"], frame["stated_hi_open"] = stated.lo_open, stated.hi_open
    frame["unit"] = list(unit)
    return frame


def concat_outcomes(frames: Sequence[pd.DataFrame]) -> pd.DataFrame:
    kept = [f for f in frames if len(f)]
    if not kept:
        return empty_outcomes()
    return pd.concat(kept, ignore_index=True)


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


def _parts(ctx: RuleContext, params: ShareParams, shares: pd.DataFrame) -> pd.DataFrame:
    """Every share × part pair: parts of the share's subject and period."""
    facts = ctx.facts
    if params.part is not None:
        pool = ctx.select(params.part)
        left, right = ["s_subject", "s_start", "s_end"], ["p_subject", "p_start", "p_end"]
    else:
        pool = facts[facts["metric"].isin(shares["numerator"].unique())]
        left = ["s_subject", "numerator", "s_start", "s_end"]
        right = ["p_subject", "p_metric", "p_start", "p_end"]
    parts = shares.merge(prefixed(pool, PART_PREFIX), left_on=left, right_on=right)
    keep = (parts["p_id"] != parts["s_id"]).to_numpy() & ~derived_from_any(
        parts, "s_id", "p_derived_from"
    )
    return parts[keep].reset_index(drop=True)


def _wholes(ctx: RuleContext, params: ShareParams, shares: pd.DataFrame) -> pd.DataFrame:
    """Every share × whole pair: wholes of the whole's entity, period per ``whole_period``."""
    facts = ctx.facts
    known = shares[shares["whole_subject"].notna()]
    if params.whole is not None:
        pool = ctx.select(params.whole)
        left, right = ["whole_subject"], ["w_subject"]
    else:
        pool = facts[facts["metric"].isin(known["denominator"].unique())]
        left, right = ["whole_subject", "denominator"], ["w_subject", "w_metric"]
    if params.whole_period == "same":
        left, right = [*left, "s_start", "s_end"], [*right, "w_start", "w_end"]
    keys = ["s_pos", "s_id", "whole_subject", "denominator", "s_start", "s_end"]
    wholes = known[keys].merge(prefixed(pool, WHOLE_PREFIX), left_on=left, right_on=right)
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
    share, part, whole = (side(checks, p) for p in (SHARE_PREFIX, PART_PREFIX, WHOLE_PREFIX))
    factor = share["factor"].to_numpy(dtype=float)
    stated = display_interval(share)
    computed = in_unit(base_of(part) / base_of(whole), factor)
    comparison = compare(computed, stated, "==")
    facts = joined_ids([(i,) for i in share["id"]], origin(part), origin(whole))
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
    share, part = side(parts, SHARE_PREFIX), side(parts, PART_PREFIX)
    implied = in_unit(base_of(part) / base_of(share), part["factor"].to_numpy(dtype=float))
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
    explanation = [
        f"the {label(ctx, d)} of `{w}` implied by `{s}` ({sf}) and `{p}` ({pf}): {pf} / {sf} = {v}"
        for d, w, s, p, sf, pf, v in zip(
            parts["denominator"],
            parts["whole_subject"],
            share["id"],
            part["id"],
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
        derived_from=joined_ids([(i,) for i in share["id"]], origin(part)),
        explanation=explanation,
    )
    return frame, set(share["id"])


def _numerator_mismatches(
    ctx: RuleContext, shares: pd.DataFrame, part_ids: pd.Series
) -> pd.DataFrame:
    """Shares whose sentence gives, for their subject and period, a figure of another metric.

    Such a figure is the part the text offers; if the sentence also gives a
    figure of the numerator itself (or a part chosen by the `part` selector),
    the other one is just context.
    """
    facts = ctx.facts
    dims = {k: m.dimension for k, m in ctx.registries.metrics.items()}
    quoted = shares[shares["s_quote"].fillna("").astype(str).str.strip() != ""]
    quoted = quoted.assign(num_dim=quoted["numerator"].map(dims))
    # only figures of the numerator's kind, for the same subject and period, can be the part
    stated = facts[~facts["derived"].astype(bool) & facts["dimension"].isin(quoted["num_dim"])]
    beside = quoted.merge(
        prefixed(stated, "x_"),
        left_on=["s_source", "s_quote", "s_subject", "s_start", "s_end", "num_dim"],
        right_on=["x_source", "x_quote", "x_subject", "x_start", "x_end", "x_dimension"],
    )
    beside = beside[beside["x_id"] != beside["s_id"]].copy()
    beside["proper"] = (beside["x_metric"] == beside["numerator"]) | beside["x_id"].isin(part_ids)
    has_proper = beside.groupby("s_pos")["proper"].transform("any").astype(bool)
    return beside[~beside["proper"] & ~has_proper].reset_index(drop=True)


def _mismatch_outcomes(ctx: RuleContext, wrong: pd.DataFrame) -> pd.DataFrame:
    share, other = side(wrong, SHARE_PREFIX), side(wrong, "x_")
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
        stated=display_interval(share),
        unit=share["unit"].astype(str).tolist(),
    )


def _missing(ctx: RuleContext, shares: pd.DataFrame, what: str) -> list[str]:
    fig = figure_text(side(shares, SHARE_PREFIX))
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
            unverifiable([(i,) for i in no_part["s_id"]], _missing(ctx, no_part, "part"))
        )
    no_whole = shares[has_part & ~has_whole & ~unknown_whole & ~shares["s_id"].isin(implied)]
    if len(no_whole):
        results.append(
            unverifiable(
                joined_ids([(i,) for i in no_whole["s_id"]]),
                _missing(ctx, no_whole, "whole"),
            )
        )
    return RuleResult(outcomes=concat_outcomes(results), derived=derived)
