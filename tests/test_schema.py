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
from factlint.tables import FILE_COLUMN

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
        # the project's verdict, and that of its parts (its tables, its ids)
        assert len(list((tmp_path / "cache").glob("schema-*.json"))) == 2
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


# -- after an edit, the tables left as they were are not looked at again ------------------------

OTHER_TABLE = """id,source,quote,subject,metric,period,value,unit,qualifier,note
zones-count,src,in the 3 zones,zones,zone_count,2024-H1,3,count,exact,
"""


def two_tables(project_dir: Path) -> Path:
    """The mini project with a second table, ``facts/other.csv``; returns that table."""
    other = project_dir / "facts" / "other.csv"
    other.write_text(OTHER_TABLE, encoding="utf-8")
    return other


def validated(project_dir: Path) -> tuple[list, pd.Series]:
    project = load_project(project_dir)
    return validate_facts(project.facts, project.registries, set(project.sources["id"]),
                          digests=project.inputs)


def files_looked_at(monkeypatch: pytest.MonkeyPatch) -> list[set[str]]:
    """The files of the rows each quick look of the schema goes through, from now on."""
    looked: list[set[str]] = []
    quick_look = schema._every_row_passes

    def recording(facts: pd.DataFrame, *args: object) -> bool:
        looked.append(set(facts[FILE_COLUMN]))
        return quick_look(facts, *args)

    monkeypatch.setattr(schema, "_every_row_passes", recording)
    return looked


def test_after_an_edit_only_the_edited_tables_rows_are_checked_again(
    mini_project: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    other = two_tables(mini_project)
    with using(Cache(tmp_path / "cache")):
        assert validated(mini_project)[0] == []
        other.write_text(OTHER_TABLE.replace("exact,", "exact,a note"), encoding="utf-8")
        looked = files_looked_at(monkeypatch)
        findings, valid = validated(mini_project)
    assert findings == [] and valid.all()
    assert looked == [{"facts/other.csv"}]


def test_an_id_an_edit_repeats_from_a_table_left_as_it_was_is_reported(
    mini_project: Path, tmp_path: Path
) -> None:
    other = two_tables(mini_project)
    with using(Cache(tmp_path / "cache")):
        validated(mini_project)
        other.write_text(OTHER_TABLE.replace("zones-count,", "AMT,"), encoding="utf-8")
        findings, valid = validated(mini_project)
    assert {(f.code, f.file, f.facts) for f in findings} == {
        ("FL009", "facts/table.csv", ("amt",)), ("FL009", "facts/other.csv", ("AMT",)),
    }
    assert findings == validated(mini_project)[0]  # as without a cache
    assert (~valid).sum() == 2


def test_an_edit_that_changes_no_id_does_not_look_at_their_uniqueness(
    mini_project: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    other = two_tables(mini_project)
    with using(Cache(tmp_path / "cache")):
        validated(mini_project)
        other.write_text(OTHER_TABLE.replace(",3,count", ",4,count"), encoding="utf-8")

        def unlooked(ids: pd.Series) -> bool:
            raise AssertionError("the ids were looked at although none changed")

        monkeypatch.setattr(schema, "_ids_distinct", unlooked)
        findings, valid = validated(mini_project)
    assert findings == [] and valid.all()


def test_a_table_left_as_it_was_is_checked_again_when_the_sources_change(
    mini_project: Path, tmp_path: Path
) -> None:
    two_tables(mini_project)
    with using(Cache(tmp_path / "cache")):
        validated(mini_project)
        sources = mini_project / "facts" / "sources.csv"
        sources.write_text(sources.read_text(encoding="utf-8").replace("\nsrc,", "\nother,"),
                           encoding="utf-8")
        findings, valid = validated(mini_project)
    assert {f.file for f in findings if f.code == "FL001"} == {
        "facts/table.csv", "facts/other.csv"
    }
    assert not valid.any()


@pytest.mark.parametrize(
    "stored",
    ["{not json", "[]", '{"tables": "a key", "ids": 7}', '{"tables": [1, null], "ids": [[]]}'],
    ids=["not JSON", "a list", "not lists", "not keys"],
)
def test_a_damaged_entry_of_passed_parts_is_a_miss(
    mini_project: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, stored: str
) -> None:
    other = two_tables(mini_project)
    with using(Cache(tmp_path / "cache")):
        validated(mini_project)
        (entry,) = (tmp_path / "cache").glob("schema-*-parts.json")
        entry.write_text(stored, encoding="utf-8")
        other.write_text(OTHER_TABLE.replace("exact,", "exact,a note"), encoding="utf-8")
        looked = files_looked_at(monkeypatch)
        findings, valid = validated(mini_project)
        assert findings == [] and valid.all()
        assert looked == [{"facts/table.csv", "facts/other.csv"}]  # every row, as on a miss
        # the parts were stored afresh: the next edit looks at the edited table only
        other.write_text(OTHER_TABLE.replace("exact,", "exact,another note"), encoding="utf-8")
        assert validated(mini_project)[0] == [] and looked[1:] == [{"facts/other.csv"}]


def test_a_row_an_edit_breaks_is_reported_though_the_other_tables_passed(
    mini_project: Path, tmp_path: Path
) -> None:
    two_tables(mini_project)  # read before facts/table.csv
    table = mini_project / "facts" / "table.csv"
    with using(Cache(tmp_path / "cache")):
        validated(mini_project)
        text = table.read_text(encoding="utf-8")
        assert text.endswith(",3,count,exact,\n")
        table.write_text(text.replace(",3,count,exact,\n", ",3,gold bars,exact,\n"),
                         encoding="utf-8")
        findings, valid = validated(mini_project)
    assert [(f.code, f.file, f.line) for f in findings] == [("FL004", "facts/table.csv", 6)]
    assert valid.tolist() == [True] * 5 + [False]
