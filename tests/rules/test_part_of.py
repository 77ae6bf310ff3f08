"""FL104 part_of: match shorthands, parameters and derived parts."""

from __future__ import annotations

from typing import Any

import pandas as pd
import pytest

from factlint.errors import RuleSetError
from factlint.findings import Severity, Status
from factlint.interval import Interval
from factlint.normalise import normalise_facts
from factlint.rules.base import RuleContext, RuleSpec, Settings, derived_facts
from factlint.rules.loader import parse_rule
from factlint.rules.part_of import PartOfParams, check

from .casekit import facts_frame, registries, run_case

HEADER = ["id", "subject", "metric", "period", "value", "unit", "qualifier"]
AREAS = [
    HEADER,
    ["bonded", "z1-ext", "area", "2017", "125", "km2", "exact"],
    ["zone", "z1", "area", "2017-03", "119.96", "km2", "exact"],
]


def test_match_member_alone_also_requires_the_same_period() -> None:
    case = {"kind": "part_of", "facts": AREAS,
            "rule": {"part": {"subject": "z1-ext"}, "whole": {"subject": "z1"}, "match": "member"}}
    findings, _ = run_case(case)
    assert [(f.facts, f.status) for f in findings] == [(("bonded",), Status.UNVERIFIABLE)]


def test_match_member_in_a_list_ignores_periods() -> None:
    case = {"kind": "part_of", "facts": AREAS,
            "rule": {"part": {"subject": "z1-ext"}, "whole": {"subject": "z1"},
                     "match": ["member"]}}
    findings, _ = run_case(case)
    assert [(f.facts, f.status) for f in findings] == [(("bonded", "zone"), Status.DISCREPANCY)]
    assert "`bonded` (125 km2) cannot exceed its whole `zone` (119.96 km2)" in findings[0].message


@pytest.mark.parametrize(
    ("params", "says"),
    [
        ({"match": ["member", "subject"]}, "do not combine"),
        ({"period": "later"}, "period"),
        ({"match": ["metric"]}, "match"),
        ({"whole": None}, "whole"),
    ],
)
def test_bad_parameters_are_rule_set_errors(params: dict[str, Any], says: str) -> None:
    item = {"id": "p", "kind": "part_of", "description": "d",
            "part": {"metric": "part_amount"}, "whole": {"metric": "amount"}, **params}
    with pytest.raises(RuleSetError) as err:
        parse_rule(item, 0, "checks/x.yaml", registries())
    assert says in str(err.value)


def test_a_derived_part_points_at_the_stated_facts_behind_it() -> None:
    reg = registries()
    whole = ["all", "zones", "amount", "2022", "222.52", "billion yuan", "exact"]
    table = normalise_facts(facts_frame([HEADER, whole]), reg)
    spec = RuleSpec(id="p", kind="part_of", severity=Severity.ERROR, description="d",
                    params=None, file="checks/x.yaml")
    ctx = RuleContext(facts=table, registries=reg, settings=Settings.model_validate({}), rule=spec)
    derived = derived_facts(
        ctx, subject=["zones"], metric=["part_amount"], period=["2022"],
        start=["2022-01-01"], end=["2022-12-31"], unit=["billion yuan"],
        interval=Interval.closed([230.0], [240.0]), derived_from=[("share", "total")],
        explanation=["implied by a share"],
    )
    ctx.facts = pd.concat([table, derived], ignore_index=True)
    params = PartOfParams.model_validate({"part": {"metric": "part_amount"},
                                          "whole": {"metric": "amount"}})
    out = check(ctx, params).outcomes
    assert out["facts"].tolist() == [("share", "total", "all")]
    assert out["status"].tolist() == ["discrepancy"]
    assert "`p#1` (230–240 billion yuan) cannot exceed its whole `all`" in out["message"].iloc[0]


def _run(rows: list[list[str]], **params: Any) -> pd.DataFrame:
    reg = registries()
    table = normalise_facts(facts_frame(rows), reg)
    spec = parse_rule({"id": "p", "kind": "part_of", "description": "d", **params}, 0,
                      "checks/x.yaml", reg)
    ctx = RuleContext(facts=table, registries=reg, settings=Settings(), rule=spec)
    return check(ctx, spec.params).outcomes


def test_the_pair_guard_counts_every_whole_selected_not_only_those_of_the_parts_subjects() -> None:
    # 110 parts x 100 wholes of z1 are 11,000 pairs: too many for 210 facts, but within
    # ten per fact once the 900 wholes of z2 (which pair with nothing) are counted too
    years = [str(y) for y in range(1900, 2010)]
    parts = [[f"p{y}", "z1", "part_amount", y, "1", "billion yuan", "exact"] for y in years]
    wholes = [[f"w{y}", "z1", "amount", y, "2", "billion yuan", "exact"] for y in years[:100]]
    others = [[f"o{k}", "z2", "amount", "2024", "2", "billion yuan", "exact"] for k in range(900)]
    params = {"part": {"metric": "part_amount"}, "whole": {"metric": "amount"}, "match": ["subject"]}
    out = _run([HEADER, *parts, *wholes, *others], **params)
    assert len(out) == 110 * 100 and set(out["status"]) == {"ok"}
    with pytest.raises(RuleSetError, match="pairs 11,000 facts"):
        _run([HEADER, *parts, *wholes, *others[:800]], **params)
