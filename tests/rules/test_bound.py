"""FL101 bound: parameters, date bounds, transitive membership and displayed intervals."""

from __future__ import annotations

from typing import Any

import pytest

from factlint.errors import RuleSetError
from factlint.findings import Status
from factlint.rules.loader import parse_rule

from .casekit import registries, run_case

HEADER = ["id", "subject", "metric", "period", "value", "unit", "qualifier"]


def _rule(**params: Any) -> dict[str, Any]:
    return {"id": "b", "kind": "bound", "description": "d", "select": {"metric": "area"}, **params}


@pytest.mark.parametrize(
    ("params", "says"),
    [
        ({"op": "<", "value": 120}, "both `value` and `unit`"),
        ({"op": "<", "unit": "km2"}, "both `value` and `unit`"),
        ({"op": "<"}, "exactly one bound"),
        ({"op": "<", "value": 1, "unit": "km2", "against": {"metric": "member_area"}},
         "exactly one bound"),
        ({"op": "<", "value": 1, "unit": "km2", "match": ["subject"]}, "only applies"),
        ({"op": "<", "value": "120", "unit": "km2"}, "ISO date"),
        ({"op": "<", "against": {"metric": "member_area"}, "match": ["member", "subject"]},
         "do not combine"),
        ({"op": "=<", "value": 1, "unit": "km2"}, "op"),
    ],
)
def test_bad_parameters_are_rule_set_errors(params: dict[str, Any], says: str) -> None:
    with pytest.raises(RuleSetError) as err:
        parse_rule(_rule(**params), 0, "checks/x.yaml", registries())
    assert says in str(err.value)
    assert "checks/x.yaml:rules[b]" in str(err.value)


def test_a_date_bound_compares_days_and_reports_the_gap_in_days() -> None:
    case = {
        "kind": "bound",
        "facts": [
            HEADER,
            ["early", "z1", "approved_on", "2019-08-26", "2019-08-26", "date", "exact"],
            ["late", "z2", "approved_on", "2020-03-01", "2020-03-01", "date", "exact"],
        ],
        "rule": {"select": {"metric": "approved_on"}, "op": "<", "value": "2020-01-01",
                 "unit": "date"},
    }
    findings, runs = run_case(case)
    assert runs[0].checks == 2
    assert [(f.facts, f.status) for f in findings] == [(("late",), Status.DISCREPANCY)]
    assert findings[0].message.endswith("it lies above by at least 60 days")


def test_membership_is_transitive_an_area_of_a_zone_is_bounded_by_the_zone_set() -> None:
    case = {
        "kind": "bound",
        "facts": [
            HEADER,
            ["each", "zones", "member_area", "2020", "120", "km2", "less_than"],
            ["ext", "z1-ext", "area", "2020", "130", "km2", "exact"],
        ],
        "rule": {"select": {"metric": "area"}, "against": {"metric": "member_area"},
                 "match": "member", "op": "=="},
    }
    findings, _ = run_case(case)
    assert [(f.facts, f.status) for f in findings] == [(("ext", "each"), Status.DISCREPANCY)]


def test_the_bound_is_shown_in_the_stated_facts_unit() -> None:
    case = {
        "kind": "bound",
        "facts": [HEADER, ["trade", "zones", "trade", "2024", "4200", "billion yuan", "exact"]],
        "rule": {"select": {"metric": "trade"}, "op": "<=", "value": 4.1,
                 "unit": "trillion yuan"},
    }
    (finding,), _ = run_case(case)
    assert finding.stated is not None and finding.computed is not None
    assert (finding.stated.lo, finding.stated.hi, finding.stated.unit) == (
        4199.5, 4200.5, "billion yuan",
    )
    assert finding.computed.lo == pytest.approx(4100)
    assert finding.computed.unit == "billion yuan"
    assert finding.gap == pytest.approx(99.5)
    assert "by at least 99.5 billion yuan" in finding.message


def test_a_constant_in_an_unknown_unit_is_rejected_when_the_rule_set_loads() -> None:
    import pytest

    from factlint.errors import RuleSetError
    from tests.rules.casekit import run_case

    with pytest.raises(RuleSetError, match=r"rules\[r0\]\.unit: unknown unit `per-cent`"):
        run_case({
            "kind": "bound",
            "facts": [
                ["id", "subject", "metric", "period", "value", "unit", "qualifier"],
                ["share", "zones", "area_share", "2024-H1", "0.38", "percent", "exact"],
            ],
            "rule": {"select": {"metric": "area_share"}, "op": "<", "value": 0.4,
                     "unit": "per-cent"},
        })
