"""Rule sets as a user writes them: bad rules stop the run with one line; odd rules are findings."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from factlint.cli import main


def write_rules(project: Path, body: str) -> None:
    (project / "checks" / "r.yaml").write_text(body, encoding="utf-8")


def run_json(project: Path, capsys: pytest.CaptureFixture[str]) -> tuple[int, dict, str]:
    code = main(["check", str(project), "--format", "json", "--no-report"])
    out, err = capsys.readouterr()
    return code, (json.loads(out) if out.strip() else {}), err


@pytest.mark.parametrize(
    ("body", "place"),
    [
        ("rules:\n  - {id: a, kind: share, description: d, select: {metric: nope}}\n",
         "rules[a].select.metric: unknown metric `nope`"),
        ("rules:\n  - {id: a, kind: share, description: d, select: {subject: mars}}\n",
         "rules[a].select.subject: unknown entity `mars`"),
        ("rules:\n  - {id: a, kind: share, description: d, select: {subject_kind: planet}}\n",
         "rules[a].select.subject_kind: no entity is of kind `planet`; kinds in the registry:"),
        ("rules:\n  - {id: a, kind: bound, description: d, select: {metric: amount}, op: '<',"
         " value: 1, unit: furlong}\n", "rules[a].unit: unknown unit `furlong`"),
        ("rules:\n  - {id: a, kind: share, description: d, colour: red}\n",
         "rules[a].colour: unknown key for kind `share`"),
        ("rules:\n  - {id: a, kind: formula, description: d, facts: {x: {id: amt}},"
         " expression: 'x +'}\n", "rules[a].expression"),
        ("rules:\n  - {id: a, kind: formula, description: d, facts: {x: {id: amt}},"
         " expression: 'x.__class__ == 1'}\n", "attribute access"),
        ("rules:\n  - {id: a, kind: formula, description: d, facts: {x: {id: amt}},"
         " expression: \"__import__('os') == 1\"}\n", "rules[a].expression"),
        ("rules:\n  - {id: a, kind: share, description: d}\n"
         "  - {id: a, kind: share, description: d}\n", "duplicate rule id"),
        ("rules:\n  - {id: a, kind: share}\n", "rules[a].description"),
    ],
)
def test_bad_rules_exit_2_naming_file_rule_and_key(
    mini_project: Path, capsys: pytest.CaptureFixture[str], body: str, place: str
) -> None:
    write_rules(mini_project, body)
    code, _, err = run_json(mini_project, capsys)
    assert code == 2, err
    assert err.startswith("factlint: checks/r.yaml:") and place in err
    assert err.count("\n") == 1 and "Traceback" not in err


def test_a_rule_selecting_nothing_is_a_dead_rule(mini_project: Path, capsys) -> None:
    write_rules(mini_project, "rules:\n  - {id: a, kind: agreement, description: d,"
                              " select: {id: no-such-fact}}\n")
    code, data, _ = run_json(mini_project, capsys)
    dead = [f for f in data["findings"] if f["code"] == "FL050"]
    assert code == 1 and dead and dead[0]["rule"] == "a" and dead[0]["file"] == "checks/r.yaml"


def test_division_by_an_interval_containing_zero_is_a_finding(mini_project: Path, capsys) -> None:
    table = mini_project / "facts" / "table.csv"
    table.write_text(
        table.read_text() + "zero,src,in the 3 zones,zones,zone_count,2024-H2,0,count,exact,\n"
    )
    write_rules(mini_project, "rules:\n  - {id: a, kind: formula, description: d,"
                              " facts: {x: {id: amt}, z: {id: zero}}, expression: 'x / z == 1'}\n")
    code, data, _ = run_json(mini_project, capsys)
    mine = [f for f in data["findings"] if f["rule"] == "a"]
    assert code == 1 and mine and mine[0]["status"] == "rule_error"
    assert set(mine[0]["facts"]) == {"amt", "zero"}


def test_a_crashing_rule_does_not_stop_the_others(mini_project: Path, capsys, monkeypatch) -> None:
    from factlint.rules import KINDS, RuleKind

    def boom(ctx, params):
        raise ZeroDivisionError("kaboom")

    monkeypatch.setitem(KINDS, "share", RuleKind("FL103", "share", KINDS["share"].params, boom))
    write_rules(mini_project, "rules:\n  - {id: a, kind: share, description: d}\n"
                              "  - {id: b, kind: agreement, description: d}\n")
    code, data, _ = run_json(mini_project, capsys)
    crashed = [f for f in data["findings"] if f["code"] == "FL051"]
    assert code == 1 and [f["rule"] for f in crashed] == ["a"] and "kaboom" in crashed[0]["message"]
    assert next(r for r in data["rules"] if r["id"] == "b")["checks"] >= 0
    assert next(r for r in data["rules"] if r["id"] == "a")["crashed"] is True
