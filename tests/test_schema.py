"""Schema validation: every bad cell of every row at once, each naming file, line and column."""

from __future__ import annotations

from pathlib import Path

from factlint.project import load_project
from factlint.schema import validate_facts

BAD_ROWS = """id,source,quote,subject,metric,period,value,unit,qualifier
ok,src,q,zones,amount,2024-H1,103.96,billion yuan,exact
ok,src,q,zones,amount,2024-H1,1,billion yuan,exact
bad-src,nowhere,q,zones,amount,2024-H1,1,billion yuan,exact
bad-subject,src,q,atlantis,amount,2024-H1,1,billion yuan,exact
bad-metric,src,q,zones,happiness,2024-H1,1,billion yuan,exact
bad-unit,src,q,zones,amount,2024-H1,1,gold bars,exact
bad-period,src,q,zones,amount,2024-H3,1,billion yuan,exact
bad-value,src,q,zones,amount,2024-H1,"1,5",billion yuan,exact
bad-qualifier,src,q,zones,amount,2024-H1,1,billion yuan,roughly
empty-quote,src, ,zones,amount,2024-H1,1,billion yuan,exact
bad-dimension,src,q,zones,amount,2024-H1,1,km2,exact
range-ok,src,q,zones,amount,2024-H1,2-3,billion yuan,range
range-bad,src,q,zones,amount,2024-H1,2-3,billion yuan,exact
"""


def findings_for(project_dir: Path, rows: str):
    (project_dir / "facts" / "table.csv").write_text(rows, encoding="utf-8")
    project = load_project(project_dir)
    return validate_facts(project.facts, project.registries, set(project.sources["id"]))


def test_valid_table_has_no_findings(mini_project: Path) -> None:
    project = load_project(mini_project)
    findings, valid = validate_facts(project.facts, project.registries, {"src"})
    assert findings == []
    assert valid.all()


def test_every_bad_row_is_reported_at_once(mini_project: Path) -> None:
    findings, valid = findings_for(mini_project, BAD_ROWS)
    got = {(f.code, f.facts, f.column, f.line) for f in findings}
    expected = {
        ("FL009", ("ok",), "id", 2),
        ("FL009", ("ok",), "id", 3),
        ("FL001", ("bad-src",), "source", 4),
        ("FL002", ("bad-subject",), "subject", 5),
        ("FL003", ("bad-metric",), "metric", 6),
        ("FL004", ("bad-unit",), "unit", 7),
        ("FL005", ("bad-period",), "period", 8),
        ("FL006", ("bad-value",), "value", 9),
        ("FL007", ("bad-qualifier",), "qualifier", 10),
        ("FL008", ("empty-quote",), "quote", 11),
        ("FL010", ("bad-dimension",), "unit", 12),
        ("FL006", ("range-bad",), "value", 14),
    }
    assert got == expected
    assert all(f.file == "facts/table.csv" for f in findings)
    assert valid.tolist() == [False] * 11 + [True, False]


def test_messages_say_what_was_expected(mini_project: Path) -> None:
    findings, _ = findings_for(mini_project, BAD_ROWS)
    by_code = {f.code: f.message for f in findings}
    assert "'gold bars'" in by_code["FL004"] and "facts/units.yaml" in by_code["FL004"]
    assert "2024-H1" in by_code["FL005"]
    assert "km2" in by_code["FL010"] and "currency_cny" in by_code["FL010"]
    assert "more than once" in by_code["FL009"]
