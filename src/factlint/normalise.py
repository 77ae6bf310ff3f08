"""The normalised fact table: every valid fact as an interval in base units, with its period.

Rules never reparse text: they read these columns.

| column | meaning |
|---|---|
| lo, hi, lo_open, hi_open | the written interval in the fact's own unit |
| factor | the unit's factor to the dimension's base unit |
| base_lo, base_hi | the interval in base units (lo * factor, hi * factor) |
| dimension | the unit's dimension |
| start, end | the period's first and last day (datetime64) |
| derived | False for stated facts, True for values derived by rules |
| derived_from | for derived rows, the ids of the stated facts behind them |
"""

from __future__ import annotations

import json
import sys
from collections.abc import Mapping
from pathlib import Path
from typing import NamedTuple

import numpy as np
import pandas as pd

from factlint import interval, period, registry, value_text
from factlint.cache import array_text, generation, place_entry, text_array
from factlint.cache import current as current_cache
from factlint.interval import Interval, written
from factlint.period import period_bounds
from factlint.project import file_runs, vocabularies_digest
from factlint.registry import Registries

INTERVAL_COLUMNS = ("lo", "hi", "lo_open", "hi_open")
#: what a row's written value and period give, by dtype: a run takes them from the cache
#: for the fact tables that are those of the run that stored them, with the same registries
READINGS = {
    "lo": np.dtype(np.float64), "hi": np.dtype(np.float64),
    "lo_open": np.dtype(np.bool_), "hi_open": np.dtype(np.bool_),
    "start": np.dtype("datetime64[ns]"), "end": np.dtype("datetime64[ns]"),
}


def normalise_facts(
    facts: pd.DataFrame,
    registries: Registries,
    *,
    approx_tolerance: float = 0.05,
    project: tuple[Path, Mapping[str, str]] | None = None,
) -> pd.DataFrame:
    """Add interval, unit and period columns to valid fact rows (input is not modified).

    ``project`` (its root, and the SHA-256 of each input by project path, as in
    ``Project.inputs``) says that ``facts`` are every fact row of those files: the
    run's cache (:mod:`factlint.cache`) then keeps what the values and periods read
    as, table by table, and a run with the same registries reads again only the rows
    of the tables changed since (none on a re-run).
    """
    # copy-on-write: new columns go to the copy only, and the input's are not duplicated
    out = facts.copy(deep=False)
    # a fact base names few units: each distinct unit is looked up once, then gathered
    unit_codes, units = pd.factorize(out["unit"], use_na_sentinel=False)
    per_unit = pd.Series(units)
    unit_dim = {k: u.dimension for k, u in registries.units.items()}
    unit_factor = {k: u.factor for k, u in registries.units.items()}
    dimension = per_unit.map(unit_dim).fillna("")
    factor = per_unit.map(unit_factor).astype(float).fillna(np.nan).to_numpy()
    out["dimension"] = dimension.take(unit_codes).set_axis(out.index)
    out["factor"] = factor[unit_codes]
    store = current_cache() if project is not None else None
    layout = _layout(out, project[1]) if store and project else None
    # (entry, pattern of the project's entries, key): worked out only for rows to keep
    place = _entry(*project, approx_tolerance) if store and project and layout else None
    kept = None
    if store and place and layout:
        kept = _kept_readings(store.read_arrays(place[0], key=place[2]), layout)
    readings = _readings_of_every_row(
        out, kept, registries, unit_codes, dimension, factor, approx_tolerance
    )
    if store and place and layout and (kept is None or not kept.as_stored):
        store.write_arrays(place[0], {**readings, _LAYOUT: text_array(json.dumps(layout))},
                           key=place[2], replaces=place[1])
    for name in ("lo", "hi", "lo_open", "hi_open"):
        out[name] = readings[name]
    out["base_lo"] = out["lo"] * out["factor"]
    out["base_hi"] = out["hi"] * out["factor"]
    out["start"] = readings["start"]
    out["end"] = readings["end"]
    out["derived"] = False
    # filled in place: a list of a million () would be converted element by element
    no_sources = np.empty(len(out), dtype=object)
    no_sources.fill(())
    out["derived_from"] = no_sources
    return out


def _readings_of_every_row(
    out: pd.DataFrame,
    kept: _Kept | None,
    registries: Registries,
    unit_codes: np.ndarray,
    dimension: pd.Series,
    factor: np.ndarray,
    approx_tolerance: float,
) -> dict[str, np.ndarray]:
    """The readings ``kept`` holds, and those of the other rows read (all without one)."""
    if kept is None:
        return _readings(out, registries, unit_codes, dimension, factor, approx_tolerance)
    unread = kept.unread
    if unread.any():  # the rows of the tables edited since the entry was stored
        fresh = _readings(out[unread], registries, unit_codes[unread], dimension, factor,
                          approx_tolerance)
        for name in READINGS:
            kept.readings[name][unread] = fresh[name]
    return kept.readings


