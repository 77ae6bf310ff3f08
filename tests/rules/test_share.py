"""FL103 share: implied wholes, messages, overrides and parameters (beyond the YAML cases)."""

from __future__ import annotations

from typing import Any

import pandas as pd
import pytest

from factlint.errors import RuleSetError
from factlint.findings import Severity, Status
from factlint.interval import Interval
from factlint.normalise import normalise_facts
from factlint.rules import load_kinds
from factlint.rules.base import RuleContext, RuleResult, RuleSpec, Settings, derived_facts
from factlint.rules.loader import parse_rule

from .casekit import facts_frame, registries, run_case

HEADER = ["id", "subject", "metric", "period", "value", "unit", "qualifier"]


def run_kind(
    kind: str, rows: list[list[str]], extra: pd.DataFrame | None = None, **params: Any
) -> RuleResult:
    """Call a kind's check directly on a normalised table (plus optional derived rows)."""
    reg = registries()
    table = normalise_facts(facts_frame(rows), reg)
    if extra is not None:
        table = pd.concat([table, extra], ignore_index=True)
    spec = parse_rule(
        {"id": "r", "kind": kind, "description": "d", **params}, 0, "checks/t.yaml", reg
    )
    ctx = RuleContext(facts=table, registries=reg, settings=Settings(), rule=spec)
    return load_kinds()[kind].check(ctx, spec.params)


FTZ = [
    HEADER,
    ["part", "zones", "amount", "2024-H1", "103.96", "billion yuan", "exact"],
    ["share", "zones", "amount_share", "2024-H1", "20.8", "percent", "exact"],
]


def test_the_whole_a_share_implies_is_derived_and_left_to_agreement() -> None:
    result = run_kind("share", FTZ)
    assert len(result.outcomes) == 0  # no whole: nothing to report here, agreement goes on
    assert result.derived is not None and len(result.derived) == 1
    row = result.derived.iloc[0]
    assert (row["subject"], row["metric"], row["period"], row["unit"]) == (
        "country",
        "amount",
        "2024-H1",
        "billion yuan",
    )
    assert row["lo"] == pytest.approx(103.955 / 0.2085)
    assert row["hi"] == pytest.approx(103.965 / 0.2075)
    assert row["base_lo"] == pytest.approx(103.955e9 / 0.2085)
    assert tuple(row["derived_from"]) == ("share", "part")
    assert "498.6–501.0 billion yuan" in row["quote"]
    assert str(row["start"].date()) == "2024-01-01" and str(row["end"].date()) == "2024-06-30"


def test_a_rule_that_only_derives_is_not_reported_dead() -> None:
    findings, runs = run_case({"kind": "share", "facts": FTZ, "rule": {}})
    assert findings == []
    assert runs[0].derived == 1


def test_without_derive_whole_nothing_is_derived_and_the_share_is_unverifiable() -> None:
    result = run_kind("share", FTZ, derive_whole=False)
    assert result.derived is None
    assert result.outcomes["status"].tolist() == ["unverifiable"]
    assert result.outcomes["facts"].tolist() == [("share",)]


def test_a_share_of_less_than_implies_no_whole() -> None:
    rows = [
        HEADER,
        ["land", "zones", "area_share", "2024", "0.4", "percent", "less_than"],
        ["area", "zones", "area", "2024", "38200", "km2", "exact"],
    ]
    result = run_kind("share", rows)
    # 38200 / [0, 0.4%) has no upper bound: a whole that says nothing is not derived
    assert result.derived is None or len(result.derived) == 0
    assert result.outcomes["status"].tolist() == ["unverifiable"]


def test_a_whole_that_may_be_zero_makes_the_check_undefined() -> None:
    rows = [
        *FTZ,
        ["whole", "country", "amount", "2024-H1", "5", "billion yuan", "less_than"],
    ]
    findings, _ = run_case({"kind": "share", "facts": rows, "rule": {}})
    assert [(f.status, f.severity) for f in findings] == [(Status.RULE_ERROR, Severity.ERROR)]
    assert "the whole may be 0" in findings[0].message


def test_outcomes_show_the_share_unit_and_computed_interval() -> None:
    rows = [
        *FTZ,
        ["whole", "country", "amount", "2024-H1", "0.4998", "trillion yuan", "exact"],
    ]
    out = run_kind("share", rows).outcomes
    assert out["status"].tolist() == ["ok"]
    row = out.iloc[0]
    assert row["unit"] == "percent"
    assert (row["stated_lo"], row["stated_hi"]) == pytest.approx((20.75, 20.85))
    assert row["computed_lo"] == pytest.approx(100 * 103.955 / 499.85)
    assert row["facts"] == ("share", "part", "whole")


def test_a_derived_part_counts_and_findings_name_the_stated_facts_behind_it() -> None:
    reg = registries()
    rows = [
        HEADER,
        ["share", "zones", "area_share", "2024", "0.40", "percent", "exact"],
        ["land", "country", "land_area", "2024", "9.6", "million km2", "exact"],
    ]
    table = normalise_facts(facts_frame(rows), reg)
    spec = RuleSpec(
        id="sum",
        kind="members",
        severity=Severity.ERROR,
        description="d",
        params=None,
        file="checks/t.yaml",
    )
    ctx = RuleContext(facts=table, registries=reg, settings=Settings(), rule=spec)
    summed = derived_facts(
        ctx,
        subject=["zones"],
        metric=["area"],
        period=["2024"],
        start=[pd.Timestamp("2024-01-01")],
        end=[pd.Timestamp("2024-12-31")],
        unit=["km2"],
        interval=Interval.closed(50000, 50010),
        derived_from=[("a1", "a2")],
        explanation=["sum of members"],
    )
    out = run_kind("share", rows, extra=summed).outcomes
    assert out["status"].tolist() == ["discrepancy"]
    assert out["facts"].tolist() == [("share", "a1", "a2", "land")]
    assert "50000–50010 km2 (`sum#1`)" in out["message"].iloc[0]


