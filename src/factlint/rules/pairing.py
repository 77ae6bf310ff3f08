"""Pairing and comparing the facts of two selections, shared by the two-sided kinds.

compare, bound, part_of and rate all match facts on subject, period (by
canonical days), metric, source or membership, with a guard against
quadratic blow-up, and compare them in base units while showing them in
the stated fact's unit.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from functools import cached_property
from typing import Literal

import numpy as np
import numpy.typing as npt
import pandas as pd

from factlint.errors import RuleSetError
from factlint.interval import Comparison, Interval, compare
from factlint.rules.base import (
    RuleContext,
    in_unit,
    origin,
)
from factlint.rules.frames import equi_join, joint_codes, shared_codes
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
    unique = pd.unique(pd.Series(groups, dtype=object))
    named = [g for g in unique.tolist() if g in ctx.registries.entities]
    owner, members = ctx.registries.member_table([str(g) for g in named])
    return pd.DataFrame(
        {"_member": members, "_group": np.asarray(named, dtype=object)[owner]}, dtype=object
    )


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
    columns: list[str] = []
    for key in keys:
        if key == "period":
            columns += ["start", "end"] if period == "same" else []
        elif key != "member":
            columns.append(key)
    # the match keys as one integer per row: joining on integers is much cheaper than
    # pandas' merge on string columns
    l_key = np.zeros(len(left), dtype=np.int64)
    r_key = np.zeros(len(right), dtype=np.int64)
    if columns:
        l_key, r_key = joint_codes([left[c] for c in columns], [right[c] for c in columns])
    l_row = np.arange(len(left))
    if "member" in keys:
        # one left row per group its subject belongs to, matched on the right subject
        groups = _membership(ctx, right["subject"].to_numpy())
        l_subject, g_member = shared_codes(left["subject"], groups["_member"])
        m_left, m_row = equi_join(l_subject, g_member)
        l_row = l_row[m_left]
        l_key, r_key = joint_codes(
            [pd.Series(l_key[m_left]), groups["_group"].iloc[m_row]],
            [pd.Series(r_key), right["subject"]],
        )
    _guard(ctx, l_key, r_key, keys)  # no keys: every key is 0, every row pairs with every row
    e_left, ri = equi_join(l_key, r_key)
    li = l_row[e_left]
    keep = left["id"].to_numpy()[li] != right["id"].to_numpy()[ri]
    if "period" in keys and period == "within":
        inside = (right["start"].to_numpy()[ri] <= left["start"].to_numpy()[li]) & (
            left["end"].to_numpy()[li] <= right["end"].to_numpy()[ri]
        )
        keep &= inside
    order = np.lexsort((ri[keep], li[keep]))
    li, ri = li[keep][order], ri[keep][order]
    return Pairs(
        left=left.iloc[li].reset_index(drop=True),
        right=right.iloc[ri].reset_index(drop=True),
        lonely_left=left.iloc[_unused(li, len(left))].reset_index(drop=True),
        lonely_right=right.iloc[_unused(ri, len(right))].reset_index(drop=True),
    )


def _unused(used: npt.NDArray[np.intp], n: int) -> npt.NDArray[np.intp]:
    """Positions 0..n-1 that are not in ``used``, ascending."""
    free = np.ones(n, dtype=bool)
    free[used] = False
    return np.flatnonzero(free)


def _guard(
    ctx: RuleContext,
    l_key: npt.NDArray[np.int64],
    r_key: npt.NDArray[np.int64],
    keys: Sequence[str],
) -> None:
    sizes = np.bincount(r_key, minlength=int(max(l_key.max(initial=0), 0)) + 1)
    count = int(sizes[l_key].sum()) if len(l_key) else 0
    limit = max(MAX_PAIRS, PAIRS_PER_FACT * (len(l_key) + len(r_key)))
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
    """A frame's columns as arrays, to word messages row by row without pandas indexing.

    Each column is converted on first use: most checks pass, and then no message
    is worded at all.
    """

    def __init__(self, frame: pd.DataFrame) -> None:
        self._frame = frame

    def _strings(self, column: str) -> npt.NDArray[np.object_]:
        strings: npt.NDArray[np.object_] = self._frame[column].astype(str).to_numpy(dtype=object)
        return strings

    @cached_property
    def id(self) -> npt.NDArray[np.object_]:
        return self._strings("id")

    @cached_property
    def unit(self) -> npt.NDArray[np.object_]:
        return self._strings("unit")

    @cached_property
    def dimension(self) -> npt.NDArray[np.object_]:
        return self._strings("dimension")

    @cached_property
    def value(self) -> npt.NDArray[np.object_]:
        return self._strings("value")

    @cached_property
    def qualifier(self) -> npt.NDArray[np.object_]:
        return self._strings("qualifier")

    @cached_property
    def derived(self) -> npt.NDArray[np.bool_]:
        derived: npt.NDArray[np.bool_] = self._frame["derived"].to_numpy(dtype=bool)
        return derived

    @cached_property
    def interval(self) -> Interval:
        frame = self._frame
        return Interval(
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


def paired_origins(a: pd.DataFrame, b: pd.DataFrame) -> list[tuple[str, ...]]:
    """Row by row, the stated facts behind ``a``'s row followed by those behind ``b``'s."""
    if not a["derived"].any() and not b["derived"].any():
        # stated facts stand for themselves: no tuple per side to build and add
        return list(zip(a["id"].tolist(), b["id"].tolist(), strict=True))
    return [x + y for x, y in zip(origin(a), origin(b), strict=True)]


def dimension_note(a: Shown, i: int, what: str, dimension: str) -> str:
    """Why ``a``'s row ``i`` cannot be compared with ``what``, which measures ``dimension``."""
    return (
        f"`{a.id[i]}` measures {a.dimension[i] or 'an unknown dimension'} ({a.unit[i]}) but "
        f"{what} measures {dimension or 'an unknown dimension'}: they cannot be compared"
    )