def _readings(
    out: pd.DataFrame,
    registries: Registries,
    unit_codes: np.ndarray,
    dimension: pd.Series,
    factor: np.ndarray,
    approx_tolerance: float,
) -> dict[str, np.ndarray]:
    """What each row's written value and period read as (:data:`READINGS`)."""
    # only a change (growth) may be negative; "less than 0.4%" of a share starts at 0
    changes = {k for k, m in registries.metrics.items() if m.growth is not None}
    nonnegative = ~out["metric"].isin(changes)
    # an integer count is exact ("22 zones"), but a scaled one is rounded
    # ("100 million units" is 100 ± 0.5 million)
    discrete = (dimension.isin(["count", "date"]).to_numpy() & (factor == 1))[unit_codes]
    iv = written(
        out["value"].to_numpy(dtype=object),
        out["qualifier"].to_numpy(dtype=object),
        discrete=discrete,
        nonnegative=nonnegative.to_numpy(),
        approx_tolerance=approx_tolerance,
        date=(dimension == "date").to_numpy()[unit_codes],
    )
    bounds = period_bounds(out["period"])
    return {
        "lo": iv.lo, "hi": iv.hi, "lo_open": iv.lo_open, "hi_open": iv.hi_open,
        "start": bounds["start"].to_numpy(), "end": bounds["end"].to_numpy(),
    }


def _entry(
    root: Path, digests: Mapping[str, str], approx_tolerance: float
) -> tuple[str, str, str]:
    """The entry of a project, a pattern of all its entries (one per project directory:
    an edit or another version of this code replaces it) and the key the entry must
    hold: the registries and the tolerance (the tables are in its :data:`_LAYOUT`)."""
    key = f"{vocabularies_digest(digests)}\0{float(approx_tolerance)!r}"
    code = generation(
        sys.modules[__name__], interval, value_text, period, registry,
        extra=f"{pd.__version__} {np.__version__}",
    )
    return (*place_entry("normalised", code, root), key)


_LAYOUT = "layout"
"""The member of an entry listing the fact tables whose readings it holds, in its row order,
each as ``[digest, rows]``."""

Layout = list[tuple[str, int]]


def _layout(facts: pd.DataFrame, digests: Mapping[str, str]) -> Layout | None:
    """The fact tables the rows come from, in row order, each as (its digest, its number of
    rows); None for no rows, and unless every table's rows come together and every table
    has a digest."""
    runs = file_runs(facts, digests)
    if runs is None or len({name for name, _ in runs}) != len(runs):
        return None
    return [(digests[name], count) for name, count in runs]

def _stored_layout(arrays: dict[str, np.ndarray]) -> Layout | None:
    """The :data:`_LAYOUT` of an entry, or None when missing or malformed."""
    try:
        listed = json.loads(array_text(arrays.get(_LAYOUT)) or "")
    except ValueError:
        return None
    if not isinstance(listed, list):
        return None
    layout: Layout = []
    for item in listed:
        if not (isinstance(item, list) and len(item) == 2 and isinstance(item[0], str)
                and type(item[1]) is int):
            return None
        layout.append((item[0], item[1]))
    return layout


class _Kept(NamedTuple):
    """What an entry keeps for the rows of a run."""

    readings: dict[str, np.ndarray]
    unread: np.ndarray
    """The rows the entry holds nothing for (those of tables edited since it was stored)."""
    as_stored: bool
    """The entry holds these very tables in this order: there is nothing to store."""


def _kept_readings(arrays: dict[str, np.ndarray] | None, layout: Layout) -> _Kept | None:
    """The readings an entry keeps for the rows of ``layout``; None when the entry is
    missing or malformed, or holds none of the tables."""
    stored = None if arrays is None else _stored_layout(arrays)
    if arrays is None or stored is None:
        return None
    readings = _fitting_readings(arrays, sum(count for _, count in stored))
    if readings is None:
        return None
    rows = sum(count for _, count in layout)
    if stored == layout:  # a re-run over the same tables: every row kept
        return _Kept(readings, np.zeros(rows, dtype=bool), as_stored=True)
    spans: dict[str, tuple[int, int]] = {}  # digest -> (first row, rows) in the entry
    start = 0
    for digest, count in stored:
        spans.setdefault(digest, (start, count))
        start += count
    gathered = {name: np.empty(rows, dtype=dtype) for name, dtype in READINGS.items()}
    unread = np.zeros(rows, dtype=bool)
    at = 0
    for digest, count in layout:
        span = spans.get(digest)
        if span is not None and span[1] == count:
            for name, values in gathered.items():
                values[at:at + count] = readings[name][span[0]:span[0] + count]
        else:
            unread[at:at + count] = True
        at += count
    return None if unread.all() else _Kept(gathered, unread, as_stored=False)


def _fitting_readings(
    arrays: dict[str, np.ndarray] | None, rows: int
) -> dict[str, np.ndarray] | None:
    """The readings of an entry, or None unless every array fits ``rows`` rows."""
    if arrays is None:
        return None
    for name, dtype in READINGS.items():
        found = arrays.get(name)
        if found is None or found.dtype != dtype or found.shape != (rows,):
            return None
    return {name: arrays[name] for name in READINGS}


def base_interval(frame: pd.DataFrame) -> Interval:
    """The rows' intervals in base units."""
    return Interval(
        lo=frame["base_lo"].to_numpy(dtype=float),
        hi=frame["base_hi"].to_numpy(dtype=float),
        lo_open=frame["lo_open"].to_numpy(dtype=bool),
        hi_open=frame["hi_open"].to_numpy(dtype=bool),
    )
