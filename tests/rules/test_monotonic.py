"""Focused tests of FL105 monotonic: messages, derived rows, linear pairing."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from factlint.findings import Severity
from factlint.interval import Interval
from factlint.normalise import normalise_facts
from factlint.rules.base import RuleContext, RuleSpec, Settings, derived_facts
from factlint.rules.monotonic import MonotonicParams, check

from .casekit import facts_frame, registries


def _context(rows: list[list[Any]]) -> RuleContext:
    reg = registries()
    table = normalise_facts(facts_frame(rows), reg)
    spec = RuleSpec(
        id="grows", kind="monotonic", severity=Severity.ERROR, description="d",
        params=None, file="checks/x.yaml",
    )
    return RuleContext(facts=table, registries=reg, settings=Settings(), rule=spec)


HEADER = ["id", "subject", "metric", "period", "value", "unit", "qualifier"]


def test_message_names_both_facts_with_values_periods_and_gap() -> None:
    ctx = _context(
        [
            HEADER,
            ["x", "zones", "zone_count", "2020-09-21", "22", "count", "exact"],
            ["scio23-zone-count", "zones", "zone_count", "2022", "21", "count", "exact"],
        ]
    )
    out = check(ctx, MonotonicParams()).outcomes
    assert out["status"].tolist() == ["discrepancy"]
    assert out["facts"].tolist() == [("scio23-zone-count", "x")]
    assert out["message"].iloc[0] == (
        "`scio23-zone-count` states 21 for 2022, fewer than the 22 that `x` states for "
        "2020-09-21: number of zones set up so far cannot fall (a fall of at least 1)"
    )
    assert out["gap"].iloc[0] == 1.0


def test_a_long_rising_series_is_checked_neighbour_to_neighbour() -> None:
    n = 300
    days = pd.date_range("2000-01-01", periods=n, freq="D").strftime("%Y-%m-%d")
    rows = [HEADER] + [
        [f"f{i}", "zones", "reforms", days[i], str(10 * i), "count", "exact"] for i in range(n)
    ]
    out = check(_context(rows), MonotonicParams()).outcomes
    # one check per pair of neighbours, not one per pair of facts
    assert len(out) == n - 1
    assert set(out["status"]) == {"ok"}
    assert sorted(out["facts"]) == sorted((f"f{i + 1}", f"f{i}") for i in range(n - 1))


def test_only_cumulative_metrics_are_read_by_default() -> None:
    rows = [
        HEADER,
        ["a1", "z1", "amount", "2020", "5.0", "billion yuan", "exact"],
        ["a2", "z1", "amount", "2021", "4.0", "billion yuan", "exact"],
    ]
    assert len(check(_context(rows), MonotonicParams()).outcomes) == 0
    params = MonotonicParams.model_validate({"select": {"metric": "amount"}})
    selected = check(_context(rows), params)
    assert selected.outcomes["status"].tolist() == ["discrepancy"]


def test_a_derived_value_in_a_series_points_at_the_facts_it_came_from() -> None:
    ctx = _context(
        [
            HEADER,
            ["late", "zones", "zone_count", "2022", "3", "count", "exact"],
            ["m1", "z1", "approved_on", "2019", "2019-01-01", "date", "exact"],
        ]
    )
    derived = derived_facts(
        ctx, subject=["zones"], metric=["zone_count"], period=["2020"],
        start=["2020-01-01"], end=["2020-12-31"], unit=["count"],
        interval=Interval.closed(4.0, 5.0), derived_from=[("m1",)],
        explanation=["counted members"],
    )
    ctx.facts = pd.concat([ctx.facts, derived], ignore_index=True)
    out = check(ctx, MonotonicParams()).outcomes
    assert out["facts"].tolist() == [("late", "m1")]
    assert "fewer than the 4–5 that `grows#1` states for 2020" in out["message"].iloc[0]


def test_an_unreadable_value_is_left_out_of_the_series() -> None:
    rows = [
        HEADER,
        ["a", "zones", "zone_count", "2019", "18", "count", "exact"],
        ["b", "zones", "zone_count", "2020", "n/a", "count", "exact"],
        ["c", "zones", "zone_count", "2021", "21", "count", "exact"],
    ]
    out = check(_context(rows), MonotonicParams()).outcomes
    assert out["facts"].tolist() == [("c", "a")]
    assert np.all(out["status"] == "ok")
