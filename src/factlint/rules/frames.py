"""Joining and assembling rows of the normalised table, shared by the rule kinds."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from itertools import compress, count
from operator import add, eq, itemgetter
from typing import Any

import numpy as np
import numpy.typing as npt
import pandas as pd

from factlint.interval import Interval
from factlint.rules.base import CHUNK_ROWS, KIND_COLUMNS, empty_outcomes, unverifiable


def prefixed(frame: pd.DataFrame, prefix: str) -> pd.DataFrame:
    """The columns kinds read (``KIND_COLUMNS``) renamed ``<prefix><column>`` (one side
    of a join)."""
    return frame[list(KIND_COLUMNS)].add_prefix(prefix)


def join_side(frame: pd.DataFrame, prefix: str) -> pd.DataFrame:
    """The columns of one side of a join, under their own names again."""
    return frame[[prefix + c for c in KIND_COLUMNS]].set_axis(list(KIND_COLUMNS), axis=1)


def written_interval(frame: pd.DataFrame) -> Interval:
    """The rows' written intervals in their own units."""
    return Interval(
        lo=frame["lo"].to_numpy(dtype=float),
        hi=frame["hi"].to_numpy(dtype=float),
        lo_open=frame["lo_open"].to_numpy(dtype=bool),
        hi_open=frame["hi_open"].to_numpy(dtype=bool),
    )


def derived_from_any(
    frame: pd.DataFrame, id_column: str, from_column: str
) -> npt.NDArray[np.bool_]:
    """True where the id in ``id_column`` is among the ids in ``from_column`` (tuples).

    Used to keep a derived value from being checked against the facts it was
    derived from (which would pass by construction).
    """
    mask = np.zeros(len(frame), dtype=bool)
    sources = frame[from_column].to_numpy()
    lengths = np.fromiter(map(len, sources), dtype=np.intp, count=len(sources))
    # stated rows have no sources: only the (few) derived rows are unpacked
    rows = np.flatnonzero(lengths)
    if not len(rows):
        return mask
    flat = np.asarray([i for ids in sources[rows] for i in ids], dtype=object)
    owner = np.repeat(rows, lengths[rows])
    hit = flat == frame[id_column].to_numpy(dtype=object)[owner]
    mask[owner[hit]] = True
    return mask


def joined_ids(*groups: Sequence[tuple[str, ...]]) -> list[tuple[str, ...]]:
    """Row by row, the ids of several origin lists, in order and without repeats."""
    sizes = {len(g) for g in groups}
    if len(sizes) > 1:
        raise ValueError(f"joined_ids: lists of different lengths {sorted(sizes)}")
    n = sizes.pop() if sizes else 0
    rows: list[tuple[str, ...]] = []
    # a chunk of rows at a time, so that its ids stay in the CPU cache between passes
    for start in range(0, n, CHUNK_ROWS):
        rows += _joined_chunk([g[start : start + CHUNK_ROWS] for g in groups])
    return rows


def _joined_chunk(groups: list[Sequence[tuple[str, ...]]]) -> list[tuple[str, ...]]:
    if all(set(map(len, g)) == {1} for g in groups):
        # every row of every list is one stated fact: the ids are compared list by list
        single = [list(map(itemgetter(0), g)) for g in groups]
        rows = list(zip(*single, strict=True))
        repeats: list[int] = []
        for i, first in enumerate(single):
            for second in single[i + 1 :]:
                if any(map(eq, first, second)):  # rare: only then are the rows found
                    repeats += compress(count(), map(eq, first, second))
    else:
        # rows joined tuple by tuple (in C); a row repeats an id when its set is shorter
        rows = list(groups[0]) if len(groups) == 1 else list(map(add, groups[0], groups[1]))
        for group in groups[2:]:
            rows = list(map(add, rows, group))
        lengths = np.fromiter(map(len, rows), dtype=np.intp, count=len(rows))
        distinct = np.fromiter(map(len, map(set, rows)), dtype=np.intp, count=len(rows))
        repeats = np.flatnonzero(lengths != distinct).tolist()
    for k in repeats:
        rows[k] = _unique(rows[k])
    return rows


def _unique(ids: tuple[str, ...]) -> tuple[str, ...]:
    return ids if len(ids) < 2 else tuple(dict.fromkeys(ids))


