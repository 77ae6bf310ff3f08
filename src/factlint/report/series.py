"""Monotonic series for the report's timelines: cumulative metrics per subject over time.

A metric marked ``cumulative: true`` in the metric registry is a running
total that can only grow (zones set up so far, reforms replicated so far).
Its stated facts, grouped by subject and metric and ordered by the end of
their period, are what a timeline shows: each source's figure with the
interval it stands for, in one unit per series.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from factlint.registry import Registries

if TYPE_CHECKING:
    from factlint.rules.base import FactTable

POINT_COLUMNS = (
    "id", "metric", "subject", "source", "period", "end", "value", "unit", "qualifier",
    "base_lo", "base_hi", "lo_open", "hi_open",
)
"""The columns a timeline's points show."""


def _bound(x: float) -> float | str | None:
    if math.isnan(x):
        return None
    if math.isinf(x):
        return "inf" if x > 0 else "-inf"
    return x


def _days(ends: pd.Series) -> list[str]:
    """A datetime column as ``date.isoformat()`` strings (YYYY-MM-DD)."""
    return [day.isoformat() for day in ends.dt.date.tolist()]


def _points(rows: pd.DataFrame, factors: np.ndarray, flagged: set[str]) -> list[dict[str, Any]]:
    """One point per row of ``rows``, its bounds divided by its series' unit factor.

    Columns are read once as lists: ``to_dict`` per row costs more than the rest together.
    """
    columns = zip(
        *(rows[k].tolist() for k in ("id", "source", "period")),
        _days(rows["end"]),
        *(rows[k].tolist() for k in ("value", "unit", "qualifier")),
        (rows["base_lo"].to_numpy(dtype=float) / factors).tolist(),
        (rows["base_hi"].to_numpy(dtype=float) / factors).tolist(),
        rows["lo_open"].tolist(),
        rows["hi_open"].tolist(),
        strict=True,
    )
    return [
        {
            "fact": str(fact),
            "source": str(source),
            "period": str(period),
            "end": end,
            "value": str(value),
            "unit": str(unit),
            "qualifier": str(qualifier),
            "lo": _bound(lo),
            "hi": _bound(hi),
            "lo_open": bool(lo_open),
            "hi_open": bool(hi_open),
            "flagged": str(fact) in flagged,
        }
        for fact, source, period, end, value, unit, qualifier, lo, hi, lo_open, hi_open in columns
    ]


def _main_units(rows: pd.DataFrame) -> dict[tuple[str, str], str]:
    """The most common unit of each (metric, subject); of equally common ones, the first."""
    best: dict[tuple[str, str], tuple[int, str]] = {}
    counts = rows.groupby(["metric", "subject", "unit"]).size()
    for (metric, subject, unit), count in counts.items():
        held = best.get((metric, subject))
        if held is None or count > held[0] or (count == held[0] and unit < held[1]):
            best[(metric, subject)] = (int(count), unit)
    return {key: unit for key, (_, unit) in best.items()}


def cumulative_metrics(registries: Registries) -> list[str]:
    return sorted(m.id for m in registries.metrics.values() if m.cumulative)


def timeline_facts(table: FactTable, registries: Registries) -> pd.DataFrame:
    """The facts a timeline may draw: those of cumulative metrics.

    They are usually a small part of the table; selecting them once spares
    :func:`registry_steps` and :func:`monotonic_series` a scan of every fact.
    """
    return table.rows(table.isin("metric", cumulative_metrics(registries)))


