"""Monotonic series for the report's timelines: cumulative metrics per subject over time.

A metric marked ``cumulative: true`` in the metric registry is a running
total that can only grow (zones set up so far, reforms replicated so far).
Its stated facts, grouped by subject and metric and ordered by the end of
their period, are what a timeline shows: each source's figure with the
interval it stands for, in one unit per series.
"""

from __future__ import annotations

import math
from typing import Any

import pandas as pd

from factlint.registry import Registries


def _bound(x: float) -> float | str | None:
    if math.isnan(x):
        return None
    if math.isinf(x):
        return "inf" if x > 0 else "-inf"
    return x


def _points(group: pd.DataFrame, factor: float, flagged: set[str]) -> list[dict[str, Any]]:
    points = []
    for row in group.to_dict("records"):
        lo = float(row["base_lo"]) / factor
        hi = float(row["base_hi"]) / factor
        points.append(
            {
                "fact": str(row["id"]),
                "source": str(row["source"]),
                "period": str(row["period"]),
                "end": pd.Timestamp(row["end"]).date().isoformat(),
                "value": str(row["value"]),
                "unit": str(row["unit"]),
                "qualifier": str(row["qualifier"]),
                "lo": _bound(lo),
                "hi": _bound(hi),
                "lo_open": bool(row["lo_open"]),
                "hi_open": bool(row["hi_open"]),
                "flagged": str(row["id"]) in flagged,
            }
        )
    return points


def registry_steps(
    facts: pd.DataFrame, outcomes: list[pd.DataFrame]
) -> dict[tuple[str, str], list[dict[str, Any]]]:
    """What the registry says at each date a count was stated, per (metric, subject).

    A ``members`` count rule compares each stated count with the members the
    registry lists as set up by that date, an interval [surely, possibly]
    when some establishment dates are unknown. Those computed intervals,
    drawn as steps, show the registry beside the sources' figures.
    """
    frames = [o for o in outcomes if len(o)]
    if not frames:
        return {}
    table = pd.concat(frames, ignore_index=True)
    table = table[table["status"].isin(["ok", "discrepancy"]) & table["computed_lo"].notna()]
    if table.empty:
        return {}
    table = table.assign(fact=[ids[0] if len(ids) else "" for ids in table["facts"]])
    stated = facts[~facts["derived"].astype(bool)] if "derived" in facts.columns else facts
    joined = table.merge(
        stated[["id", "metric", "subject", "end", "factor"]], left_on="fact", right_on="id"
    )
    steps: dict[tuple[str, str], list[dict[str, Any]]] = {}
    ordered = joined.sort_values(["metric", "subject", "end"], kind="stable")
    ordered = ordered.drop_duplicates(["metric", "subject", "end"])
    for row in ordered.to_dict("records"):
        steps.setdefault((str(row["metric"]), str(row["subject"])), []).append(
            {
                "end": pd.Timestamp(row["end"]).date().isoformat(),
                "lo": _bound(float(row["computed_lo"])),
                "hi": _bound(float(row["computed_hi"])),
            }
        )
    return steps


def monotonic_series(
    facts: pd.DataFrame,
    registries: Registries,
    *,
    flagged: set[str],
    max_series: int,
    max_points: int,
    steps: dict[tuple[str, str], list[dict[str, Any]]] | None = None,
) -> list[dict[str, Any]]:
    """One series per (subject, metric) of a cumulative metric, most points first.

    ``flagged`` holds the ids of facts named by an unwaived finding; their
    points are marked. Values are shown in the series' most common unit.
    """
    cumulative = sorted(m.id for m in registries.metrics.values() if m.cumulative)
    needed = {"id", "metric", "subject", "base_lo", "base_hi", "end", "unit"}
    if not cumulative or not needed <= set(facts.columns):
        return []
    rows = facts[facts["metric"].isin(cumulative)]
    if "derived" in rows.columns:
        rows = rows[~rows["derived"].astype(bool)]
    rows = rows[rows["end"].notna() & rows["base_lo"].notna() & rows["base_hi"].notna()]
    if rows.empty:
        return []
    rows = rows.sort_values(["metric", "subject", "end", "source", "id"], kind="stable")
    sizes = rows.groupby(["metric", "subject"], sort=True).size()
    order = sorted(sizes.items(), key=lambda item: (-int(item[1]), item[0][0], item[0][1]))
    series: list[dict[str, Any]] = []
    for (metric, subject), size in order[:max_series]:
        group = rows[(rows["metric"] == metric) & (rows["subject"] == subject)]
        units = group["unit"].value_counts()
        unit = sorted(units[units == units.max()].index)[0]
        factor = registries.units[unit].factor if unit in registries.units else 1.0
        shown = group.head(max_points)
        entity = registries.entities.get(subject)
        series.append(
            {
                "subject": subject,
                "subject_name": entity.name if entity else subject,
                "metric": metric,
                "label": registries.metrics[metric].label,
                "unit": unit,
                "points": _points(shown, factor, flagged),
                "registry": (steps or {}).get((metric, subject), []),
                "total": int(size),
                "omitted": int(size) - len(shown),
            }
        )
    return series
