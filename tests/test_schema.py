"""Schema validation: every bad cell of every row at once, each naming file, line and column."""

from __future__ import annotations

import re
from pathlib import Path

import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from factlint import schema
from factlint.cache import Cache, using
from factlint.project import load_project
from factlint.schema import _NUMBER, _plain_numbers, per_distinct, validate_facts

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


# -- the fast paths agree with the checks they stand in for -----------------------------------

NUMBER_PIECES = ["1", "0", "9", "-", ".", " ", "\t", "\n", "x", "\u0661", ","]


@settings(max_examples=500, deadline=None, database=None)
@given(values=st.lists(st.lists(st.sampled_from(NUMBER_PIECES), max_size=6).map("".join),
                       min_size=1, max_size=5))
def test_the_number_scan_vouches_only_for_numbers(values: list[str]) -> None:
    vouched = _plain_numbers(pd.Series(values, dtype="str"))
    if vouched:
        assert all(re.fullmatch(_NUMBER, v) for v in values)
    elif all(re.fullmatch(_NUMBER, v) for v in values):
        raise AssertionError(f"numbers as written, not vouched for: {values}")


def test_per_distinct_looks_at_each_value_once() -> None:
    seen: list[list[str]] = []

    def check(distinct: pd.Series) -> list[bool]:
        seen.append(distinct.tolist())
        return [v.startswith("a") for v in distinct]

    values = pd.Series(["ab", "b", "ab", "ac", "b"], dtype="str")
    assert per_distinct(values, check).tolist() == [True, False, True, True, False]
    assert seen == [["ab", "b", "ac"]]


def test_a_project_that_passed_passes_again_from_the_cache(
    mini_project: Path, tmp_path: Path
) -> None:
    cache = Cache(tmp_path / "cache")
    with using(cache):
        project = load_project(mini_project)
        source_ids = set(project.sources["id"])
        cold = validate_facts(project.facts, project.registries, source_ids)
        first = validate_facts(project.facts, project.registries, source_ids,
                               digests=project.inputs)
        assert len(list((tmp_path / "cache").glob("schema-*.json"))) == 1
        warm = validate_facts(project.facts, project.registries, source_ids,
                              digests=project.inputs)
    for findings, valid in (cold, first, warm):
        assert findings == [] and valid.all()


def test_rows_pandera_passes_after_a_doubt_pass_again_from_the_cache(
    mini_project: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    cache = Cache(tmp_path / "cache")
    doubts: list[int] = []

    def in_doubt(facts: pd.DataFrame, *args: object) -> bool:
        doubts.append(len(facts))
        return False  # as for a value the quick look cannot read: pandera decides

    monkeypatch.setattr(schema, "_every_row_passes", in_doubt)
    with using(cache):
        project = load_project(mini_project)
        for _ in range(2):
            findings, valid = validate_facts(
                project.facts, project.registries, set(project.sources["id"]),
                digests=project.inputs,
            )
            assert findings == [] and valid.all()
    assert len(doubts) == 1  # the second run found the first one's entry


def test_an_edited_table_is_validated_again(mini_project: Path, tmp_path: Path) -> None:
    with using(Cache(tmp_path / "cache")):
        project = load_project(mini_project)
        validate_facts(project.facts, project.registries, {"src"}, digests=project.inputs)
        findings, valid = findings_for(mini_project, BAD_ROWS)
        project = load_project(mini_project)
        again, _ = validate_facts(project.facts, project.registries, {"src"},
                                  digests=project.inputs)
    assert {f.code for f in again} == {f.code for f in findings} and not valid.all()
