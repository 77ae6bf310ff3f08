"""What every rule kind shares: selectors, the rule context and the outcome table.

A rule kind is a pure function ``check(ctx, params) -> RuleResult``. It reads
facts through :meth:`RuleContext.select`, computes vectorised intervals and
returns one outcome row per check it evaluated (passing ones included, so
the engine can tell a culprit from its innocent partners) plus, optionally,
derived facts that later rules can read. Only the engine turns outcomes into
findings.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable, Iterable, Sequence
from dataclasses import dataclass
from functools import partial
from typing import Any, Literal

import numpy as np
import numpy.typing as npt
import pandas as pd
from pydantic import BaseModel, ConfigDict, Field

from factlint.findings import Severity
from factlint.interval import Comparison, Interval
from factlint.registry import Registries

StrList = str | list[str]


class Params(BaseModel):
    """Base of every kind's parameter model: unknown keys are errors."""

    model_config = ConfigDict(extra="forbid", frozen=True)


class Selector(Params):
    """Which facts a rule reads; every given field must match (lists mean any of)."""

    id: StrList | None = Field(None, description="fact id(s)")
    source: StrList | None = Field(None, description="source id(s)")
    subject: StrList | None = Field(None, description="entity id(s)")
    metric: StrList | None = Field(None, description="metric id(s)")
    period: StrList | None = Field(None, description="period(s) as written")
    unit: StrList | None = Field(None, description="unit id(s)")
    qualifier: StrList | None = Field(None, description="qualifier(s)")
    member_of: str | None = Field(
        None, description="subjects that are (transitively) members of this entity"
    )
    subject_kind: StrList | None = Field(
        None, description="subjects of these entity kinds (zone, zone_area, sub_area, country ...)"
    )
    derived: bool | None = Field(
        None, description="true: only derived values; false: only stated facts; omitted: both"
    )


class Settings(Params):
    approx_tolerance: float = Field(
        0.05, ge=0, le=1, description="relative widening of approximate figures (about, around)"
    )


@dataclass(frozen=True)
class RuleSpec:
    id: str
    kind: str
    severity: Severity
    description: str
    params: Any
    file: str
    line: int | None = None


OUTCOME_COLUMNS = (
    "facts",
    "status",
    "stated_lo",
    "stated_hi",
    "stated_lo_open",
    "stated_hi_open",
    "computed_lo",
    "computed_hi",
    "computed_lo_open",
    "computed_hi_open",
    "unit",
    "gap",
    "relative_gap",
    "message",
)

Status = Literal["ok", "discrepancy", "unverifiable", "undefined"]


def _as_list(value: StrList | None) -> list[str] | None:
    if value is None:
        return None
    return [value] if isinstance(value, str) else list(value)


#: selector columns matched through integer codes; ids are (nearly) all distinct, so coding
#: them would cost a hash table as large as the fact base for nothing
_CODED_COLUMNS = ("source", "subject", "metric", "period", "unit", "qualifier")

#: the selections a table keeps hold at most this share of its rows (memory)
_KEPT_ROWS = 0.5