def test_whole_override_takes_wholes_from_the_selected_facts_only() -> None:
    rows = [
        *FTZ,
        ["good", "country", "amount", "2024-H1", "500", "billion yuan", "exact"],
        ["bad", "country", "amount", "2024-H1", "900", "billion yuan", "exact"],
    ]
    out = run_kind("share", rows, whole={"id": "good"}).outcomes
    assert out["facts"].tolist() == [("share", "part", "good")]
    assert out["status"].tolist() == ["ok"]


def test_part_override_is_still_matched_on_the_share_subject_and_period() -> None:
    rows = [
        HEADER,
        ["share", "zones", "amount_share", "2024", "10", "percent", "exact"],
        ["hi-tech", "zones", "part_amount", "2024", "50", "billion yuan", "exact"],
        ["elsewhere", "z1", "part_amount", "2024", "70", "billion yuan", "exact"],
        ["whole", "country", "amount", "2024", "500", "billion yuan", "exact"],
    ]
    out = run_kind("share", rows, part={"metric": "part_amount"}).outcomes
    assert out["facts"].tolist() == [("share", "hi-tech", "whole")]
    assert out["status"].tolist() == ["ok"]


def test_check_numerator_can_be_turned_off() -> None:
    rows = [
        ["id", "subject", "metric", "period", "value", "unit", "qualifier", "quote"],
        ["exports", "z1", "exports", "2024", "57.71", "billion yuan", "exact", "s"],
        ["share", "z1", "trade_share", "2024", "14", "percent", "exact", "s"],
    ]
    on = run_kind("share", rows).outcomes
    assert on["status"].tolist() == ["discrepancy"]
    assert "not the share's numerator (imports and exports)" in on["message"].iloc[0]
    assert "is `exports` (57.71 billion yuan, exports)" in on["message"].iloc[0]
    off = run_kind("share", rows, check_numerator=False).outcomes
    assert off["status"].tolist() == ["unverifiable"]


def test_a_figure_in_another_sentence_is_not_taken_for_the_part() -> None:
    rows = [
        ["id", "subject", "metric", "period", "value", "unit", "qualifier", "quote"],
        ["exports", "z1", "exports", "2024", "57.71", "billion yuan", "exact", "one sentence"],
        ["share", "z1", "trade_share", "2024", "14", "percent", "exact", "another sentence"],
    ]
    out = run_kind("share", rows).outcomes
    assert out["status"].tolist() == ["unverifiable"]


def test_each_share_meets_only_its_own_part_and_whole_at_scale() -> None:
    zones = ["z1", "z2", "z3", "zones", "group"]
    years = [str(y) for y in range(1900, 2000)]
    rows = [HEADER]
    for year in years:
        rows.append([f"whole-{year}", "country", "amount", year, "1000", "billion yuan", "exact"])
        for z in zones:
            rows.append([f"part-{z}-{year}", z, "amount", year, "100", "billion yuan", "exact"])
            rows.append([f"share-{z}-{year}", z, "amount_share", year, "10", "percent", "exact"])
    out = run_kind("share", rows).outcomes
    assert len(out) == len(zones) * len(years)
    assert set(out["status"]) == {"ok"}


@pytest.mark.parametrize(
    ("params", "key"),
    [
        ({"whole_period": "earliest"}, "whole_period"),
        ({"wholes": {"id": "x"}}, "wholes"),
        ({"part": {"metric": "no_such_metric"}}, "part.metric"),
    ],
)
def test_bad_parameters_are_rejected_with_the_key(params: dict[str, Any], key: str) -> None:
    with pytest.raises(RuleSetError) as err:
        parse_rule(
            {"id": "r", "kind": "share", "description": "d", **params},
            0,
            "checks/t.yaml",
            registries(),
        )
    assert key in str(err.value)


def test_the_kind_documents_itself() -> None:
    kind = load_kinds()["share"]
    assert kind.code == "FL103"
    assert "Why:" in kind.doc and "Failing example" in kind.doc and "Passing example" in kind.doc
    assert all(f.description for f in kind.params.model_fields.values())


def test_only_a_share_whose_sentence_lacks_its_part_is_taken_at_the_other_figure() -> None:
    rows = [
        ["id", "subject", "metric", "period", "value", "unit", "qualifier", "quote"],
        ["one", "z1", "trade_share", "2024", "5.0", "percent", "exact", "a"],
        ["one-trade", "z1", "trade", "2024", "1.0", "trillion yuan", "exact", "a"],
        ["one-exports", "z1", "exports", "2024", "500", "billion yuan", "exact", "a"],
        ["two", "z2", "trade_share", "2024", "10", "percent", "exact", "b"],
        ["two-trade", "z2", "trade", "2024", "2.0", "trillion yuan", "exact", "elsewhere"],
        ["two-exports", "z2", "exports", "2024", "57.71", "billion yuan", "exact", "b"],
        ["total", "country", "trade", "2024", "20", "trillion yuan", "exact", "c"],
    ]
    out = run_kind("share", rows).outcomes
    assert list(zip(out["facts"], out["status"], strict=True)) == [
        (("one", "one-trade", "total"), "ok"),
        (("two", "two-trade", "total"), "ok"),
        (("two", "two-exports"), "discrepancy"),
    ]
