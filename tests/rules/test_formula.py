"""FL110 formula: load-time errors, messages, derived inputs and joins (beyond the YAML cases)."""

from __future__ import annotations

from typing import Any

import pandas as pd
import pytest

from factlint.errors import RuleSetError
from factlint.findings import Severity
from factlint.interval import Interval
from factlint.normalise import normalise_facts
from factlint.rules import load_kinds
from factlint.rules.base import RuleContext, RuleResult, RuleSpec, Settings, derived_facts
from factlint.rules.loader import parse_rule

from .casekit import facts_frame, registries, run_case

HEADER = ["id", "subject", "metric", "period", "value", "unit", "qualifier"]
FUJIAN = [
    HEADER,
    ["pingtan", "z1", "area", "2015", "43", "km2", "exact"],
    ["xiamen", "z2", "area", "2015", "43.78", "km2", "exact"],
    ["fuzhou", "z3", "area", "2015", "31.26", "km2", "exact"],
    ["total", "zones", "area", "2015", "118.04", "km2", "exact"],
]
FUJIAN_FACTS = {
    "pingtan": {"subject": "z1", "metric": "area"},
    "xiamen": {"subject": "z2", "metric": "area"},
    "fuzhou": {"subject": "z3", "metric": "area"},
    "total": {"subject": "zones", "metric": "area"},
}


def load(**params: Any) -> RuleSpec:
    item = {"id": "fj", "kind": "formula", "description": "d", **params}
    return parse_rule(item, 0, "checks/x.yaml", registries())


def load_error(**params: Any) -> str:
    with pytest.raises(RuleSetError) as info:
        load(**params)
    return str(info.value)


def run_kind(rows: list[list[str]], extra: pd.DataFrame | None = None, **params: Any) -> RuleResult:
    reg = registries()
    table = normalise_facts(facts_frame(rows), reg)
    if extra is not None:
        table = pd.concat([table, extra], ignore_index=True)
    spec = load(**params)
    ctx = RuleContext(facts=table, registries=reg, settings=Settings(), rule=spec)
    return load_kinds()["formula"].check(ctx, spec.params)


# -- load-time validation -------------------------------------------------------------------------


def test_a_forbidden_construct_is_a_rule_set_error_naming_file_rule_and_key() -> None:
    message = load_error(facts=FUJIAN_FACTS, expression="pingtan.__class__ == total")
    assert message.startswith("checks/x.yaml:rules[fj].expression: column 1: attribute access")
    assert "`pingtan.__class__`" in message


def test_a_syntax_error_is_a_rule_set_error() -> None:
    message = load_error(facts=FUJIAN_FACTS, expression="pingtan + == total")
    assert message.startswith("checks/x.yaml:rules[fj].expression: column 11: invalid syntax")


def test_an_undeclared_variable_is_named_with_the_declared_ones() -> None:
    message = load_error(facts=FUJIAN_FACTS, expression="pingtan + xiamen + fuzou == total")
    assert "rules[fj].expression: column 20: unknown variable `fuzou`" in message
    assert "`fuzhou`" in message


def test_a_declared_but_unused_variable_is_an_error() -> None:
    message = load_error(facts=FUJIAN_FACTS, expression="pingtan + xiamen == total")
    assert message == (
        "checks/x.yaml:rules[fj].expression: "
        "declared variable(s) `fuzhou` not used in the expression"
    )


@pytest.mark.parametrize(
    ("name", "complaint"),
    [
        ("_hidden", "must be an identifier that does not start with `_`"),
        ("two words", "must be an identifier"),
        ("sum", "is a function of the formula grammar"),
    ],
)
def test_bad_variable_names_are_rejected(name: str, complaint: str) -> None:
    message = load_error(facts={name: {"metric": "area"}}, expression="a == 1")
    assert message.startswith("checks/x.yaml:rules[fj].facts: ")
    assert complaint in message


def test_selectors_of_variables_are_checked_against_the_registry() -> None:
    message = load_error(facts={"a": {"metric": "areas"}}, expression="a == 1")
    assert message == "checks/x.yaml:rules[fj].facts.a.metric: unknown metric `areas`"


