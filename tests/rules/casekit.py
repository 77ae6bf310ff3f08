"""Run the YAML pass/fail cases of a rule kind through the real engine path.

A case file ``cases/<kind>.yaml`` holds::

    kind: share
    cases:
      - name: rounding stays consistent
        facts:                       # header row, then one row per fact
          - [id, subject, metric, period, value, unit, qualifier]
          - [p, zones, amount, 2024-H1, "103.96", billion yuan, exact]
        before: [{kind: members, ...}]   # optional rules run first (their derived values feed the rule)
        rule: {select: {metric: amount_share}}
        settings: {approx_tolerance: 0.05}   # optional
        expect: []                   # no finding: every check passed ...
        checks: 2                    # ... and (optionally) exactly this many checks ran
      - name: a wrong share fails
        ...
        expect:
          - {status: discrepancy, facts: [p, s, w]}   # each expected finding (facts as a set)
          - {status: unverifiable, facts: [s]}

Every pass case must evaluate at least one check, so a case cannot pass by
checking nothing.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pandas as pd
import yaml

from factlint.engine import run_rules
from factlint.normalise import normalise_facts
from factlint.registry import Registries, load_registries
from factlint.rules.base import Settings
from factlint.rules.loader import RuleSet, parse_rule

HERE = Path(__file__).parent
CASES = HERE / "cases"


def registries() -> Registries:
    return load_registries(HERE / "registry")


def load_cases(kind_file: Path) -> list[dict[str, Any]]:
    data = yaml.safe_load(kind_file.read_text(encoding="utf-8"))
    cases: list[dict[str, Any]] = data["cases"]
    for case in cases:
        case.setdefault("kind", data["kind"])
    return cases


def facts_frame(rows: list[list[Any]]) -> pd.DataFrame:
    header, *body = rows
    frame = pd.DataFrame([[str(v) for v in row] for row in body], columns=header)
    for column, default in (("source", "test"), ("quote", "q"), ("note", "")):
        if column not in frame:
            frame[column] = default
    frame["_file"] = "facts/case.csv"
    frame["_line"] = range(2, len(frame) + 2)
    return frame


def run_case(case: dict[str, Any]) -> tuple[list[Any], list[Any]]:
    """Return (findings, rule runs) for a case."""
    reg = registries()
    stated = facts_frame(case["facts"])
    settings = Settings.model_validate(case.get("settings", {}))
    table = normalise_facts(stated, reg, approx_tolerance=settings.approx_tolerance)
    specs = []
    for index, raw in enumerate([*case.get("before", []), {"kind": case["kind"], **case["rule"]}]):
        item = {"id": f"r{index}", "description": "case rule", **raw}
        specs.append(parse_rule(item, index, "checks/case.yaml", reg))
    rule_set = RuleSet(settings=settings, rules=tuple(specs), files=("checks/case.yaml",))
    findings, _, runs = run_rules(rule_set, reg, table, stated)
    last = specs[-1].id
    return [f for f in findings if f.rule == last], [r for r in runs if r.rule.id == last]


def all_cases() -> list[Any]:
    import pytest

    params = []
    for path in sorted(CASES.glob("*.yaml")):
        for case in load_cases(path):
            params.append(pytest.param(case, id=f"{path.stem}: {case['name']}"))
    return params
