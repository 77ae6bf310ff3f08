"""Pairing and comparing the facts of two selections, shared by the two-sided kinds.

compare, bound, part_of and rate all match facts on subject, period (by
canonical days), metric, source or membership, with a guard against
quadratic blow-up, and compare them in base units while showing them in
the stated fact's unit.
"""

from __future__ import annotations

from collections.abc import Sequence
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
from factlint.rules.frames import equi_join, shared_codes
from factlint.rules.wording import QUALIFIER_WORDS, computed_text, with_unit

CompareOp = Literal["<", "<=", ">", ">=", "=="]
CompareKey = Literal["subject", "period", "metric", "source"]

#: More pairs than this, and more than :data:`PAIRS_PER_FACT` per fact, means the match
#: keys are too loose to be meant. (A large project may pair a hundred thousand facts
#: one to one: the guard is against a product of the selections, not against size.)
MAX_PAIRS = 10_000
PAIRS_PER_FACT = 10



# -- pairing ---------------------------------------------------------------------


class Pairs:
    """Matched rows of two selections, one row per pair, plus the rows left alone.

    The rows left alone are taken on first use: most kinds report those of one side
    only, and taking all the columns of the other side's (often most of a large
    selection) would cost more than the pairing.
    """

    def __init__(
        self,
        left: pd.DataFrame,
        right: pd.DataFrame,
        li: npt.NDArray[np.intp],
        ri: npt.NDArray[np.intp],
    ) -> None:
        self._sides = (left, right)
        self._used = (li, ri)
        self.left = _rows(left, li)
        self.right = _rows(right, ri)

    @cached_property
    def lonely_left(self) -> pd.DataFrame:
        return _rows(self._sides[0], _unused(self._used[0], len(self._sides[0])))

    @cached_property
    def lonely_right(self) -> pd.DataFrame:
        return _rows(self._sides[1], _unused(self._used[1], len(self._sides[1])))


def as_key_list(value: object) -> object:
    """Let ``match: member`` stand for ``match: [member]`` (pydantic before-validator)."""
    return [value] if isinstance(value, str) else value


def no_duplicate_keys(keys: tuple[str, ...]) -> tuple[str, ...]:
    if len(set(keys)) != len(keys):
        raise ValueError("match keys must not repeat")
    if "member" in keys and "subject" in keys:
        raise ValueError("`member` already relates the subjects; do not combine it with `subject`")
    return keys


def _membership(
    ctx: RuleContext, subjects: pd.Series
) -> tuple[npt.NDArray[np.intp], npt.NDArray[np.intp], npt.NDArray[np.object_]]:
    """Every entity that is a (transitive) member of a subject: per row of ``subjects`` the
    code of its subject, and (code of the group, member) rows.

    Groups are matched by their codes, not by their names (the names of thousands of
    groups, once per member, would have to be hashed again).
    """
    code, groups = pd.factorize(subjects)
    # an unknown entity has no members
    owner, members = ctx.registries.member_table(groups.tolist())
    return np.asarray(code, dtype=np.intp), owner, members


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
        l_key, r_key = _match_keys([left[c] for c in columns], [right[c] for c in columns])
    l_row = np.arange(len(left))
    if "member" in keys:
        # one left row per group its subject belongs to, matched on the right subject
        r_group, owner, members = _membership(ctx, right["subject"])
        l_subject, g_member = shared_codes(left["subject"], pd.Series(members, dtype=object))
        m_left, m_row = equi_join(l_subject, g_member)
        l_row = l_row[m_left]
        l_key, r_key = _match_keys(
            [pd.Series(l_key[m_left]), pd.Series(owner[m_row])],
            [pd.Series(r_key), pd.Series(r_group)],
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
    return Pairs(left, right, li, ri)


def _rows(frame: pd.DataFrame, at: npt.NDArray[np.intp]) -> pd.DataFrame:
    """``frame``'s rows at ``at``, numbered from 0 (as ``frame`` is). When every row is
    paired once and in order, as rates and counts of the same facts often are, that is
    the frame itself, not a copy of all its columns."""
    if len(at) == len(frame) and np.array_equal(at, np.arange(len(frame))):
        return frame
    return frame.iloc[at].reset_index(drop=True)


def _match_keys(
    left: Sequence[pd.Series], right: Sequence[pd.Series]
) -> tuple[npt.NDArray[np.int64], npt.NDArray[np.int64]]:
    """One integer per row for several key columns, equal where all columns are equal
    (missing matching missing), numbered densely from 0 (as ``frames.joint_codes``).

    The columns' codes are combined as digits of one number and renumbered once, not
    after every column.
    """
    l_key = np.zeros(len(left[0]), dtype=np.int64)
    r_key = np.zeros(len(right[0]), dtype=np.int64)
    span = 1
    for l_column, r_column in zip(left, right, strict=True):
        l_code, r_code = shared_codes(l_column, r_column)
        # shifted by one so that a missing value (-1) is a code like any other
        width = int(max(l_code.max(initial=-1), r_code.max(initial=-1))) + 2
        if span * width >= 2**62:  # renumbered before the number could overflow
            l_key, r_key = _renumbered(l_key, r_key)
            span = int(max(l_key.max(initial=0), r_key.max(initial=0))) + 1
        l_key = l_key * width + l_code + 1
        r_key = r_key * width + r_code + 1
        span *= width
    return _renumbered(l_key, r_key)


def _renumbered(
    l_key: npt.NDArray[np.int64], r_key: npt.NDArray[np.int64]
) -> tuple[npt.NDArray[np.int64], npt.NDArray[np.int64]]:
    codes, _ = pd.factorize(np.concatenate([l_key, r_key]))
    return codes[: len(l_key)].astype(np.int64), codes[len(l_key) :].astype(np.int64)


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


