"""FL109 agreement: pairs inside groups, derived values, sources and messages."""

from __future__ import annotations

from typing import Any

import pandas as pd
import pytest

from factlint.errors import RuleSetError
from factlint.findings import Severity
from factlint.interval import Interval
from factlint.normalise import normalise_facts
from factlint.rules import load_kinds
from factlint.rules.base import RuleContext, RuleSpec, Settings, derived_facts
from factlint.rules.loader import parse_rule

from .casekit import facts_frame, registries, run_case
from .test_share import run_kind

HEADER = ["id", "subject", "metric", "period", "value", "unit", "qualifier", "source"]


def derived_row(
    rows: list[list[str]],
    lo: float,
    hi: float,
    derived_from: tuple[str, ...],
    rule: str = "d",
) -> pd.DataFrame:
    """One derived 2024 amount of `country` (as an earlier rule would have written it)."""
    reg = registries()
    table = normalise_facts(facts_frame(rows), reg)
    spec = RuleSpec(
        id=rule,
        kind="share",
        severity=Severity.ERROR,
        description="d",
        params=None,
        file="checks/t.yaml",
    )
    ctx = RuleContext(facts=table, registries=reg, settings=Settings(), rule=spec)
    return derived_facts(
        ctx,
        subject=["country"],
        metric=["amount"],
        period=["2024"],
        start=[pd.Timestamp("2024-01-01")],
        end=[pd.Timestamp("2024-12-31")],
        unit=["billion yuan"],
        interval=Interval.closed(lo, hi),
        derived_from=[derived_from],
        explanation=["implied by the test"],
    )


def test_a_derived_value_is_not_compared_with_the_facts_it_came_from() -> None:
    rows = [HEADER, ["total", "country", "amount", "2024", "500", "billion yuan", "exact", "a"]]
    extra = derived_row(rows, 700, 701, ("total", "other"))
    out = run_kind("agreement", rows, extra=extra).outcomes
    assert len(out) == 0


def test_two_values_derived_from_the_same_facts_are_not_compared_with_each_other() -> None:
    rows = [HEADER, ["total", "country", "amount", "2024", "500", "billion yuan", "exact", "a"]]
    extra = pd.concat(
        [
            derived_row(rows, 499, 501, ("share", "part"), rule="first"),
            derived_row(rows, 499, 501, ("part", "share"), rule="again"),
            derived_row(rows, 499, 501, ("share", "other-part"), rule="third"),
        ],
        ignore_index=True,
    )
    out = run_kind("agreement", rows, extra=extra).outcomes
    pairs = sorted(out["facts"].tolist())
    # total with each of the three, and the third with each of the first two: 5, not 6
    assert len(pairs) == 5
    assert ("share", "part") not in pairs


def test_a_derived_value_is_compared_with_other_stated_facts_and_named_by_its_rule() -> None:
    rows = [HEADER, ["total", "country", "amount", "2024", "500", "billion yuan", "exact", "a"]]
    extra = derived_row(rows, 700, 701, ("share", "part"))
    out = run_kind("agreement", rows, extra=extra).outcomes
    assert out["status"].tolist() == ["discrepancy"]
    assert out["facts"].tolist() == [("total", "share", "part")]
    message = out["message"].iloc[0]
    assert message.startswith(
        "`total` (source `a`) says 500 billion yuan; `d#1` (derived by rule `d`"
    )
    assert "gives 700–701 billion yuan: they differ by 199.5 billion yuan (39.9%)" in message


def test_across_sources_only_treats_a_derived_value_as_coming_from_its_facts_sources() -> None:
    rows = [
        HEADER,
        ["part", "zones", "amount", "2024", "100", "billion yuan", "exact", "a"],
        ["same", "country", "amount", "2024", "900", "billion yuan", "exact", "a"],
        ["other", "country", "amount", "2024", "500", "billion yuan", "exact", "b"],
    ]
    extra = derived_row(rows, 499, 501, ("part",))
    out = run_kind("agreement", rows, extra=extra, across_sources_only=True).outcomes
    # `same` (a) vs the value derived from `part` (a) is skipped; the rest are compared
    assert sorted(out["facts"].tolist()) == [("other", "part"), ("same", "other")]
    everything = run_kind("agreement", rows, extra=extra).outcomes
    assert len(everything) == 3


def test_include_derived_false_ignores_derived_values() -> None:
    rows = [HEADER, ["total", "country", "amount", "2024", "500", "billion yuan", "exact", "a"]]
    extra = derived_row(rows, 700, 701, ("share", "part"))
    findings_free = run_kind("agreement", rows, extra=extra, include_derived=False).outcomes
    assert len(findings_free) == 0


def test_stated_facts_come_first_in_a_pair_and_set_the_display_unit() -> None:
    rows = [HEADER, ["total", "country", "amount", "2024", "0.5", "trillion yuan", "exact", "a"]]
    extra = derived_row(rows, 499, 501, ("share", "part"))
    table_first = run_kind("agreement", rows, extra=extra).outcomes.iloc[0]
    assert table_first["unit"] == "trillion yuan"
    assert (table_first["stated_lo"], table_first["stated_hi"]) == pytest.approx((0.45, 0.55))
    assert (table_first["computed_lo"], table_first["computed_hi"]) == pytest.approx((0.499, 0.501))


def test_pairs_stay_inside_their_groups_at_scale() -> None:
    rows = [HEADER]
    for year in range(1800, 2000):
        for source in ("a", "b", "c"):
            rows.append(
                [
                    f"{source}-{year}",
                    "z1",
                    "amount",
                    str(year),
                    str(year),
                    "billion yuan",
                    "exact",
                    source,
                ]
            )
    out = run_kind("agreement", rows).outcomes
    assert len(out) == 200 * 3  # three pairs in each year's group, none across years
    assert set(out["status"]) == {"ok"}


def test_findings_point_at_the_stated_facts_and_name_a_culprit() -> None:
    case = {
        "kind": "agreement",
        "facts": [
            HEADER,
            ["a", "z1", "area", "2020", "120", "km2", "exact", "s1"],
            ["b", "z1", "area", "2020", "120.0", "km2", "exact", "s2"],
            ["c", "z1", "area", "2020", "210", "km2", "exact", "s3"],
        ],
        "rule": {},
    }
    findings, runs = run_case(case)
    assert runs[0].checks == 3
    assert sorted(f.facts for f in findings) == [("a", "c"), ("b", "c")]
    assert {f.culprit for f in findings} == {"c"}
    assert all(f.file == "facts/case.csv" for f in findings)


@pytest.mark.parametrize(
    ("params", "key"),
    [
        ({"across_sources": True}, "across_sources"),
        ({"select": {"metric": "nope"}}, "select.metric"),
    ],
)
def test_bad_parameters_are_rejected_with_the_key(params: dict[str, Any], key: str) -> None:
    with pytest.raises(RuleSetError) as err:
        parse_rule(
            {"id": "r", "kind": "agreement", "description": "d", **params},
            0,
            "checks/t.yaml",
            registries(),
        )
    assert key in str(err.value)


def test_the_kind_documents_itself() -> None:
    kind = load_kinds()["agreement"]
    assert kind.code == "FL109"
    assert "Why:" in kind.doc and "Failing example" in kind.doc and "Passing example" in kind.doc
    assert all(f.description for f in kind.params.model_fields.values())
