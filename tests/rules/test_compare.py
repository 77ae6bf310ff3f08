"""FL102 compare: what the YAML cases cannot show (pair guard, self-pairs, parameters)."""

from __future__ import annotations

import pytest

from factlint.errors import RuleSetError
from factlint.findings import Severity, Status
from factlint.normalise import normalise_facts
from factlint.rules.base import RuleContext, RuleSpec, Settings
from factlint.rules.compare import CompareParams, check
from factlint.rules.loader import parse_rule

from .casekit import facts_frame, registries, run_case


def _facts(n: int, subject: str) -> list[list[str]]:
    return [[f"{subject}-{i}", subject, "amount", "2022", str(10 + i), "billion yuan", "exact"]
            for i in range(n)]


HEADER = ["id", "subject", "metric", "period", "value", "unit", "qualifier"]


def test_an_empty_match_over_ten_thousand_pairs_asks_for_match_keys() -> None:
    case = {
        "kind": "compare",
        "facts": [HEADER, *_facts(101, "z1"), *_facts(100, "z2")],
        "rule": {"left": {"subject": "z1"}, "right": {"subject": "z2"}, "op": "<=", "match": []},
    }
    findings, runs = run_case(case)
    assert runs[0].crashed
    assert [f.status for f in findings] == [Status.RULE_ERROR]
    assert "10,100 facts" in findings[0].message
    assert "add match keys" in findings[0].message


def test_just_under_the_guard_every_pair_is_checked() -> None:
    reg = registries()
    table = normalise_facts(facts_frame([HEADER, *_facts(100, "z1"), *_facts(100, "z2")]), reg)
    spec = RuleSpec(id="c", kind="compare", severity=Severity.ERROR, description="d",
                    params=None, file="checks/x.yaml")
    ctx = RuleContext(facts=table, registries=reg, settings=Settings.model_validate({}), rule=spec)
    params = CompareParams.model_validate(
        {"left": {"subject": "z1"}, "right": {"subject": "z2"}, "op": "<", "match": []}
    )
    out = check(ctx, params).outcomes
    assert len(out) == 10_000
    # "10+i" billion stands for [9.5+i, 10.5+i]: z1-i < z2-j can hold when i <= j (equal
    # written values included, thanks to rounding) and fails when i > j: 4,950 pairs
    assert (out["status"] == "discrepancy").sum() == 4950
    assert ("z1-1", "z2-0") in set(out.loc[out["status"] == "discrepancy", "facts"])


def test_a_fact_is_never_compared_with_itself() -> None:
    case = {
        "kind": "compare",
        "facts": [
            HEADER,
            ["a", "zones", "trade", "2024", "4.1", "trillion yuan", "exact"],
            ["b", "zones", "trade", "2024", "4.3", "trillion yuan", "exact"],
        ],
        "rule": {"left": {"metric": "trade"}, "right": {"metric": "trade"}, "op": "=="},
    }
    findings, runs = run_case(case)
    # a~b and b~a, never a~a
    assert runs[0].checks == 2
    assert sorted(f.facts for f in findings) == [("a", "b"), ("b", "a")]


@pytest.mark.parametrize(
    ("params", "where", "says"),
    [
        ({"match": ["subject", "subject"]}, "match", "must not repeat"),
        ({"match": ["region"]}, "match", "subject"),
        ({"op": "!="}, "op", "<"),
        ({"scale": 0}, "scale", "greater than 0"),
        ({"lefty": {"metric": "trade"}}, "lefty", "unknown key"),
    ],
)
def test_bad_parameters_name_the_key(params: dict[str, object], where: str, says: str) -> None:
    item = {
        "id": "cmp", "kind": "compare", "description": "d",
        "left": {"metric": "exports"}, "right": {"metric": "trade"}, "op": "<=", **params,
    }
    with pytest.raises(RuleSetError) as err:
        parse_rule(item, 0, "checks/x.yaml", registries())
    assert where in str(err.value)
    assert says in str(err.value)