def test_unknown_parameter_and_match_key_are_rejected() -> None:
    assert "rules[fj].percent: unknown key" in load_error(
        facts={"a": {"metric": "area"}}, expression="a == 1", percent=True
    )
    assert "rules[fj].match.0" in load_error(
        facts={"a": {"metric": "area"}}, expression="a == 1", match=["source"]
    )


# -- messages and facts ------------------------------------------------------------


def test_facts_of_a_check_put_the_right_side_first() -> None:
    result = run_kind(FUJIAN, facts=FUJIAN_FACTS, expression="pingtan + xiamen + fuzhou == total")
    row = result.outcomes.iloc[0]
    assert row["status"] == "ok"
    assert row["facts"] == ("total", "pingtan", "xiamen", "fuzhou")
    # shown in the total's unit: the right side is the stated interval, the left the computed one
    assert (row["stated_lo"], row["stated_hi"]) == pytest.approx((118.035, 118.045))
    assert (row["computed_lo"], row["computed_hi"]) == pytest.approx((117.53, 118.55))
    assert row["unit"] == "km2"


def test_the_unit_parameter_shows_both_sides_in_that_unit() -> None:
    rows = [
        HEADER,
        ["a", "z1", "amount", "2024", "600", "billion yuan", "exact"],
        ["b", "z2", "amount", "2024", "500", "billion yuan", "exact"],
        ["t", "zones", "amount", "2024", "1.3", "trillion yuan", "exact"],
    ]
    findings, _ = run_case({
        "kind": "formula",
        "facts": rows,
        "rule": {
            "facts": {"a": {"id": "a"}, "b": {"id": "b"}, "t": {"id": "t"}},
            "expression": "a + b == t * 1",
            "unit": "trillion yuan",
        },
    })
    assert len(findings) == 1
    assert findings[0].message == (
        "a 600 billion yuan + b 500 billion yuan = 1.099–1.101 trillion yuan "
        "vs t 1.3 trillion yuan * 1 = 1.25–1.35 trillion yuan: "
        "`==` cannot hold: the left side is 0.149 trillion yuan (11.46%) below the right side"
    )
    assert findings[0].stated is not None and findings[0].stated.unit == "trillion yuan"


def test_an_unknown_display_unit_is_rejected_when_the_rule_set_loads() -> None:
    from factlint.errors import RuleSetError

    with pytest.raises(RuleSetError, match=r"rules\[r0\]\.unit: unknown unit `acres`"):
        run_case({
            "kind": "formula",
            "facts": FUJIAN,
            "rule": {"facts": {"t": {"id": "total"}}, "expression": "t > 0", "unit": "acres"},
        })


def test_a_long_sum_lists_a_few_members_and_counts_the_rest() -> None:
    rows = [HEADER] + [
        [f"m{i}", "z1", "member_area", "2020", "10", "km2", "exact"] for i in range(9)
    ] + [["t", "zones", "area", "2020", "96", "km2", "exact"]]
    findings, _ = run_case({
        "kind": "formula",
        "facts": rows,
        "rule": {
            "facts": {"parts": {"metric": "member_area"}, "total": {"id": "t"}},
            "expression": "sum(parts) == total",
        },
    })
    (finding,) = findings
    shown = "sum(parts [10 km2, 10 km2, 10 km2, 10 km2, 10 km2, 10 km2, and 3 more])"
    assert f"{shown} = 85.5–94.5 km2 vs total 96 km2" in finding.message
    assert set(finding.facts) == {"t", *(f"m{i}" for i in range(9))}


def test_a_derived_value_is_shown_as_its_interval_and_traced_to_stated_facts() -> None:
    reg = registries()
    table = normalise_facts(facts_frame(FUJIAN), reg)
    spec = RuleSpec(
        id="share-rule", kind="share", severity=Severity.ERROR, description="d", params=None,
        file="checks/x.yaml",
    )
    ctx = RuleContext(facts=table, registries=reg, settings=Settings(), rule=spec)
    implied = derived_facts(
        ctx, subject=["zones"], metric=["area"], period=["2015"], start=["2015-01-01"],
        end=["2015-12-31"], unit=["km2"], interval=Interval.closed([120.0], [121.0]),
        derived_from=[("sh", "pt")], explanation=["implied by a share"],
    )
    result = run_kind(
        FUJIAN, extra=implied,
        facts={
            "parts": {"metric": "area", "member_of": "zones"},
            "whole": {"subject": "zones", "metric": "area", "derived": True},
        },
        expression="sum(parts) == whole",
    )
    row = result.outcomes.iloc[0]
    assert row["status"] == "discrepancy"
    assert row["facts"] == ("sh", "pt", "pingtan", "xiamen", "fuzhou")
    assert "vs whole 120–121 km2: `==` cannot hold" in row["message"]


