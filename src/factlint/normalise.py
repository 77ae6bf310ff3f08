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

import numpy as np
import pandas as pd

from factlint.interval import Interval, written
from factlint.period import period_bounds
from factlint.registry import Registries

INTERVAL_COLUMNS = ("lo", "hi", "lo_open", "hi_open")


def normalise_facts(
    facts: pd.DataFrame, registries: Registries, *, approx_tolerance: float = 0.05
) -> pd.DataFrame:
    """Add interval, unit and period columns to valid fact rows (input is not modified)."""
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
    out["lo"], out["hi"] = iv.lo, iv.hi
    out["lo_open"], out["hi_open"] = iv.lo_open, iv.hi_open
    out["base_lo"] = out["lo"] * out["factor"]
    out["base_hi"] = out["hi"] * out["factor"]
    bounds = period_bounds(out["period"])
    out["start"] = bounds["start"].to_numpy()
    out["end"] = bounds["end"].to_numpy()
    out["derived"] = False
    # filled in place: a list of a million () would be converted element by element
    no_sources = np.empty(len(out), dtype=object)
    no_sources.fill(())
    out["derived_from"] = no_sources
    return out


def base_interval(frame: pd.DataFrame) -> Interval:
    """The rows' intervals in base units."""
    return Interval(
        lo=frame["base_lo"].to_numpy(dtype=float),
        hi=frame["base_hi"].to_numpy(dtype=float),
        lo_open=frame["lo_open"].to_numpy(dtype=bool),
        hi_open=frame["hi_open"].to_numpy(dtype=bool),
    )
