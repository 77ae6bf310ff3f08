"""FL102 compare: ``a op b`` between selected facts, pair by pair.

This module also holds the pairing and message helpers that the other
two-sided kinds (bound, part_of, rate) share: matching facts on subject,
period (by canonical days), metric, source or membership, with a guard
against quadratic blow-up, and the wording of values and gaps.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

import numpy as np
import numpy.typing as npt
import pandas as pd
from pydantic import Field, field_validator

from factlint.errors import RuleSetError
from factlint.interval import Comparison, Interval, compare, format_interval
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
    unverifiable,
)

CompareOp = Literal["<", "<=", ">", ">=", "=="]
CompareKey = Literal["subject", "period", "metric", "source"]

#: More pairs than this means the match keys are too loose to be meant.
MAX_PAIRS = 10_000

_QUALIFIER_WORDS = {
    "approx": "about ",
    "more_than": "more than ",
    "at_least": "at least ",
    "less_than": "less than ",
    "at_most": "at most ",
    "nearly": "nearly ",
}


# -- pairing ---------------------------------------------------------------------


@dataclass(frozen=True)
class Pairs:
    """Matched rows of two selections, one row per pair, plus the rows left alone."""

    left: pd.DataFrame
    right: pd.DataFrame
    lonely_left: pd.DataFrame
    lonely_right: pd.DataFrame


def as_key_list(value: object) -> object:
    """Let ``match: member`` stand for ``match: [member]`` (pydantic before-validator)."""
    return [value] if isinstance(value, str) else value


def no_duplicate_keys(keys: tuple[str, ...]) -> tuple[str, ...]:
    if len(set(keys)) != len(keys):
        raise ValueError("match keys must not repeat")
    if "member" in keys and "subject" in keys:
        raise ValueError("`member` already relates the subjects; do not combine it with `subject`")
    return keys


def _membership(ctx: RuleContext, groups: npt.ArrayLike) -> pd.DataFrame:
    """(member, group) rows: every entity that is a (transitive) member of each group."""
    rows = [
        (member, group)
        for group in pd.unique(pd.Series(groups, dtype=object))
        if group in ctx.registries.entities
        for member in ctx.registries.descendants(str(group))
    ]
    return pd.DataFrame(rows, columns=["_member", "_group"], dtype=object)


def pair_facts(
    ctx: RuleContext,
    left: pd.DataFrame,
    right: pd.DataFrame,
    keys: Sequence[str],
    *,
    period: Literal["same", "within"] = "same",
) -> Pairs:
    """Pair every ``left`` row with the ``right`` rows that match on ``keys``.

    ``subject``, ``metric`` and ``source`` match by equality; ``period`` by the
    canonical first and last day (``same``), or with the left period inside the
    right one (``within``); ``member``: the left subject is a (transitive)
    member of the right subject. No key pairs everything. A fact is never paired
    with itself. More than :data:`MAX_PAIRS` pairs is a rule-set error.
    """
    left = left.reset_index(drop=True)
    right = right.reset_index(drop=True)
    lk = pd.DataFrame({"_l": np.arange(len(left))})
    rk = pd.DataFrame({"_r": np.arange(len(right))})
    on: list[str] = []
    for key in keys:
        if key == "period":
            if period == "same":
                for end in ("start", "end"):
                    lk[f"_{end}"] = left[end].to_numpy()
                    rk[f"_{end}"] = right[end].to_numpy()
                on += ["_start", "_end"]
        elif key != "member":
            lk[f"_{key}"] = left[key].to_numpy(dtype=object)
            rk[f"_{key}"] = right[key].to_numpy(dtype=object)
            on.append(f"_{key}")
    if "member" in keys:
        # one left row per group its subject belongs to, matched on the right subject
        lk["_member"] = left["subject"].to_numpy(dtype=object)
        lk = lk.merge(_membership(ctx, right["subject"].to_numpy()), on="_member")
        rk["_group"] = right["subject"].to_numpy(dtype=object)
        on.append("_group")
    _guard(ctx, lk, rk, on, keys)
    if on:
        merged = lk.merge(rk, on=on)
    else:
        merged = lk.merge(rk, how="cross")
    li = merged["_l"].to_numpy(dtype=int)
    ri = merged["_r"].to_numpy(dtype=int)
    keep = left["id"].to_numpy()[li] != right["id"].to_numpy()[ri]
    if "period" in keys and period == "within":
        inside = (right["start"].to_numpy()[ri] <= left["start"].to_numpy()[li]) & (
            left["end"].to_numpy()[li] <= right["end"].to_numpy()[ri]
        )
        keep &= inside
    order = np.lexsort((ri[keep], li[keep]))
    li, ri = li[keep][order], ri[keep][order]
    lonely_l = np.setdiff1d(np.arange(len(left)), li)
    lonely_r = np.setdiff1d(np.arange(len(right)), ri)
    return Pairs(
        left=left.iloc[li].reset_index(drop=True),
        right=right.iloc[ri].reset_index(drop=True),
        lonely_left=left.iloc[lonely_l].reset_index(drop=True),
        lonely_right=right.iloc[lonely_r].reset_index(drop=True),
    )


def _guard(
    ctx: RuleContext, lk: pd.DataFrame, rk: pd.DataFrame, on: list[str], keys: Sequence[str]
) -> None:
    if on:
        sizes = lk.groupby(on, dropna=False).size().rename("a").to_frame()
        sizes = sizes.join(rk.groupby(on, dropna=False).size().rename("b"), how="inner")
        count = int((sizes["a"] * sizes["b"]).sum())
    else:
        count = len(lk) * len(rk)
    if count > MAX_PAIRS:
        named = ", ".join(keys) if keys else "nothing"
        raise RuleSetError(
            ctx.rule.file,
            f"rules[{ctx.rule.id}].match",
            f"matching on {named} pairs {count:,} facts (more than {MAX_PAIRS:,}); "
            "add match keys (subject, period, ...) or narrow the selectors",
        )


# -- comparing in base units, showing in the stated unit -------------------------


def undefine(iv: Interval, mask: npt.ArrayLike) -> Interval:
    """``iv`` with the rows under ``mask`` made undefined (a comparison that cannot be made)."""
    m = np.asarray(mask, dtype=bool)
    return Interval(np.where(m, np.nan, iv.lo), np.where(m, np.nan, iv.hi), iv.lo_open, iv.hi_open)


def compare_shown(
    stated_base: Interval, other_base: Interval, op: str, factors: npt.ArrayLike
) -> tuple[Interval, Interval, Comparison]:
    """Compare in base units; return both sides and the gap in the display unit (``factors``)."""
    cmp = compare(stated_base, other_base, op)
    f = np.asarray(factors, dtype=float)
    shown = Comparison(cmp.consistent, cmp.gap / f, cmp.relative_gap, cmp.undefined)
    return in_unit(stated_base, f), in_unit(other_base, f), shown


def status_of(cmp: Comparison) -> npt.NDArray[np.str_]:
    return np.where(cmp.undefined, "undefined", np.where(cmp.consistent, "ok", "discrepancy"))


# -- words -----------------------------------------------------------------------


def _decimals(x: float) -> int:
    return max(0, 3 - math.floor(math.log10(abs(x)))) if x else 0


def number(x: float, decimals: int | None = None) -> str:
    """A computed number with about four significant digits ("94.21", "31,559", "0.01235")."""
    if not math.isfinite(x):
        return "∞" if x > 0 else ("-∞" if x < 0 else "undefined")
    places = _decimals(x) if decimals is None else decimals
    text = f"{x:,.{places}f}"
    text = text.rstrip("0").rstrip(".") if "." in text else text
    return "0" if text in ("-0", "") else text


def with_unit(text: str, unit: str) -> str:
    if unit == "percent":
        return f"{text}%"
    if unit in ("count", "date", ""):
        return text
    return f"{text} {unit}"


def computed_text(iv: Interval, i: int, unit: str) -> str:
    """A computed interval for a message, rounded to what a reader needs."""
    lo, hi, lo_open, hi_open = iv[i]
    if unit == "date" or math.isnan(lo) or math.isnan(hi):
        return format_interval(lo, hi, lo_open, hi_open, unit)
    if lo == hi:
        return with_unit(number(lo), unit)
    if lo_open or hi_open:
        body = f"{number(lo)}, {number(hi)}"
        return with_unit(f"{'(' if lo_open else '['}{body}{')' if hi_open else ']'}", unit)
    # enough decimals to tell the ends apart, and at least four significant digits
    places = max(_decimals(max(abs(lo), abs(hi))), math.ceil(-math.log10(hi - lo)) + 1)
    places = min(places, 10)
    return with_unit(f"{number(lo, places)}–{number(hi, places)}", unit)


class Shown:
    """A frame's columns as arrays, to word messages row by row without pandas indexing."""

    def __init__(self, frame: pd.DataFrame) -> None:
        self.id = frame["id"].astype(str).to_numpy(dtype=object)
        self.unit = frame["unit"].astype(str).to_numpy(dtype=object)
        self.dimension = frame["dimension"].astype(str).to_numpy(dtype=object)
        self.value = frame["value"].astype(str).to_numpy(dtype=object)
        self.qualifier = frame["qualifier"].astype(str).to_numpy(dtype=object)
        self.derived = frame["derived"].to_numpy(dtype=bool)
        self.interval = Interval(
            frame["lo"].to_numpy(dtype=float), frame["hi"].to_numpy(dtype=float),
            frame["lo_open"].to_numpy(dtype=bool), frame["hi_open"].to_numpy(dtype=bool),
        )

    def written(self, i: int) -> str:
        """The value as the text states it ("about 160 count/day", "less than 0.4%")."""
        unit = str(self.unit[i])
        value = str(self.value[i]).strip()
        if self.derived[i] or not value:
            return computed_text(self.interval, i, unit)
        return _QUALIFIER_WORDS.get(str(self.qualifier[i]), "") + with_unit(value, unit)


