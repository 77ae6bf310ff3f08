"""Loading a project: what is loaded (texts, digests, the facts of every table with their
file and line) and which error is reported first when several inputs are broken: the
registries, then the source texts, then the fact tables. A loader that reads files
concurrently must keep both."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pandas as pd
import pytest

from factlint.cache import Cache, using
from factlint.errors import InputError, TableError
from factlint.project import facts_digest, is_fact_table, load_project, vocabularies_digest
from factlint.tables import CACHE_MIN_BYTES, read_table
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


def _large_table(root: Path) -> Path:
    """Make ``facts/table.csv`` large enough to be kept in the cache."""
    table = root / "facts" / "table.csv"
    header, *rows = MINI_FACTS.splitlines()
    many = [f"{i}-{row}" for i in range(CACHE_MIN_BYTES // 400) for row in rows]
    table.write_text("\n".join([header, *many]) + "\n", encoding="utf-8")
    assert table.stat().st_size >= CACHE_MIN_BYTES
    return table


def test_a_warm_load_gives_the_cold_load_and_the_digests_of_the_bytes_read(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    root = _project(tmp_path)
    table = _large_table(root)
    cold = load_project(root)
    store = Cache(tmp_path / "cache")
    for parse in (pd.read_csv, _no_parsing):  # the large table kept, then taken from there
        with using(store), monkeypatch.context() as patched:
            patched.setattr(pd, "read_csv", parse)
            warm = load_project(root)
        assert warm.facts.equals(cold.facts) and warm.inputs == cold.inputs
    last = cold.facts["id"].iloc[-1]
    table.write_bytes(table.read_bytes().replace(last.encode(), b"edited"))  # in its last chunk
    with using(store):
        edited = load_project(root)
    assert edited.inputs == {path: _sha256(root / path) for path in edited.inputs}
    assert "edited" in set(edited.facts["id"]) and last not in set(edited.facts["id"])


def _no_parsing(path: object, *args: object, **kwargs: object) -> pd.DataFrame:
    """``read_csv`` for the small tables only: the large one must come from the cache."""
    assert getattr(path, "getbuffer", lambda: b"")().nbytes < CACHE_MIN_BYTES, "parsed again"
    return _read_csv(path, *args, **kwargs)  # type: ignore[call-overload,no-any-return]


_read_csv = pd.read_csv


def test_errors_keep_their_order_when_a_cache_hashes_tables_first(tmp_path: Path) -> None:
    root = _project(tmp_path)
    table = _large_table(root)
    store = Cache(tmp_path / "cache")
    with using(store):
        load_project(root)
    table.write_bytes(table.read_bytes() + b"x,src\n")
    source = root / "facts" / "sources" / "second.txt"
    source.write_bytes(b"caf\xe9\n")
    with using(store), pytest.raises(InputError) as info:
        load_project(root)
    assert "facts/sources/second.txt" in str(info.value)
    source.write_text(EXTRA_SOURCE, encoding="utf-8")
    with using(store), pytest.raises(TableError, match="ragged") as table_info:
        load_project(root)
    assert "facts/table.csv" in str(table_info.value)


def test_tables_of_other_columns_join_with_empty_text_where_a_table_lacks_one(
    tmp_path: Path,
) -> None:
    """One table lacks `note` and has `reviewer`; the other, large enough to be kept in
    the cache, the reverse: each missing cell is empty text, loaded cold or warm."""
    root = _project(tmp_path)
    facts = root / "facts"
    header, *rows = MINI_FACTS.splitlines()
    (facts / "table-2.csv").write_text(
        "\n".join([header.replace(",note", ",reviewer")] + [r + "me" for r in rows]) + "\n",
        encoding="utf-8",
    )
    _large_table(root)
    parts = [read_table(facts / name, display=f"facts/{name}") for name in ("table-2.csv", "table.csv")]
    expected = pd.concat(parts, ignore_index=True, sort=False).fillna({"note": "", "reviewer": ""})
    store = Cache(tmp_path / "cache")
    for cache in (None, store, store):  # without a cache, cold, warm
        with using(cache):
            loaded = load_project(root).facts
        assert list(loaded.columns) == [*header.split(",")[:-1], "reviewer", "_file", "_line", "note"]
        assert loaded.equals(expected) and loaded.dtypes.equals(expected.dtypes)
    assert list((tmp_path / "cache").glob("table-*"))  # the large table came from the cache
    assert set(loaded["reviewer"].iloc[5:]) == {""} and set(loaded["note"].iloc[:5]) == {""}


def test_what_a_fact_rows_checks_depend_on_besides_the_row_has_one_digest(
    tmp_path: Path,
) -> None:
    """The vocabularies' digest changes with the sources table or a registry, not with a
    fact table or a source text; the facts' digest changes with any of the first three."""
    inputs = load_project(_project(tmp_path)).inputs
    assert sorted(p for p in inputs if is_fact_table(p)) == ["facts/table-2.csv", "facts/table.csv"]
    before = (vocabularies_digest(inputs), facts_digest(inputs))
    for path, changes in (
        ("facts/table.csv", (False, True)),
        ("facts/sources.csv", (True, True)),
        ("facts/units.yaml", (True, True)),
        ("facts/sources/second.txt", (False, False)),
    ):
        edited = {**inputs, path: "another digest"}
        after = (vocabularies_digest(edited), facts_digest(edited))
        assert tuple(a != b for a, b in zip(after, before, strict=True)) == changes, path