#: the columns rule kinds read: all but the quote and where a fact was written (source,
#: note, file and line), which only findings and reports name. Taking a selection's rows
#: costs per column, the quotes' long strings most: a kind selects these
#: (``select(selector, columns=KIND_COLUMNS)``), or fewer.
KIND_COLUMNS = (
    "id",
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


class FactTable:
    """The normalised table of a run as the rules read it, and what their selections share.

    A run selects from a table of up to a million facts dozens of times; hashing a
    column's strings for every selector costs more than the rest of a selection. Each
    selector column is factorised once, on first use, and a selector's values become a
    boolean lookup over the codes. Entity sets (``member_of``, ``subject_kind``) are
    computed once per run too.

    Rows that rules derive are appended as parts. Joining them to the table copies
    every column of every row, so the whole table is joined only when a rule asks for
    it (:attr:`frame`); selections take their rows from the parts.

    Rules select the same facts more than once (a metric's figures as parts, then as
    wholes); taking a few hundred thousand rows of two dozen columns costs more than
    finding them, so the latest selections are kept until rows are appended.
    """

    def __init__(self, frame: pd.DataFrame, registries: Registries) -> None:
        self.registries = registries
        self._parts: list[pd.DataFrame] = [frame]
        self._joined = frame
        """The first ``_joined_parts`` parts as one frame."""
        self._joined_parts = 1
        self._uniform = True
        """Every part has the first part's columns and dtypes."""
        self._codes: dict[str, tuple[npt.NDArray[np.intp], int]] = {}
        """Per column: the codes of its rows, and how many parts they cover."""
        self._lookup: dict[str, dict[Any, int]] = {}
        self._entity_sets: dict[tuple[str, tuple[str, ...]], set[str]] = {}
        self._entity_codes: dict[tuple[str, tuple[str, ...]], npt.NDArray[np.bool_]] = {}
        self._values: dict[str, list[Any]] = {}
        """Per column, its distinct values in the order of their codes."""
        self._dtypes: pd.Series | None = None
        """The columns and dtypes of the joined table, once known for the current parts."""
        self._selections: dict[Hashable, pd.DataFrame] = {}
        """Recent selections from the current parts, by key (:meth:`selection`)."""
        self._selected_rows = 0

    @property
    def frame(self) -> pd.DataFrame:
        """The whole table: the parts concatenated (joined once, on first use)."""
        if self._joined_parts < len(self._parts):
            pending = self._parts[self._joined_parts :]
            self._joined = pd.concat([self._joined, *pending], ignore_index=True)
            self._joined_parts = len(self._parts)
        return self._joined

    def append(self, rows: pd.DataFrame) -> None:
        """Add derived ``rows`` at the end of the table."""
        first = self._parts[0]
        self._uniform = self._uniform and list(rows.dtypes.items()) == list(first.dtypes.items())
        self._parts.append(rows)
        self._dtypes = None
        self._selections.clear()
        self._selected_rows = 0

    def __len__(self) -> int:
        return sum(len(part) for part in self._parts)

    def rows(
        self, mask: npt.NDArray[np.bool_], columns: Sequence[str] | None = None
    ) -> pd.DataFrame:
        """The rows of the whole table where ``mask`` holds (as ``frame[mask]``).

        ``columns``: only these columns (as ``frame[columns][mask]``), which spares taking
        the others.
        """
        if self._joined_parts == len(self._parts):
            whole = self._joined if columns is None else self._joined[list(columns)]
            return whole[mask]
        # the table is not joined: take the rows from each segment, labelled as in the
        # whole table (numbered from 0, as a concatenation that ignores the parts'
        # indexes numbers it)
        segments = self._segments()
        ends = np.cumsum([len(segment) for segment in segments]).tolist()
        taken = [
            np.flatnonzero(mask[end - len(segment) : end])
            for segment, end in zip(segments, ends, strict=True)
        ]
        labels = pd.RangeIndex(ends[-1])[mask]
        used = [k for k, at in enumerate(taken) if len(at)]
        if len(used) <= 1:
            # most selections take the rows of one segment: no concatenation when that
            # segment has the columns and dtypes of the whole table
            k = used[0] if used else 0
            if segments[k].dtypes.equals(self._joined_dtypes()):
                return _columns(segments[k], columns).take(taken[k]).set_axis(labels)
        # every segment is kept (empty or not) when the parts' dtypes differ, so that the
        # result has the dtypes of the whole table
        pieces = [
            _columns(segment, columns, strict=False).take(at)
            for segment, at in zip(segments, taken, strict=True)
            if len(at) or not self._uniform
        ]
        if not pieces:
            pieces.append(_columns(self._joined, columns).iloc[:0])
        joined = pieces[0] if len(pieces) == 1 else pd.concat(pieces)
        if columns is not None:
            joined = joined[list(columns)]  # columns a part lacks come back (all missing)
        return joined.set_axis(labels)

    def column(self, name: str) -> npt.NDArray[Any]:
        """One column of the whole table, as ``frame[name].to_numpy()`` (object for text),
        without joining the other columns.

        A part without the column gives missing values, as the concatenation would.
        """
        pieces = [_values(segment, name) for segment in self._segments()]
        if all(piece.dtype.kind in "fbiuM" for piece in pieces):
            return np.concatenate(pieces) if len(pieces) > 1 else pieces[0]
        return np.concatenate([piece.astype(object, copy=False) for piece in pieces])

    def take(
        self, positions: npt.NDArray[np.intp], columns: Sequence[str] | None = None
    ) -> pd.DataFrame:
        """``frame[columns].iloc[positions]`` (indexed 0..n-1; all columns for None), taken
        from the parts, so that a rule that reads some rows never joins the whole table."""
        segments = self._segments()
        if columns is None:
            columns = list(dict.fromkeys(c for segment in segments for c in segment.columns))
        ends = np.cumsum([len(segment) for segment in segments])
        segment_of = np.searchsorted(ends, positions, side="right")
        starts = np.r_[0, ends[:-1]]
        pieces, order = [], []
        for k in np.unique(segment_of).tolist():
            at = np.flatnonzero(segment_of == k)
            local = positions[at] - starts[k]
            pieces.append(
                pd.DataFrame({c: _values(segments[k], c)[local] for c in columns})
            )
            order.append(at)
        if len(pieces) <= 1:  # in order already
            return pieces[0] if pieces else pd.DataFrame({c: self.column(c)[:0] for c in columns})
        taken = pd.concat(pieces, ignore_index=True)
        # back to the order of ``positions``
        return taken.take(np.argsort(np.concatenate(order), kind="stable")).reset_index(drop=True)

    def derived_rows(self, ids: Iterable[str]) -> pd.DataFrame:
        """The rows rules derived whose id is one of ``ids``, in table order (all columns)."""
        derived = np.flatnonzero(np.asarray(self.column("derived"), dtype=bool))
        named = derived[pd.Series(self.column("id")[derived]).isin(set(ids)).to_numpy()]
        return self.take(named)

    def _segments(self) -> list[pd.DataFrame]:
        """The joined parts and the parts appended since, whose concatenation is the table."""
        return [self._joined, *self._parts[self._joined_parts :]]

    def _joined_dtypes(self) -> pd.Series:
        """The dtypes :attr:`frame` will have: a row of each segment concatenated.

        A concatenation's dtypes follow from its pieces' dtypes (and which of them are
        empty), not from their values, so one row of each tells them.
        """
        if self._dtypes is None:
            pending = self._parts[self._joined_parts :]
            heads = [self._joined.iloc[:1], *(part.iloc[:1] for part in pending)]
            self._dtypes = pd.concat(heads, ignore_index=True).dtypes
        return self._dtypes

    def selection(
        self, key: Hashable, select: Callable[[], pd.DataFrame]
    ) -> pd.DataFrame:
        """``select()``, or the frame it returned for ``key`` since rows were last appended.

        Each caller gets its own shallow copy: with copy-on-write, changing it (even in
        place) changes neither the kept frame nor other callers' copies.
        """
        if not _copy_on_write():  # pandas 2 without it: a copy would share writes
            return select()
        found = self._selections.get(key)
        if found is None:
            found = select()
            if len(found) <= _KEPT_ROWS * len(self) - self._selected_rows:
                self._selections[key] = found
                self._selected_rows += len(found)
        return found.copy(deep=False)

    def test(
        self, column: str, test: Callable[[pd.Series], pd.Series]
    ) -> npt.NDArray[np.bool_]:
        """Per row of the whole table, ``test`` of its ``column`` (a boolean Series)."""
        if self._joined_parts == len(self._parts):
            whole: npt.NDArray[np.bool_] = test(self._joined[column]).to_numpy(dtype=bool)
            return whole
        masks = []
        for segment in self._segments():
            # a column a part lacks is NaN in the joined table
            values = (
                segment[column] if column in segment.columns
                else pd.Series(_values(segment, column))
            )
            masks.append(test(values).to_numpy(dtype=bool))
        return np.concatenate(masks)

    def isin(self, column: str, values: Iterable[Any]) -> npt.NDArray[np.bool_]:
        """Per row, whether ``column`` holds one of ``values`` (as ``Series.isin``)."""
        codes, lookup = self._column(column)
        # one slot per distinct value, plus a last one for missing values (code -1)
        wanted = np.zeros(len(lookup) + 1, dtype=bool)
        for value in values:
            code = lookup.get(value)
            if code is not None:
                wanted[code] = True
        mask: npt.NDArray[np.bool_] = wanted[codes]
        return mask

    def codes(self, column: str) -> npt.NDArray[np.intp]:
        """Per row, a code for ``column``'s value: equal values, equal codes; -1 for missing."""
        return self._column(column)[0]

    def of_entities(self, how: str, names: tuple[str, ...]) -> npt.NDArray[np.bool_]:
        """Per row, whether the subject is in an entity set.

        ``how="member_of"``: (transitive) members of ``names[0]``; ``"subject_kind"``:
        entities of one of the kinds ``names``.
        """
        key = (how, names)
        found = self._entity_sets.get(key)
        if found is None:
            found = self._entity_sets[key] = _entity_set(self.registries, how, names)
        codes, _ = self._column("subject")
        # an entity set may hold thousands of ids: which subject codes it holds is kept,
        # and only subjects first seen in rows appended since are looked up
        subjects = self._values["subject"]
        wanted = self._entity_codes.get(key, np.zeros(0, dtype=bool))
        if len(wanted) < len(subjects):
            new = subjects[len(wanted) :]
            seen = np.fromiter(map(found.__contains__, new), dtype=bool, count=len(new))
            wanted = self._entity_codes[key] = np.concatenate([wanted, seen])
        mask: npt.NDArray[np.bool_] = np.append(wanted, False)[codes]  # -1: no subject
        return mask

    def _column(self, column: str) -> tuple[npt.NDArray[np.intp], dict[Any, int]]:
        codes, coded_parts = self._codes.get(column, (np.zeros(0, dtype=np.intp), 0))
        lookup = self._lookup.setdefault(column, {})
        values = self._values.setdefault(column, [])
        if coded_parts < len(self._parts):
            pieces = [codes]
            for frame in self._parts[coded_parts:]:
                if column not in frame.columns:  # a column the concatenation fills with NaN
                    pieces.append(np.full(len(frame), -1, dtype=np.intp))
                    continue
                # an object array hashes faster than pandas' string array (same codes)
                values_of = frame[column].to_numpy(dtype=object)
                local, uniques = pd.factorize(values_of, use_na_sentinel=True)
                distinct = uniques.tolist()
                if not values:
                    # the first values coded (most of them): their codes are the shared ones
                    lookup.update(zip(distinct, range(len(distinct)), strict=True))
                    if len(lookup) == len(distinct):
                        values.extend(distinct)
                        pieces.append(np.asarray(local, dtype=np.intp))
                        continue
                    lookup.clear()
                # local codes -> codes shared by all parts; the -1 appended keeps missing -1
                shared: list[int] = []
                for value in distinct:
                    code = lookup.get(value)
                    if code is None:
                        code = lookup[value] = len(values)
                        values.append(value)
                    shared.append(code)
                pieces.append(np.array([*shared, -1], dtype=np.intp)[local])
            codes = np.concatenate(pieces)
            self._codes[column] = (codes, len(self._parts))
        return codes, lookup


def _copy_on_write() -> bool:
    """Whether pandas copies shared data before writing to it (always, from pandas 3)."""
    return int(pd.__version__.split(".")[0]) >= 3 or pd.get_option("mode.copy_on_write") is True


def _values(frame: pd.DataFrame, column: str) -> npt.NDArray[Any]:
    """``frame[column].to_numpy()``; missing values (NaN) where the frame lacks the column."""
    if column in frame.columns:
        values: npt.NDArray[Any] = frame[column].to_numpy()
        return values
    return np.full(len(frame), np.nan, dtype=object)


def _columns(
    frame: pd.DataFrame, columns: Sequence[str] | None, *, strict: bool = True
) -> pd.DataFrame:
    """``frame[columns]`` (all of them for None; ``strict=False``: those it has)."""
    if columns is None:
        return frame
    return frame[[c for c in columns if strict or c in frame.columns]]


def _equals(column: pd.Series, value: Any) -> pd.Series:
    """Per row, whether ``column`` holds ``value`` (as ``isin([value])``: missing is False)."""
    return pd.Series(column.to_numpy(dtype=object) == value, index=column.index)


def _selection_key(selector: Selector) -> Hashable:
    """The selector's fields as a hashable key (a string or a list as a tuple: ``"a"``
    selects what ``["a"]`` selects)."""
    return tuple(
        (name, (value,) if isinstance(value, str) else _hashable(value))
        for name, value in selector.model_dump().items()
    )


def _hashable(value: Any) -> Hashable:
    return tuple(value) if isinstance(value, list) else value


def _entity_set(registries: Registries, how: str, names: tuple[str, ...]) -> set[str]:
    if how == "member_of":
        return set(registries.descendants(names[0]))
    return {e.id for e in registries.entities.values() if e.kind in names}


class RuleContext:
    """What a rule kind reads: the normalised table, the registries, settings, its rule."""

    def __init__(
        self,
        facts: pd.DataFrame | None = None,
        *,
        registries: Registries,
        settings: Settings,
        rule: RuleSpec,
        derived_counter: list[int] | None = None,
        table: FactTable | None = None,
    ) -> None:
        if table is None:
            if facts is None:
                raise TypeError("RuleContext needs `facts` or the run's `table`")
            table = FactTable(facts, registries)
        self.table = table
        """The table (and its selection codes) shared by the rules of a run."""
        self.registries = registries
        self.settings = settings
        self.rule = rule
        self.derived_counter = [0] if derived_counter is None else derived_counter

    @property
    def facts(self) -> pd.DataFrame:
        """The whole normalised table, derived values of earlier rules included."""
        return self.table.frame

    @facts.setter
    def facts(self, frame: pd.DataFrame) -> None:
        self.table = FactTable(frame, self.registries)

    def select(
        self, selector: Selector | None, *, columns: Sequence[str] | None = None
    ) -> pd.DataFrame:
        """Rows of the normalised table that match the selector.

        ``columns``: only these columns of them (for a rule that reads a few; it spares
        taking the others).
        """
        if selector is None:
            return self.facts if columns is None else self.facts[list(columns)]
        table = self.table
        key = (_selection_key(selector), None if columns is None else tuple(columns))
        return table.selection(key, lambda: table.rows(self._mask(selector), columns))

    def _mask(self, selector: Selector) -> npt.NDArray[np.bool_]:
        table = self.table
        mask = np.ones(len(table), dtype=bool)
        for column in ("id", "source", "subject", "metric", "period", "unit", "qualifier"):
            values = _as_list(getattr(selector, column))
            if values is None:
                continue
            if column in _CODED_COLUMNS:
                mask &= table.isin(column, values)
            elif len(values) == 1:  # one id: comparing is cheaper than hashing every id
                mask &= table.test(column, partial(_equals, value=values[0]))
            else:
                mask &= table.test(column, partial(pd.Series.isin, values=values))
        if selector.member_of is not None:
            mask &= table.of_entities("member_of", (selector.member_of,))
        kinds = _as_list(selector.subject_kind)
        if kinds is not None:
            mask &= table.of_entities("subject_kind", tuple(kinds))
        if selector.derived is not None:
            mask &= table.test("derived", partial(pd.Series.eq, other=selector.derived))
        return mask

    def factor(self, unit: str) -> float:
        return self.registries.units[unit].factor


@dataclass(frozen=True)
class RuleResult:
    outcomes: pd.DataFrame
    derived: pd.DataFrame | None = None


def empty_outcomes() -> pd.DataFrame:
    return pd.DataFrame({c: pd.Series(dtype=object) for c in OUTCOME_COLUMNS})


_STATUSES = np.array(["ok", "discrepancy", "undefined"], dtype=object)


def outcomes(
    *,
    facts: Sequence[tuple[str, ...]],
    stated: Interval,
    computed: Interval,
    unit: Sequence[str] | str,
    comparison: Comparison,
    messages: Sequence[str] | None = None,
) -> pd.DataFrame:
    """Build the outcome table of a vectorised comparison ``stated`` vs ``computed``.

    Intervals are given in the display ``unit``; the status follows the comparison
    (undefined operands give ``undefined``).
    """
    n = len(facts)
    # picked from three string objects: a numpy string array would become a new Python
    # string per row in the frame (an empty one keeps the string dtype, though)
    status = (
        _STATUSES[np.where(comparison.undefined, 2, np.where(comparison.consistent, 0, 1))]
        if n
        else np.array([], dtype=str)
    )
    frame = pd.DataFrame(
        {
            "facts": pd.Series(list(facts), dtype=object),
            "status": status,
            "stated_lo": stated.lo,
            "stated_hi": stated.hi,
            "stated_lo_open": stated.lo_open,
            "stated_hi_open": stated.hi_open,
            "computed_lo": computed.lo,
            "computed_hi": computed.hi,
            "computed_lo_open": computed.lo_open,
            "computed_hi_open": computed.hi_open,
            "unit": _text_column(unit) if not isinstance(unit, str) else _repeated(unit, n),
            "gap": comparison.gap,
            "relative_gap": comparison.relative_gap,
            "message": _text_column(messages) if messages is not None else _repeated("", n),
        }
    )
    return frame


def unverifiable(facts: Sequence[tuple[str, ...]], messages: Sequence[str]) -> pd.DataFrame:
    """Outcome rows for checks that could not be closed for lack of data."""
    n = len(facts)
    nan = np.full(n, np.nan)
    no = np.zeros(n, dtype=bool)
    return pd.DataFrame(
        {
            "facts": pd.Series(list(facts), dtype=object),
            "status": ["unverifiable"] * n,
            "stated_lo": nan,
            "stated_hi": nan,
            "stated_lo_open": no,
            "stated_hi_open": no,
            "computed_lo": nan,
            "computed_hi": nan,
            "computed_lo_open": no,
            "computed_hi_open": no,
            "unit": [""] * n,
            "gap": nan,
            "relative_gap": nan,
            "message": list(messages),
        }
    )


def derived_facts(
    ctx: RuleContext,
    *,
    subject: Sequence[str],
    metric: Sequence[str],
    period: Sequence[str],
    start: Any,
    end: Any,
    unit: Sequence[str],
    interval: Interval,
    derived_from: Sequence[tuple[str, ...]],
    explanation: Sequence[str],
) -> pd.DataFrame:
    """Rows for values a rule derived (in ``unit``), shaped like the normalised table.

    Their ids are ``<rule id>#<n>``; their ``quote`` explains the derivation and
    ``derived_from`` names the stated facts behind them, so a finding on a derived
    value still points at real rows.
    """
    n = len(subject)
    first = ctx.derived_counter[0]
    ctx.derived_counter[0] += n
    units = list(unit)
    # each distinct unit is looked up once, and the rows' values are gathered in C
    factor_of = {u: ctx.factor(u) for u in dict.fromkeys(units)}
    dimension_of = {u: ctx.registries.units[u].dimension for u in factor_of}
    factors = np.array(list(map(factor_of.__getitem__, units)), dtype=float) if n else np.zeros(0)
    dims = list(map(dimension_of.__getitem__, units))
    ids = map(f"{ctx.rule.id}#".__add__, map(str, range(first + 1, first + n + 1)))
    return pd.DataFrame(
        {
            "id": _text_column(list(ids)),
            "source": _repeated("derived", n),
            "quote": _text_column(explanation),
            "subject": list(subject),
            "metric": list(metric),
            "period": list(period),
            "value": _repeated("", n),
            "unit": units,
            "qualifier": _repeated("derived", n),
            "_file": _repeated(ctx.rule.file, n),
            "_line": _repeated(ctx.rule.line or 0, n),
            "dimension": _text_column(dims),
            "factor": factors,
            "lo": interval.lo,
            "hi": interval.hi,
            "lo_open": interval.lo_open,
            "hi_open": interval.hi_open,
            "base_lo": interval.lo * factors,
            "base_hi": interval.hi * factors,
            "start": pd.to_datetime(pd.Series(start)).to_numpy() if n else np.array([], "M8[ns]"),
            "end": pd.to_datetime(pd.Series(end)).to_numpy() if n else np.array([], "M8[ns]"),
            "derived": _repeated(True, n),
            "derived_from": pd.Series(list(derived_from), dtype=object),
        }
    )


# pandas copies a column given as a list and converts it value by value before it types
# it; the columns derived_facts fills itself are given as arrays, which it types the same
# in one pass (86,611 implied wholes: 0.06 -> 0.045 s). An empty list makes a float column.


def _text_column(strings: Sequence[str]) -> npt.NDArray[Any]:
    """``list(strings)`` as a column (empty: a float column, as from an empty list)."""
    return np.array(list(strings), dtype=object) if len(strings) else np.zeros(0)


def _repeated(value: str | int | bool, n: int) -> npt.NDArray[Any]:
    """``[value] * n`` as a column (empty: a float column, as from an empty list)."""
    if not n:
        return np.zeros(0)
    if not isinstance(value, str):
        return np.full(n, value)
    # np.full would make a new string per row
    column = np.empty(n, dtype=object)
    column.fill(value)
    return column


#: rows handled at a time where the ids of each row are read in several passes: the
#: id strings of a selection lie all over memory, and a chunk's stay in the CPU cache
#: between passes (two to three times faster than whole columns at a time)
CHUNK_ROWS = 2048


def origin(frame: pd.DataFrame) -> list[tuple[str, ...]]:
    """For each row, the stated facts behind it: itself, or what it was derived from."""
    # zip builds the one-id tuples of stated facts in C; derived rows are few
    ids = frame["id"].to_numpy(dtype=object)
    found: list[tuple[str, ...]] = []
    for start in range(0, len(ids), CHUNK_ROWS):
        found += zip(ids[start : start + CHUNK_ROWS].tolist())
    sources = frame["derived_from"].to_numpy()
    for k in np.flatnonzero(frame["derived"].to_numpy(dtype=bool)).tolist():
        found[k] = tuple(sources[k])
    return found


def in_unit(iv: Interval, factors: Any) -> Interval:
    """Convert base-unit intervals to a display unit (divide by the unit's factor)."""
    return iv.scale(1.0 / np.asarray(factors, dtype=float))