def gap_text(gap: float, unit: str) -> str:
    if unit == "percent":
        return f"{number(gap)} percentage points"
    if unit == "date":
        return f"{number(gap)} days"
    return with_unit(number(gap), unit) if unit != "count" else number(gap)


def side(stated: Interval, other: Interval, i: int, op: str) -> str:
    """Where the stated interval lies relative to the other, for a failed ``op``."""
    if op in ("<", "<="):
        return "above"
    if op in (">", ">="):
        return "below"
    return "above" if stated.lo[i] > other.hi[i] else "below"


def by_gap(gap: float, unit: str) -> str:
    """How far a failed relation misses: the gap, or that they only meet at an excluded end."""
    if gap > 0:
        return f"by at least {gap_text(gap, unit)}"
    return "(they could only meet at a value the text excludes)"


def lies(stated: Interval, other: Interval, i: int, op: str, gap: float, unit: str) -> str:
    """ "it lies above by at least 1.25 km2" for a failed ``stated op other``."""
    return f"it lies {side(stated, other, i, op)} {by_gap(gap, unit)}"


def dimension_note(a: Shown, i: int, what: str, dimension: str) -> str:
    """Why ``a``'s row ``i`` cannot be compared with ``what``, which measures ``dimension``."""
    return (
        f"`{a.id[i]}` measures {a.dimension[i] or 'an unknown dimension'} ({a.unit[i]}) but "
        f"{what} measures {dimension or 'an unknown dimension'}: they cannot be compared"
    )


