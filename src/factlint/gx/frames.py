"""The two tables a GX suite can target, as the DataFrames handed to GX.

``facts``: the fact tables as written, every row, every cell as text, with
``_file`` and ``_line``.

``normalised``: every row of ``facts`` (so a suite can check raw columns on
rows that failed the schema too) plus factlint's reading of each valid fact;
the numeric columns are empty for invalid rows, and GX skips empty cells in
value checks. Columns added to the fact columns:

| column | meaning |
|---|---|
| valid | the row passed factlint's schema (the rules read it) |
| lo, hi, lo_open, hi_open | the written interval in the fact's unit |
| factor, dimension | the unit's factor to its dimension's base unit, and the dimension |
| base_lo, base_hi | the interval in base units |
| start, end | the period's first and last day (datetime) |
| value_number | the number as written (empty for ranges and dates) |
| value_base | ``value_number`` in base units (``value_number * factor``) |
| value_date | the date written, for facts in unit ``date`` (datetime) |
| is_share | the metric is a share (it names a numerator and a denominator) |
| is_growth | the metric is a growth rate (signed) |
| derived, derived_from | derived values (only with ``include_derived``), their sources |

These names are reserved: a fact table column of the same name is replaced.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from factlint.registry import Registries
from factlint.tables import FILE_COLUMN, LINE_COLUMN

ADDED_COLUMNS = ("valid", "value_number", "value_base", "value_date", "is_share", "is_growth")
INDEX_COLUMNS = ("id", FILE_COLUMN, LINE_COLUMN)
"""Columns that identify an unexpected row (``unexpected_index_column_names``)."""


def facts_frame(stated: pd.DataFrame) -> pd.DataFrame:
    """The fact tables as written (a copy: GX never sees factlint's own frames)."""
    return stated.reset_index(drop=True).copy()


def _readings(frame: pd.DataFrame, registries: Registries) -> pd.DataFrame:
    shares = {k for k, m in registries.metrics.items() if m.share is not None}
    growths = {k for k, m in registries.metrics.items() if m.growth is not None}
    out = frame.copy()
    text = out["value"].astype(str).str.strip()
    is_date = out["dimension"].eq("date").fillna(False).astype(bool)
    number = pd.to_numeric(text.where(~is_date), errors="coerce")
    out["value_number"] = number.astype(float)
    out["value_base"] = (number * pd.to_numeric(out["factor"], errors="coerce")).astype(float)
    out["value_date"] = pd.to_datetime(text.where(is_date), format="ISO8601", errors="coerce")
    out["is_share"] = out["metric"].isin(shares).astype(bool)
    out["is_growth"] = out["metric"].isin(growths).astype(bool)
    return out


def normalised_frame(
    stated: pd.DataFrame,
    table: pd.DataFrame,
    registries: Registries,
    *,
    include_derived: bool = False,
) -> pd.DataFrame:
    """Every stated row with factlint's reading of it (see the module docs)."""
    derived = table["derived"].astype(bool) if "derived" in table else pd.Series(False, table.index)
    added = [c for c in table.columns if c not in stated.columns]
    readings = table.loc[~derived.to_numpy(), [FILE_COLUMN, LINE_COLUMN, *added]]
    merged = stated.reset_index(drop=True).merge(
        readings, on=[FILE_COLUMN, LINE_COLUMN], how="left", validate="one_to_one", indicator=True
    )
    merged["valid"] = (merged.pop("_merge") == "both").to_numpy()
    if include_derived and derived.any():
        extra = table.loc[derived.to_numpy()].copy()
        extra["valid"] = True
        merged = pd.concat([merged, extra], ignore_index=True, sort=False)
    if "derived" in merged:
        merged["derived"] = merged["derived"].fillna(False).astype(bool)
    if "derived_from" in merged:
        merged["derived_from"] = [
            " ".join(map(str, v)) if isinstance(v, (tuple, list)) else ""
            for v in merged["derived_from"]
        ]
    for column in ("lo_open", "hi_open"):
        if column in merged:
            merged[column] = merged[column].astype("boolean")
    for column in ("dimension", "factor"):
        if column not in merged:  # no valid fact at all
            merged[column] = np.nan
    return _readings(merged, registries)


class ProjectFrames:
    """A project's GX tables, built on first use from factlint's own frames."""

    def __init__(self, stated: pd.DataFrame, table: pd.DataFrame, registries: Registries) -> None:
        self.stated = stated
        self.table = table
        self.registries = registries
        self._built: dict[tuple[str, bool], pd.DataFrame] = {}

    def frame(self, name: str, *, include_derived: bool = False) -> pd.DataFrame:
        """The table a suite targets: ``facts`` or ``normalised``."""
        key = (name, include_derived)
        if key not in self._built:
            if name == "facts":
                self._built[key] = facts_frame(self.stated)
            else:
                self._built[key] = normalised_frame(
                    self.stated, self.table, self.registries, include_derived=include_derived
                )
        return self._built[key]

    @property
    def facts(self) -> pd.DataFrame:
        return self.frame("facts")

    @property
    def normalised(self) -> pd.DataFrame:
        return self.frame("normalised")


def project_frames(root: Path) -> ProjectFrames:
    """Load, validate, normalise and run the rules of the project at ``root``; GX is not used.

    For a team's own GX pipeline::

        from factlint.gx.frames import project_frames
        frames = project_frames(Path("."))
        batch = batch_definition.get_batch(batch_parameters={"dataframe": frames.normalised})
    """
    from factlint.engine import run_rules
    from factlint.normalise import normalise_facts
    from factlint.project import load_project
    from factlint.rules.loader import load_rule_sets
    from factlint.schema import validate_facts

    project = load_project(root)
    rule_set = load_rule_sets(root / "checks", project.registries, root=root)
    _, valid = validate_facts(project.facts, project.registries, set(project.sources["id"]))
    table = normalise_facts(
        project.facts[valid.to_numpy()], project.registries,
        approx_tolerance=rule_set.settings.approx_tolerance,
    )
    _, table, _ = run_rules(rule_set, project.registries, table, project.facts)
    return ProjectFrames(project.facts, table.frame, project.registries)


__all__ = [
    "ADDED_COLUMNS",
    "INDEX_COLUMNS",
    "ProjectFrames",
    "facts_frame",
    "normalised_frame",
    "project_frames",
]
