"""Registered members of entities, and whether each existed at a date (FL106 members).

Shared by the two modes of the ``members`` kind: both pair every target entity
with its registered members, and both need, per (member, date) pair, whether the
member was surely set up by then, possibly, or not yet (approved only later).
The pairs of a rule run into the hundreds of thousands (every zone at every
year end), so they are kept as integer arrays and joined on codes.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np
import numpy.typing as npt
import pandas as pd

from factlint.interval import Interval, format_interval
from factlint.normalise import base_interval
from factlint.rules.base import KIND_COLUMNS, RuleContext, Selector
from factlint.rules.frames import Coded, Origins, equi_join, expand_ranges
from factlint.rules.wording import QUALIFIER_WORDS

if TYPE_CHECKING:
    from factlint.rules.members import MembersParams

Ids = tuple[str, ...]
#: whether a member existed at a date (small integers: one per (target, member) pair)
SURELY, POSSIBLY, EXCLUDED = 0, 1, 2
#: members named in a message before "and N more"
SHOWN_MEMBERS = 8


#: a column that keeps each selected row's place in the whole table
PLACE = "_place"


def usable(
    frame: pd.DataFrame, also: npt.NDArray[np.bool_] | None = None, *, placed: bool = False
) -> pd.DataFrame:
    """The rows with a defined value and period end (and ``also``), numbered from 0.

    ``placed``: each row keeps its place in the whole table (the label a selection
    gives it) in column :data:`PLACE`; -1 where the labels cannot tell rows apart.
    """
    iv = base_interval(frame)
    keep = ~iv.undefined & frame["end"].notna().to_numpy()
    if also is not None:
        keep &= also
    if placed:
        frame = frame.assign(**{PLACE: _places(frame.index)})
    return frame[keep].reset_index(drop=True)


def _places(labels: pd.Index) -> npt.NDArray[np.int64]:
    """A selection's labels as places in the table, if they are distinct integers (a
    selection's are, in increasing order); else -1 for every row."""
    values = labels.to_numpy()
    distinct = values.dtype.kind in "iu" and (
        bool(np.all(values[1:] > values[:-1])) or labels.is_unique
    )
    places: npt.NDArray[np.int64] = (
        values.astype(np.int64) if distinct else np.full(len(values), -1, dtype=np.int64)
    )
    return places


def of_metrics(ctx: RuleContext, metrics: Iterable[str]) -> pd.DataFrame:
    """The facts of some metrics (through the rule context, which may have them indexed)."""
    return ctx.select(Selector.model_validate({"metric": list(metrics)}), columns=KIND_COLUMNS)


def day_numbers(ends: pd.Series) -> npt.NDArray[np.float64]:
    """Day numbers (days since 1970-01-01) of period ends, as the date unit stores them."""
    days = ends.to_numpy(dtype="datetime64[ns]").astype("datetime64[D]").astype(np.int64)
    return np.asarray(days, dtype=np.float64)


def member_pairs(
    ctx: RuleContext, params: MembersParams, entities: pd.Series
) -> tuple[npt.NDArray[np.intp], Coded]:
    """(row of ``entities``, member) for every registered member, by row then member.

    Members are the entity's (transitive) members of the member kinds, in id order.
    """
    codes, names = pd.factorize(entities)
    owner, flat = ctx.registries.member_table(
        names.tolist(), kinds=params.member_kinds, transitive=params.transitive
    )
    lengths = np.bincount(owner, minlength=len(names)).astype(np.intp)
    starts = np.cumsum(lengths) - lengths
    # a missing entity (code -1) has no members: it takes the slot appended last
    lengths, starts = np.append(lengths, 0), np.append(starts, 0)
    key, at = expand_ranges(starts[codes], lengths[codes])
    return key, Coded.of(flat).take(at)


@dataclass(frozen=True)
class Existence:
    """Whether each (member, day) pair existed, and the event facts ("hits") that say so."""

    state: npt.NDArray[np.int8]
    #: per hit: the pair it dates, the event row, and whether it makes the member
    #: surely exist or excludes it (an approval after the day)
    pair: npt.NDArray[np.intp]
    event: npt.NDArray[np.intp]
    sure: npt.NDArray[np.bool_]
    excluded: npt.NDArray[np.bool_]
    #: the stated facts behind each event
    origins: Origins

    def evidence(
        self, hits: npt.NDArray[np.bool_], group: npt.NDArray[np.intp]
    ) -> tuple[npt.NDArray[np.intp], npt.NDArray[np.object_]]:
        """The facts behind ``hits``, flat: (group of the pair a hit dates, id), in hit order.

        An event that dates several pairs of a group (a batch's approval, every member
        of the batch) is listed for the group once: its facts are named once anyway.
        """
        chosen = np.flatnonzero(hits)
        owner = np.asarray(group, dtype=np.int64)[self.pair[chosen]]
        repeated = pd.Index(owner * (len(self.origins.start) + 1) + self.event[chosen]).duplicated()
        chosen = chosen[~repeated]
        at, ids = self.origins.of_rows(self.event[chosen])
        return group[self.pair[chosen[at]]], ids


