"""Every rule kind's YAML pass/fail cases, run by one generic test."""

from __future__ import annotations

from typing import Any

import pytest

from factlint.findings import Status
from factlint.rules import load_kinds

from .casekit import all_cases, run_case


@pytest.mark.parametrize("case", all_cases())
def test_case(case: dict[str, Any]) -> None:
    findings, runs = run_case(case)
    crashed = [f.message for f in findings if f.code in ("FL050", "FL051")]
    expected = case.get("expect", [])
    if not any(e.get("status") == "rule_error" for e in expected):
        assert not crashed, crashed
    got = sorted((f.status.value, tuple(sorted(f.facts))) for f in findings)
    want = sorted((e["status"], tuple(sorted(e["facts"]))) for e in expected)
    assert got == want, "\n".join(f"{f.status.value} {f.facts}: {f.message}" for f in findings)
    if "checks" in case:
        assert runs[0].checks == case["checks"]
    if not expected:
        assert runs[0].checks >= 1, "a passing case must evaluate at least one check"
    for e, f in zip(
        sorted(expected, key=lambda e: (e["status"], sorted(e["facts"]))),
        sorted(findings, key=lambda f: (f.status.value, sorted(f.facts))),
        strict=True,
    ):
        if "message" in e:
            assert e["message"] in f.message
        if "culprit" in e:
            assert f.culprit == e["culprit"]
    for f in findings:
        if f.status is Status.DISCREPANCY:
            assert f.message and f.facts, "a discrepancy names its facts and says why"


def test_every_kind_has_passing_and_failing_cases() -> None:
    kinds = load_kinds()
    by_kind: dict[str, set[bool]] = {}
    for param in all_cases():
        case = param.values[0]
        by_kind.setdefault(case["kind"], set()).add(bool(case.get("expect")))
    for name in kinds:
        assert by_kind.get(name) == {True, False}, f"kind `{name}` needs passing and failing cases"