def registry_steps(
    facts: pd.DataFrame, outcomes: list[pd.DataFrame]
) -> dict[tuple[str, str], list[dict[str, Any]]]:
    """What the registry says at each date a count was stated, per (metric, subject).

    A ``members`` count rule compares each stated count with the members the
    registry lists as set up by that date, an interval [surely, possibly]
    when some establishment dates are unknown. Those computed intervals,
    drawn as steps, show the registry beside the sources' figures. ``facts``
    may be any part of the fact table that holds the facts of the series drawn
    (:func:`timeline_facts`).
    """
    frames = [o for o in outcomes if len(o)]
    if not frames:
        return {}
    table = pd.concat(frames, ignore_index=True)
    table = table[table["status"].isin(["ok", "discrepancy"]) & table["computed_lo"].notna()]
    if table.empty:
        return {}
    table = table.assign(fact=[ids[0] if len(ids) else "" for ids in table["facts"]])
    # only the facts the outcomes name, and only the columns used: the fact table may
    # hold millions of rows, the outcomes far fewer
    wanted = facts["id"].isin(table["fact"])
    if "derived" in facts.columns:
        wanted &= ~facts["derived"].astype(bool)
    stated = facts.loc[wanted, ["id", "metric", "subject", "end", "factor"]]
    joined = table.merge(stated, left_on="fact", right_on="id")
    steps: dict[tuple[str, str], list[dict[str, Any]]] = {}
    ordered = joined.sort_values(["metric", "subject", "end"], kind="stable")
    ordered = ordered.drop_duplicates(["metric", "subject", "end"])
    columns = zip(
        ordered["metric"].tolist(),
        ordered["subject"].tolist(),
        _days(ordered["end"]),
        ordered["computed_lo"].astype(float).tolist(),
        ordered["computed_hi"].astype(float).tolist(),
        strict=True,
    )
    for metric, subject, end, lo, hi in columns:
        steps.setdefault((str(metric), str(subject)), []).append(
            {"end": end, "lo": _bound(lo), "hi": _bound(hi)}
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
    cumulative = cumulative_metrics(registries)
    needed = {"id", "metric", "subject", "base_lo", "base_hi", "end", "unit"}
    if not cumulative or not needed <= set(facts.columns):
        return []
    wanted = facts["metric"].isin(cumulative)
    if "derived" in facts.columns:
        wanted &= ~facts["derived"].astype(bool)
    rows = facts.loc[wanted, list(POINT_COLUMNS)]
    rows = rows[rows["end"].notna() & rows["base_lo"].notna() & rows["base_hi"].notna()]
    if rows.empty:
        return []
    groups = rows.groupby(["metric", "subject"], sort=False)
    sizes = groups.size()
    order = sorted(sizes.items(), key=lambda item: (-int(item[1]), item[0][0], item[0][1]))
    order = order[:max_series]
    if not order:
        return []
    # only the series drawn are sorted and turned into points, all together: a few pandas
    # calls in all rather than a few per series, and none over the series left out
    positions = groups.indices
    drawn = rows.take(np.concatenate([positions[key] for key, _ in order]))
    drawn = drawn.sort_values(["metric", "subject", "end", "source", "id"], kind="stable")
    units = _main_units(drawn)
    in_order = drawn.groupby(["metric", "subject"], sort=False).indices
    shown = [in_order[key][:max_points] for key, _ in order]
    factors = [
        registries.units[units[key]].factor if units[key] in registries.units else 1.0
        for key, _ in order
    ]
    points = _points(
        drawn.take(np.concatenate(shown)),
        np.repeat(np.asarray(factors, dtype=float), [len(p) for p in shown]),
        flagged,
    )
    series: list[dict[str, Any]] = []
    start = 0
    for ((metric, subject), size), rows_shown in zip(order, shown, strict=True):
        entity = registries.entities.get(subject)
        series.append(
            {
                "subject": subject,
                "subject_name": entity.name if entity else subject,
                "metric": metric,
                "label": registries.metrics[metric].label,
                "unit": units[(metric, subject)],
                "points": points[start : start + len(rows_shown)],
                "registry": (steps or {}).get((metric, subject), []),
                "total": int(size),
                "omitted": int(size) - len(rows_shown),
            }
        )
        start += len(rows_shown)
    return series