# -- integer keys ------------------------------------------------------------------
# Joining and grouping on integer codes instead of strings: pandas merges and
# group-bys on string columns spend most of their time hashing the strings, and
# a Python loop over rows costs a microsecond a row.


@dataclass(frozen=True)
class Coded:
    """A column of strings with few distinct values: per row, its code into ``names``.

    Members, metrics and carriers repeat across the (target, member) pairs of a
    rule; hashing each distinct string once keeps joins on them cheap.
    """

    codes: npt.NDArray[np.intp]
    names: npt.NDArray[np.object_]

    @classmethod
    def of(cls, values: pd.Series | npt.NDArray[np.object_]) -> Coded:
        codes, names = pd.factorize(np.asarray(values, dtype=object))
        return cls(np.asarray(codes, dtype=np.intp), np.asarray(names, dtype=object))

    def take(self, rows: npt.NDArray[np.intp]) -> Coded:
        return Coded(self.codes[rows], self.names)

    def codes_against(
        self, other: pd.Series
    ) -> tuple[npt.NDArray[np.int64], npt.NDArray[np.int64]]:
        """Codes of these rows and of ``other`` over one shared set of values."""
        mine, theirs = shared_codes(pd.Series(self.names, dtype=object), other)
        return mine[self.codes], theirs


def shared_codes(*values: pd.Series) -> list[npt.NDArray[np.int64]]:
    """Integer codes of several columns over one shared set of values (-1: missing)."""
    lengths = np.cumsum([len(v) for v in values])[:-1]
    arrays = [v.to_numpy() for v in values]
    kinds = {a.dtype.kind for a in arrays}
    if kinds == {"O"}:
        joined: npt.NDArray[Any] | pd.Series = np.concatenate(arrays)
    elif kinds == {"M"}:
        joined = np.concatenate([a.astype("datetime64[ns]") for a in arrays])
    else:  # mixed dtypes: let pandas find the common one
        joined = pd.concat([v.reset_index(drop=True) for v in values])
    codes, _ = pd.factorize(joined)
    return [np.asarray(c, dtype=np.int64) for c in np.split(codes, lengths)]


def joint_codes(
    left: Sequence[pd.Series], right: Sequence[pd.Series]
) -> tuple[npt.NDArray[np.int64], npt.NDArray[np.int64]]:
    """One integer per row for several key columns, equal where all columns are equal.

    Missing values match each other, as in a pandas merge. The keys are small
    non-negative integers (at most the number of rows).
    """
    l_key, r_key = (codes + 1 for codes in shared_codes(left[0], right[0]))
    high = int(max(l_key.max(initial=0), r_key.max(initial=0)))
    for l_column, r_column in zip(left[1:], right[1:], strict=True):
        l_code, r_code = shared_codes(l_column, r_column)
        # shift by one so that a missing value (-1) is a code like any other; the keys
        # are renumbered (hashed) once at the end, or before they could overflow
        width = int(max(l_code.max(initial=-1), r_code.max(initial=-1))) + 2
        if (high + 1) * width >= _KEY_LIMIT:
            l_key, r_key = _renumbered(l_key, r_key)
            high = int(max(l_key.max(initial=0), r_key.max(initial=0)))
        l_key, r_key = l_key * width + l_code + 1, r_key * width + r_code + 1
        high = high * width + width - 1
    return _renumbered(l_key, r_key) if len(left) > 1 else (l_key, r_key)


#: combined keys stay below this (int64)
_KEY_LIMIT = 1 << 62


def combined_codes(codes: Sequence[npt.NDArray[np.integer]]) -> npt.NDArray[np.int64]:
    """One integer per row, equal where every one of the columns' ``codes`` is (codes as
    ``pd.factorize`` gives them: -1 for a missing value, which matches another)."""
    key = np.zeros(len(codes[0]) if len(codes) else 0, dtype=np.int64)
    for column_codes in codes:
        width = int(column_codes.max(initial=-1)) + 2  # one more for missing values (-1)
        if int(key.max(initial=0)) >= _KEY_LIMIT // width:
            key = pd.factorize(key)[0].astype(np.int64)  # renumber before it could overflow
        key = key * width + column_codes + 1
    return key


def _renumbered(
    l_key: npt.NDArray[np.int64], r_key: npt.NDArray[np.int64]
) -> tuple[npt.NDArray[np.int64], npt.NDArray[np.int64]]:
    """The keys numbered 0, 1, ... in order of first appearance (left, then right)."""
    codes, _ = pd.factorize(np.concatenate([l_key, r_key]))
    return codes[: len(l_key)].astype(np.int64), codes[len(l_key) :].astype(np.int64)


