"""Loading a project: what is loaded (texts, digests, the facts of every table with their
file and line) and which error is reported first when several inputs are broken: the
registries, then the source texts, then the fact tables. A loader that reads files
concurrently must keep both."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest

from factlint.errors import InputError, TableError
from factlint.project import load_project
from tests.conftest import MINI_FACTS, write_mini_project

EXTRA_SOURCE = "Second release: the 3 zones reached 4.1 trillion yuan.\n"


def _project(tmp_path: Path) -> Path:
    """The mini project with two sources and two fact tables."""
    root = write_mini_project(tmp_path / "mini")
    facts = root / "facts"
    with (facts / "sources.csv").open("a", encoding="utf-8") as sources:
        sources.write("second,Another release,Test ministry,2024-10-01,,en\n")
    (facts / "sources" / "second.txt").write_text(EXTRA_SOURCE, encoding="utf-8")
    (facts / "table-2.csv").write_text(
        MINI_FACTS.replace("amt,", "amt2,", 1).replace("trade,src", "trade2,second", 1),
        encoding="utf-8",
    )
    return root


def _sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def test_a_project_loads_as_one_file_after_another(tmp_path: Path) -> None:
    root = _project(tmp_path)
    project = load_project(root)
    assert list(project.inputs) == [
        "facts/sources.csv",
        "facts/units.yaml", "facts/metrics.yaml", "facts/entities.yaml",
        "facts/sources/src.txt", "facts/sources/second.txt",
        "facts/table-2.csv", "facts/table.csv",
    ]
    assert project.inputs == {path: _sha256(root / path) for path in project.inputs}
    assert project.source_texts["second"] == EXTRA_SOURCE
    assert project.facts["_file"].tolist() == ["facts/table-2.csv"] * 5 + ["facts/table.csv"] * 5
    assert project.facts["_line"].tolist() == [2, 3, 4, 5, 6] * 2
    assert project.facts["id"].iloc[0] == "amt2"


def test_a_broken_source_is_reported_before_a_broken_table(tmp_path: Path) -> None:
    root = _project(tmp_path)
    (root / "facts" / "sources" / "second.txt").write_bytes(b"caf\xe9\n")
    (root / "facts" / "table.csv").write_text(MINI_FACTS + "x,src\n", encoding="utf-8")
    with pytest.raises(InputError) as info:
        load_project(root)
    assert "facts/sources/second.txt" in str(info.value)
    assert "not valid UTF-8" in str(info.value)


def test_a_broken_registry_is_reported_before_a_broken_source(tmp_path: Path) -> None:
    root = _project(tmp_path)
    (root / "facts" / "sources" / "second.txt").write_bytes(b"caf\xe9\n")
    (root / "facts" / "units.yaml").write_text("units: {}\n", encoding="utf-8")
    with pytest.raises(InputError) as info:
        load_project(root)
    assert "facts/units.yaml" in str(info.value)


def test_a_broken_table_is_reported_when_the_sources_are_fine(tmp_path: Path) -> None:
    root = _project(tmp_path)
    (root / "facts" / "table.csv").write_text(MINI_FACTS + "x,src\n", encoding="utf-8")
    with pytest.raises(TableError, match="ragged") as info:
        load_project(root)
    assert "facts/table.csv" in str(info.value)