def existence(
    ctx: RuleContext, params: MembersParams, member: Coded, day: npt.NDArray[np.float64]
) -> Existence:
    """State of each (member, day) pair: surely, possibly or excluded, with the evidence."""
    n = len(member.codes)
    state = np.full(n, SURELY, dtype=np.int8)
    none = np.zeros(0, dtype=np.intp)
    if not params.established_by or not n:
        no = np.zeros(0, dtype=bool)
        origins = Origins(none, none, np.zeros(0, dtype=object))
        return Existence(state, none, none, no, no, origins)
    events = _events(ctx, params)
    carrier_member, carrier = _carriers(ctx, params, member.names, events["subject"])
    # the events of each distinct member (through its carriers), then of each pair
    by, event = equi_join(*carrier.codes_against(events["subject"]))
    pair, hit = equi_join(member.codes, carrier_member[by])
    event = event[hit]
    when = day[pair]
    lo, hi = events["lo"].to_numpy(dtype=float)[event], events["hi"].to_numpy(dtype=float)[event]
    lo_open = events["lo_open"].to_numpy(dtype=bool)[event]
    sure = hi <= when
    later = (lo > when) | ((lo == when) & lo_open)
    excluded = ~sure & events["approval"].to_numpy(dtype=bool)[event] & later
    any_sure = np.bincount(pair[sure], minlength=n) > 0
    any_excluded = np.bincount(pair[excluded], minlength=n) > 0
    state = np.where(any_sure, SURELY, np.where(any_excluded, EXCLUDED, POSSIBLY))
    state = state.astype(np.int8)
    return Existence(state, pair, event, sure, excluded, Origins.of(events))


def _carriers(
    ctx: RuleContext,
    params: MembersParams,
    members: npt.NDArray[np.object_],
    subjects: pd.Series,
) -> tuple[npt.NDArray[np.intp], Coded]:
    """Whose events date a member: itself and the batches it names directly in member_of.

    Returns (position in ``members``, carrier) rows, by member, its batches in the order
    it names them. Only batches with an event (of ``subjects``) are listed: the others
    date nothing, and finding them would look up every member's groups.
    """
    reg = ctx.registries
    batch = set(params.batch_kinds)
    position = {member: k for k, member in enumerate(members.tolist())}
    rows: list[int] = []
    carriers: list[str] = []
    for group in pd.unique(subjects.dropna()).tolist():
        entity = reg.entities.get(group)
        if entity is None or entity.kind not in batch:
            continue
        for name in reg.members(group):
            k = position.get(name)
            if k is not None:
                rows.append(k)
                carriers.append(group)
    own = np.arange(len(members), dtype=np.intp)
    member = np.concatenate([own, np.asarray(rows, dtype=np.intp)])
    named = np.concatenate([members, np.asarray(carriers, dtype=object)])
    # each member first, then its batches; a member of several batches lists them in
    # its member_of order
    rank = np.zeros(len(member), dtype=np.intp)
    rank[len(own) :] = 1
    several = np.flatnonzero(np.bincount(member, minlength=len(members)) > 2)
    for k in several.tolist():
        named_by = reg.entities[str(members[k])].member_of
        for at in np.flatnonzero(member == k)[1:].tolist():
            rank[at] = 1 + named_by.index(named[at])
    order = np.lexsort((rank, member))
    return member[order], Coded.of(named[order])


def _events(ctx: RuleContext, params: MembersParams) -> pd.DataFrame:
    events = of_metrics(ctx, params.established_by)
    events = usable(events[events["dimension"] == "date"])
    approval = params.approval_metric if params.approval_metric in params.established_by else None
    approves = (events["metric"] == approval).to_numpy(dtype=bool)
    columns = ["id", "subject", "lo", "hi", "lo_open", "derived", "derived_from"]
    return events[columns].assign(approval=approves)


# -- wording ----------------------------------------------------------------------------


def kind_noun(kinds: Sequence[str], one: bool = False) -> str:
    return " and ".join(k.replace("_", " ") + ("" if one else "s") for k in kinds)


def when_text(row: pd.Series) -> str:
    single_day = row["start"] == row["end"]
    return f"{'on' if single_day else 'for'} {row['period']}"


def interval_words(iv: Interval, k: int, unit: str) -> str:
    lo, hi, lo_open, hi_open = iv[k]
    return format_interval(lo, hi, lo_open, hi_open, "" if unit == "count" else unit)


def written_value(row: pd.Series) -> str:
    """A stated fact's value as written ("more than 119 km2"); a derived value's interval.

    One row of :func:`stated_texts`, worded without building a frame for it.
    """
    unit, value = str(row["unit"]), str(row["value"])
    if not bool(row["derived"]) and value.strip() != "":
        suffix = "%" if unit == "percent" else "" if unit in ("count", "date") else " " + unit
        return QUALIFIER_WORDS.get(str(row["qualifier"]), "") + value + suffix
    iv = Interval(row["lo"], row["hi"], row["lo_open"], row["hi_open"])
    return interval_words(iv, 0, unit)


def stated_texts(frame: pd.DataFrame) -> pd.Series:
    """Each stated fact's value as written ("43 km2", "more than 119 km2"); "" for derived rows."""
    unit = frame["unit"].astype(str)
    bare = unit.isin(["count", "date"])
    suffix = np.where(unit == "percent", "%", np.where(bare, "", " " + unit))
    words = frame["qualifier"].astype(str).map(QUALIFIER_WORDS).fillna("")
    text = words + frame["value"].astype(str) + suffix
    written = ~frame["derived"].astype(bool) & (frame["value"].astype(str).str.strip() != "")
    return text.where(written, "")


def ids_text(ids: Sequence[str]) -> str:
    shown = ", ".join(f"`{i}`" for i in ids[:SHOWN_MEMBERS])
    more = len(ids) - SHOWN_MEMBERS
    return f"{shown} and {more} more" if more > 0 else shown