def expand_ranges(
    starts: npt.NDArray[np.intp], lengths: npt.NDArray[np.intp]
) -> tuple[npt.NDArray[np.intp], npt.NDArray[np.intp]]:
    """For ranges ``starts[i] .. starts[i] + lengths[i]``: (i, position) for every position."""
    owner = np.repeat(np.arange(len(starts)), lengths)
    within = np.arange(len(owner)) - np.repeat(np.cumsum(lengths) - lengths, lengths)
    return owner, np.repeat(starts, lengths) + within


def equi_join(
    l_key: npt.NDArray[np.int64], r_key: npt.NDArray[np.int64]
) -> tuple[npt.NDArray[np.intp], npt.NDArray[np.intp]]:
    """Every (left, right) position pair with equal keys, by left then right position.

    The order is that of an inner ``merge`` (left rows in order, each with its
    matches in right order).
    """
    order = np.argsort(r_key, kind="stable")
    low = int(min(l_key.min(initial=0), r_key.min(initial=0)))
    span = int(max(l_key.max(initial=0), r_key.max(initial=0))) - low + 1
    if span <= 4 * (len(l_key) + len(r_key)) + 16:
        # dense codes: where each key's run starts, by counting
        per_key = np.bincount(r_key - low, minlength=span)
        starts = np.cumsum(per_key) - per_key
        first, counts = starts[l_key - low], per_key[l_key - low]
    else:
        sorted_keys = r_key[order]
        first = np.searchsorted(sorted_keys, l_key, side="left")
        counts = np.searchsorted(sorted_keys, l_key, side="right") - first
    li, at = expand_ranges(first, counts)
    return li, order[at]


@dataclass(frozen=True)
class Origins:
    """:func:`~factlint.rules.base.origin` of a frame's rows as flat arrays.

    Row ``r``'s ids are ``ids[start[r] : start[r] + count[r]]``.
    """

    start: npt.NDArray[np.intp]
    count: npt.NDArray[np.intp]
    ids: npt.NDArray[np.object_]

    @classmethod
    def of(cls, frame: pd.DataFrame) -> Origins:
        """A stated row stands for itself; a derived row for the ids it was derived from
        (a few rows, so they are expanded in Python)."""
        ids = frame["id"].to_numpy(dtype=object)
        derived = frame["derived"].to_numpy(dtype=bool)
        count = np.ones(len(frame), dtype=np.intp)
        if not derived.any():
            return cls(np.arange(len(frame)), count, ids)
        sources = frame["derived_from"].to_numpy()
        count[derived] = [len(s) for s in sources[derived]]
        flat = np.repeat(ids, count)
        flat[np.repeat(derived, count)] = [i for s in sources[derived] for i in s]
        return cls(np.cumsum(count) - count, count, flat)

    def of_rows(
        self, rows: npt.NDArray[np.intp]
    ) -> tuple[npt.NDArray[np.intp], npt.NDArray[np.object_]]:
        """The ids of ``rows``, flat: (index into ``rows``, id)."""
        owner, at = expand_ranges(self.start[rows], self.count[rows])
        return owner, self.ids[at]


def ids_by_group(
    group: npt.NDArray[np.intp], ids: npt.NDArray[np.object_], n: int
) -> list[tuple[str, ...]]:
    """Per group 0..n-1, its ``ids`` in the given order, without repeats."""
    if not len(ids):
        return [()] * n
    codes, uniques = pd.factorize(ids)
    group = np.asarray(group, dtype=np.int64)
    first = ~pd.Index(group * max(len(uniques), 1) + codes).duplicated()
    group, ids = group[first], ids[first]
    order = np.argsort(group, kind="stable")
    listed = ids[order].tolist()
    ends = np.cumsum(np.bincount(group, minlength=n)).tolist()
    starts = [0, *ends[:-1]]
    return [tuple(listed[a:b]) for a, b in zip(starts, ends, strict=True)]


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


def marked(n: int, positions: npt.NDArray[np.intp]) -> npt.NDArray[np.bool_]:
    """Per position 0..n-1, whether it is among ``positions``."""
    mask = np.zeros(n, dtype=bool)
    mask[positions] = True
    return mask