# -- joins ----------------------------------------------------------------------


def test_each_combination_of_matching_facts_is_one_check() -> None:
    rows = [
        HEADER,
        ["x1", "z1", "exports", "2023", "0.5", "trillion yuan", "exact"],
        ["t1a", "z1", "trade", "2023", "1.1", "trillion yuan", "exact"],
        ["t1b", "z1", "trade", "2023", "0.3", "trillion yuan", "exact"],
        ["x2", "z2", "exports", "2023", "0.2", "trillion yuan", "exact"],
        ["t2", "z2", "trade", "2023", "0.3", "trillion yuan", "exact"],
        ["x2b", "z2", "exports", "2024", "0.2", "trillion yuan", "exact"],
    ]
    result = run_kind(
        rows, facts={"x": {"metric": "exports"}, "t": {"metric": "trade"}},
        match=["subject", "period"], expression="x <= t",
    )
    table = result.outcomes.set_index(result.outcomes["facts"].map(tuple))
    assert table.loc[[("t1a", "x1")], "status"].tolist() == ["ok"]
    assert table.loc[[("t1b", "x1")], "status"].tolist() == ["discrepancy"]
    assert table.loc[[("t2", "x2")], "status"].tolist() == ["ok"]
    assert table.loc[[("x2b",)], "status"].tolist() == ["unverifiable"]
    assert len(result.outcomes) == 4


def test_matching_by_period_alone_joins_across_subjects() -> None:
    rows = [
        HEADER,
        ["p23", "zones", "area", "2023", "100", "km2", "exact"],
        ["l23", "country", "land_area", "2023", "9.6", "million km2", "exact"],
        ["p24", "zones", "area", "2024", "100000", "km2", "exact"],
        ["l24", "country", "land_area", "2024", "9.6", "million km2", "exact"],
    ]
    result = run_kind(
        rows, facts={"zone": {"metric": "area"}, "land": {"metric": "land_area"}},
        match=["period"], expression="zone / land * 100 < 0.4",
    )
    statuses = dict(zip(result.outcomes["facts"], result.outcomes["status"], strict=True))
    assert statuses == {("p23", "l23"): "ok", ("p24", "l24"): "discrepancy"}


def test_variables_selected_by_id_get_their_own_facts() -> None:
    # a, b and c differ only in their ids (one pass over the table selects them all);
    # total's selector also names a metric
    facts = {
        "a": {"id": "pingtan"},
        "b": {"id": ["xiamen", "nowhere"]},
        "c": {"id": "fuzhou"},
        "total": {"id": "total", "metric": "area"},
    }
    result = run_kind(FUJIAN, facts=facts, expression="a + b + c == total")
    row = result.outcomes.iloc[0]
    assert len(result.outcomes) == 1
    assert row["status"] == "ok"
    assert row["facts"] == ("total", "pingtan", "xiamen", "fuzhou")
    missing = run_kind(FUJIAN, facts={**facts, "c": {"id": "nowhere"}}, expression="a + b + c == total")
    assert missing.outcomes["status"].tolist() == ["unverifiable"]
    assert "variable `c` select(s) no fact" in missing.outcomes["message"].iloc[0]


def test_a_rule_whose_variables_select_nothing_is_dead() -> None:
    findings, runs = run_case({
        "kind": "formula",
        "facts": FUJIAN,
        "rule": {"facts": {"t": {"metric": "trade"}}, "expression": "t > 0"},
    })
    assert [f.code for f in findings] == ["FL050"]
    assert runs[0].checks == 0


def test_the_kind_is_documented_for_explain() -> None:
    kind = load_kinds()["formula"]
    assert kind.code == "FL110"
    assert kind.summary == "A formula over named facts holds, with rounding taken into account."
    for part in ("Why:", "Failing example", "Passing example", "BASE units"):
        assert part in kind.doc
    for name, field in kind.params.model_fields.items():
        assert field.description, name
