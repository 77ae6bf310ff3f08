"""Pairing and comparing the facts of two selections, shared by the two-sided kinds.

compare, bound, part_of and rate all match facts on subject, period (by
canonical days), metric, source or membership, with a guard against
quadratic blow-up, and compare them in base units while showing them in
the stated fact's unit.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

import numpy as np
import numpy.typing as npt
import pandas as pd

from factlint.errors import RuleSetError
from factlint.interval import Comparison, Interval, compare
from factlint.rules.base import (
    RuleContext,
    in_unit,
)
from factlint.rules.wording import QUALIFIER_WORDS, computed_text, with_unit

CompareOp = Literal["<", "<=", ">", ">=", "=="]
CompareKey = Literal["subject", "period", "metric", "source"]

#: More pairs than this, and more than :data:`PAIRS_PER_FACT` per fact, means the match
#: keys are too loose to be meant. (A large project may pair a hundred thousand facts
#: one to one: the guard is against a product of the selections, not against size.)
MAX_PAIRS = 10_000
PAIRS_PER_FACT = 10



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
    with itself. More than :data:`MAX_PAIRS` pairs, and more than :data:`PAIRS_PER_FACT`
    per fact, is a rule-set error.
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
    limit = max(MAX_PAIRS, PAIRS_PER_FACT * (len(lk) + len(rk)))
    if count > limit:
        named = ", ".join(keys) if keys else "nothing"
        raise RuleSetError(
            ctx.rule.file,
            f"rules[{ctx.rule.id}].match",
            f"matching on {named} pairs {count:,} facts (more than {limit:,}); "
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
        return QUALIFIER_WORDS.get(str(self.qualifier[i]), "") + with_unit(value, unit)


def dimension_note(a: Shown, i: int, what: str, dimension: str) -> str:
    """Why ``a``'s row ``i`` cannot be compared with ``what``, which measures ``dimension``."""
    return (
        f"`{a.id[i]}` measures {a.dimension[i] or 'an unknown dimension'} ({a.unit[i]}) but "
        f"{what} measures {dimension or 'an unknown dimension'}: they cannot be compared"
    )