# -- the kind --------------------------------------------------------------------


class CompareParams(Params):
    left: Selector = Field(description="the facts on the left of the operator")
    right: Selector = Field(description="the facts on the right of the operator")
    op: CompareOp = Field(
        description="`<`, `<=`, `>`, `>=`, or `==` (the two intervals can agree)"
    )
    match: tuple[CompareKey, ...] = Field(
        ("subject", "period"),
        description=(
            "keys a left and a right fact must share to be compared: subject, period "
            "(same first and last day), metric, source; [] compares every left fact with "
            "every right fact"
        ),
    )
    scale: float | None = Field(
        None, gt=0, description="multiply the right side by this factor first (e.g. 0.5 for half)"
    )

    @field_validator("match", mode="before")
    @classmethod
    def _listed(cls, value: object) -> object:
        return as_key_list(value)

    @field_validator("match")
    @classmethod
    def _unique(cls, keys: tuple[str, ...]) -> tuple[str, ...]:
        return no_duplicate_keys(keys)


@rule_kind("FL102", "compare", CompareParams)
def check(ctx: RuleContext, params: CompareParams) -> RuleResult:
    """A selected fact must stand in a relation (<, <=, >, >=, ==) to its matched partner.

    Why: documents state figures that constrain each other without being a part
    and its whole: exports cannot exceed total trade, a zone cannot open before it
    was approved, the second half of a year's figure is meant to be at least half
    of the year's. Each left fact is compared with every right fact that shares the
    `match` keys (default: subject and period), in base units, so "4.1 trillion
    yuan" and "4100 billion yuan" compare correctly; written precision and
    qualifiers make each side an interval, and only intervals that cannot satisfy
    the relation are reported. A left fact without a partner is reported as
    unverifiable. `match: []` compares every pair (at most 10,000 pairs).

    Failing example:

        - id: exports-within-trade
          kind: compare
          left: {metric: exports}
          right: {metric: trade}
          op: "<="
        # facts: exports of zones in 2023 = 4.5 trillion yuan; trade = 4.1 trillion yuan
        # -> `exports-2023` (4.5 trillion yuan) is not at most `trade-2023`
        #    (4.1 trillion yuan): it lies above by at least 0.3 trillion yuan

    Passing example: the same rule with exports of 1.9 trillion yuan.
    """
    left = ctx.select(params.left)
    right = ctx.select(params.right)
    if not len(left):
        return RuleResult(outcomes=empty_outcomes())
    pairs = pair_facts(ctx, left, right, params.match)
    a, b = pairs.left, pairs.right
    frames = []
    if len(a):
        other = base_interval(b)
        if params.scale is not None:
            other = other.scale(params.scale)
        dims_differ = a["dimension"].to_numpy() != b["dimension"].to_numpy()
        other = undefine(other, dims_differ)
        factors = a["factor"].to_numpy(dtype=float)
        stated, computed, cmp = compare_shown(base_interval(a), other, params.op, factors)
        status = status_of(cmp)
        messages = [""] * len(a)
        shown_a, shown_b = Shown(a), Shown(b)
        for i in np.flatnonzero(status != "ok").tolist():
            messages[i] = _message(shown_a, shown_b, stated, computed, cmp, i, params)
        facts = [x + y for x, y in zip(origin(a), origin(b), strict=True)]
        frames.append(
            outcomes(
                facts=facts, stated=stated, computed=computed, unit=a["unit"].tolist(),
                comparison=cmp, messages=messages,
            )
        )
    lonely = pairs.lonely_left
    if len(lonely):
        keys = " and ".join(params.match)
        frames.append(
            unverifiable(
                origin(lonely),
                [
                    f"`{fact_id}` has no `right` fact sharing its {keys} to compare with"
                    for fact_id in lonely["id"]
                ],
            )
        )
    return RuleResult(outcomes=pd.concat(frames, ignore_index=True))


def _message(
    a: Shown,
    b: Shown,
    stated: Interval,
    computed: Interval,
    cmp: Comparison,
    i: int,
    params: CompareParams,
) -> str:
    a_id, b_id, unit = a.id[i], b.id[i], str(a.unit[i])
    if a.dimension[i] != b.dimension[i]:
        return dimension_note(a, i, f"`{b_id}`", str(b.dimension[i]))
    right = f"`{b_id}` ({b.written(i)})"
    if params.scale is not None:
        right = f"{number(params.scale)} × {right}, i.e. {computed_text(computed, i, unit)}"
    elif b.unit[i] != unit:
        right = f"`{b_id}` ({b.written(i)}, i.e. {computed_text(computed, i, unit)})"
    if cmp.undefined[i]:
        return f"`{a_id}` cannot be compared with {right}: a value is undefined"
    relation = "cannot equal" if params.op == "==" else f"is not {params.op}"
    return (
        f"`{a_id}` ({a.written(i)}) {relation} {right}: "
        f"{lies(stated, computed, i, params.op, float(cmp.gap[i]), unit)}"
    )
