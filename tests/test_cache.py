"""The run cache: a warm run says exactly what a cold run says, and edits are never missed."""

from __future__ import annotations

import datetime as dt
import multiprocessing
import os
import subprocess
import sys
import zlib
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest

from factlint import provenance
from factlint.cache import Cache, default_directory, text_array, using
from factlint.engine import run_check
from factlint.provenance import ProvenanceCheck, check_provenance
from factlint.yamlio import CACHE_MIN_CHARS, load_yaml_text
from tests.conftest import entry_header, forge_entry, rewrite_entry

TODAY = dt.date(2026, 11, 22)


def summary(root: Path, cache: Cache | None) -> list[tuple[str, str, tuple[str, ...]]]:
    result = run_check(root, today=TODAY, cache=cache)
    return [(f.code, f.message, f.facts) for f in result.findings]


def test_a_warm_run_reports_what_a_cold_run_reports(bundled_project: Path, tmp_path: Path) -> None:
    cache = Cache(tmp_path / "cache")
    cold = summary(bundled_project, None)
    first = summary(bundled_project, cache)
    assert any(p.name.startswith("provenance-") for p in (tmp_path / "cache").iterdir())
    assert summary(bundled_project, cache) == first == cold


def test_a_quote_edited_after_a_warm_run_is_checked_again(
    bundled_project: Path, tmp_path: Path
) -> None:
    cache = Cache(tmp_path / "cache")
    assert not [f for f in summary(bundled_project, cache) if f[0].startswith("FL02")]
    table = bundled_project / "facts" / "scio-2024-09-10.csv"
    text = table.read_text(encoding="utf-8")
    assert "20.8%" in text
    table.write_text(text.replace("20.8%", "20.9%", 1), encoding="utf-8")
    broken = [f for f in summary(bundled_project, cache) if f[0].startswith("FL02")]
    assert "FL021" in [f[0] for f in broken]  # the quote no longer occurs in its source


def test_a_source_edited_after_a_warm_run_is_checked_again(
    bundled_project: Path, tmp_path: Path
) -> None:
    cache = Cache(tmp_path / "cache")
    summary(bundled_project, cache)
    source = bundled_project / "facts" / "sources" / "scio-2024-09-10.txt"
    text = source.read_text(encoding="utf-8")
    assert "20.8%" in text
    source.write_text(text.replace("20.8%", "20.9%"), encoding="utf-8")
    assert [f[0] for f in summary(bundled_project, cache) if f[0].startswith("FL02")]


def test_malformed_or_foreign_cache_files_are_ignored(
    bundled_project: Path, tmp_path: Path
) -> None:
    directory = tmp_path / "cache"
    cache = Cache(directory)
    cold = summary(bundled_project, None)
    summary(bundled_project, cache)
    for entry in directory.iterdir():
        entry.write_bytes(b"\x93NUMPY garbage" if entry.suffix == ".npy" else b"{not json")
    assert summary(bundled_project, cache) == cold
    # a pickled array is refused, never unpickled
    for entry in directory.glob("*.npy"):
        np.save(entry, np.array([object()], dtype=object), allow_pickle=True)
    assert summary(bundled_project, cache) == cold


def test_an_unwritable_cache_costs_time_never_a_result(
    bundled_project: Path, tmp_path: Path
) -> None:
    blocker = tmp_path / "not-a-directory"
    blocker.write_text("a file where the cache directory should be", encoding="utf-8")
    assert summary(bundled_project, Cache(blocker / "cache")) == summary(bundled_project, None)


def test_the_cache_lives_outside_the_project(
    bundled_project: Path, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.delenv("FACTLINT_CACHE_DIR", raising=False)
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    assert default_directory() == tmp_path / "xdg" / "factlint"
    monkeypatch.setenv("FACTLINT_CACHE_DIR", str(tmp_path / "explicit"))
    assert default_directory() == tmp_path / "explicit"
    before = sorted(p.relative_to(bundled_project) for p in bundled_project.rglob("*"))
    summary(bundled_project, Cache(default_directory()))
    assert sorted(p.relative_to(bundled_project) for p in bundled_project.rglob("*")) == before


def big_yaml(entry: str) -> str:
    text = "entities:\n" + "\n".join(entry.format(i=i) for i in range(5000)) + "\n"
    assert len(text) >= CACHE_MIN_CHARS
    return text


def test_cached_yaml_comes_back_with_its_types(tmp_path: Path) -> None:
    text = big_yaml("- {{id: e{i}, since: 2013-09-29, size: {i}, share: 0.5, open: yes, x: ~}}")
    cold = load_yaml_text(text, "entities.yaml")
    with using(Cache(tmp_path)):
        first = load_yaml_text(text, "entities.yaml")
        warm = load_yaml_text(text, "entities.yaml")
    assert len(list(tmp_path.glob("yaml-*.json"))) == 1
    assert warm == first == cold
    entity = warm["entities"][7]
    assert entity == {
        "id": "e7", "since": dt.date(2013, 9, 29), "size": 7, "share": 0.5, "open": True, "x": None
    }


def test_yaml_that_json_cannot_hold_is_not_cached(tmp_path: Path) -> None:
    text = big_yaml("- {{id: e{i}, on: 1}}")  # YAML 1.1: the key `on` is the boolean True
    with using(Cache(tmp_path)):
        first = load_yaml_text(text, "entities.yaml")
        again = load_yaml_text(text, "entities.yaml")
    assert not list(tmp_path.glob("yaml-*.json"))
    assert again == first and first["entities"][0] == {"id": "e0", True: 1}


_MANY_SOURCE = {"s": "Trade reached 4.1 trillion yuan. Less than 0.4% of land. 22 zones."}


def _many_quotes() -> pd.DataFrame:
    rows = [
        ("ok", "Trade reached 4.1 trillion yuan", "4.1", "trillion yuan", "exact"),
        ("wrong", "Less than 0.4% of land", "0.4", "percent", "exact"),
        ("count", "22 zones", "22", "count", "exact"),
    ] * 40
    frame = pd.DataFrame(rows, columns=["id", "quote", "value", "unit", "qualifier"])
    frame["id"] = [f"{row[0]}-{i}" for i, row in enumerate(rows)]
    frame["source"] = "s"
    frame["_file"] = "facts/t.csv"
    frame["_line"] = range(2, len(frame) + 2)
    return frame


def test_many_quotes_are_read_by_several_processes_with_the_same_verdicts(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    frame = _many_quotes()
    serial = check_provenance(frame, _MANY_SOURCE, jobs=1)
    monkeypatch.setattr(provenance, "POOL_MIN_FIGURES", 1)
    pooled = check_provenance(frame, _MANY_SOURCE, jobs=2)
    assert pooled == serial
    assert sorted({f.facts[0].split("-")[0] for f in serial}) == ["wrong"]
    assert multiprocessing.active_children() == []  # the workers are gone


def test_quotes_are_read_in_the_background_until_the_check_completes_or_is_abandoned(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    frame = _many_quotes()
    serial = check_provenance(frame, _MANY_SOURCE, jobs=1)
    monkeypatch.setattr(provenance, "POOL_MIN_FIGURES", 1)
    begun = ProvenanceCheck(frame, _MANY_SOURCE, jobs=2)
    assert multiprocessing.active_children() == []  # nothing read before it is begun
    begun.begin()
    assert len(multiprocessing.active_children()) == 2  # reading while the caller goes on
    assert begun.findings() == serial
    assert multiprocessing.active_children() == []
    abandoned = ProvenanceCheck(frame, _MANY_SOURCE, jobs=2)
    abandoned.begin()
    abandoned.close()  # as the engine does when the schema or the rules raise
    assert multiprocessing.active_children() == []
    unbegun = ProvenanceCheck(frame, _MANY_SOURCE, jobs=2)
    assert unbegun.findings() == serial  # read here
    assert multiprocessing.active_children() == []


def test_the_command_line_uses_the_cache_and_can_be_told_not_to(tmp_path: Path) -> None:
    root = Path(__file__).resolve().parents[1]
    env = {**os.environ, "FACTLINT_CACHE_DIR": str(tmp_path / "cache")}
    command = [sys.executable, "-m", "factlint.cli", "check", str(root), "--no-report", "-f", "json"]
    subprocess.run([*command, "--no-cache"], env=env, check=True, capture_output=True)
    assert not (tmp_path / "cache").exists()
    subprocess.run(command, env=env, check=True, capture_output=True)
    assert any((tmp_path / "cache").glob("provenance-*.npy"))


def test_a_broken_quote_is_reported_on_every_warm_run(
    bundled_project: Path, tmp_path: Path
) -> None:
    table = bundled_project / "facts" / "scio-2024-09-10.csv"
    table.write_text(
        table.read_text(encoding="utf-8").replace("20.8%", "20.9%", 1), encoding="utf-8"
    )
    cache = Cache(tmp_path / "cache")
    runs = [summary(bundled_project, cache) for _ in range(3)]
    assert runs[0] == runs[1] == runs[2] == summary(bundled_project, None)
    assert "FL021" in [f[0] for f in runs[2]]


def test_a_value_broken_after_a_warm_run_fails_the_schema_again(
    bundled_project: Path, tmp_path: Path
) -> None:
    """The schema's cached pass covers the files it was made from, and nothing else."""
    cache = Cache(tmp_path / "cache")
    assert not [f for f in summary(bundled_project, cache) if f[0] == "FL006"]
    assert summary(bundled_project, cache) == summary(bundled_project, None)
    assert any(p.name.startswith("schema-") for p in (tmp_path / "cache").iterdir())
    table = bundled_project / "facts" / "scio-2024-09-10.csv"
    frame = pd.read_csv(table, dtype=str, keep_default_na=False)
    frame.loc[0, "value"] = "twelve"
    frame.to_csv(table, index=False)
    broken = [f for f in summary(bundled_project, cache) if f[0] == "FL006"]
    assert [f[2] for f in broken] == [(frame.loc[0, "id"],)]


def test_what_json_cannot_give_back_is_found_at_any_depth() -> None:
    from factlint.cache import _fits_json

    plain = [list(range(1000)), ["a", 1.5, True, None], {"k": [dt.date(2024, 1, 2), 3]}]
    assert _fits_json(plain)
    for odd in (
        [1, 2, {3: "a key that is not text"}],
        [[1, 2], [3, object()]],
        {"k": [1, {"v": [b"bytes"]}]},
        [1, {"\x00date": "the key the cache writes dates with"}],
    ):
        assert not _fits_json(odd), odd


def readings(root: Path, cache: Cache | None) -> pd.DataFrame:
    result = run_check(root, today=TODAY, cache=cache)
    stated = result.facts[~result.facts["derived"]]
    return stated[["id", "lo", "hi", "lo_open", "hi_open", "start", "end"]]


def test_a_warm_run_reads_no_value_or_period_again(
    bundled_project: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from factlint import normalise

    cache = Cache(tmp_path / "cache")
    cold = readings(bundled_project, cache)
    assert len(list((tmp_path / "cache").glob("normalised-*.arrays"))) == 1

    def unread(*args: object, **kwargs: object) -> None:
        raise AssertionError("read again although the cache holds the readings")

    monkeypatch.setattr(normalise, "written", unread)
    monkeypatch.setattr(normalise, "period_bounds", unread)
    assert readings(bundled_project, cache).equals(cold)


def test_a_value_edited_after_a_warm_run_is_read_again(
    bundled_project: Path, tmp_path: Path
) -> None:
    cache = Cache(tmp_path / "cache")
    before = readings(bundled_project, cache)
    table = bundled_project / "facts" / "scio-2024-09-10.csv"
    frame = pd.read_csv(table, dtype=str, keep_default_na=False)
    row = int(frame.index[frame["value"] == "20.8"][0])
    frame.loc[row, "value"] = "20.9"
    frame.to_csv(table, index=False)
    after = readings(bundled_project, cache)
    assert after.equals(readings(bundled_project, None))
    edited = after["id"] == frame.loc[row, "id"]
    assert after.loc[edited, "lo"].tolist() != before.loc[edited, "lo"].tolist()
    assert len(list((tmp_path / "cache").glob("normalised-*.arrays"))) == 1  # replaced, not added


def test_readings_kept_for_one_tolerance_are_not_used_for_another(
    bundled_project: Path, tmp_path: Path
) -> None:
    from factlint.normalise import normalise_facts
    from factlint.project import load_project

    project = load_project(bundled_project)
    where = (project.root, project.inputs)
    with using(Cache(tmp_path / "cache")):
        normalise_facts(project.facts, project.registries, approx_tolerance=0.05, project=where)
        wider = normalise_facts(
            project.facts, project.registries, approx_tolerance=0.2, project=where
        )
    fresh = normalise_facts(project.facts, project.registries, approx_tolerance=0.2)
    assert wider[["lo", "hi"]].equals(fresh[["lo", "hi"]])
    assert (project.facts["qualifier"] == "approx").any()  # so the tolerance shows


@pytest.mark.parametrize(
    "change",
    [
        lambda arrays: arrays.__setitem__("lo", arrays["lo"].astype(np.float32)),
        lambda arrays: arrays.__setitem__("hi", arrays["hi"][:-1]),
        lambda arrays: arrays.__setitem__("start", arrays["start"].astype("datetime64[D]")),
        lambda arrays: arrays.pop("hi_open"),
    ],
    ids=["another dtype", "another length", "another time unit", "a column missing"],
)
def test_readings_that_do_not_fit_are_read_afresh(
    bundled_project: Path, tmp_path: Path, change: Any
) -> None:
    store = Cache(tmp_path / "cache")
    cold = readings(bundled_project, store)
    (entry,) = (tmp_path / "cache").glob("normalised-*.arrays")
    rewrite_entry(store, entry.name, change)
    assert readings(bundled_project, store).equals(cold)


# -- entries of arrays ----------------------------------------------------------------------


def test_an_entry_gives_back_the_arrays_it_was_given(tmp_path: Path) -> None:
    store = Cache(tmp_path)
    arrays = {
        "ints": np.arange(5, dtype=np.int32),
        "flags": np.array([True, False, True]),
        "floats": np.arange(6.0).reshape(2, 3)[:, ::2],  # not contiguous
        "days": np.array(["2024-01-31", "NaT"], dtype="datetime64[D]"),
        "none": np.empty((0, 2), dtype=np.int64),
        "scalar": np.array(3.5),
        "big_endian": np.array([1, 2], dtype=">i4"),
    }
    store.write_arrays("entry.arrays", arrays, key="the key")
    back = store.read_arrays("entry.arrays", key="the key")
    assert back is not None and list(back) == list(arrays)
    for name, array in arrays.items():
        assert back[name].dtype == array.dtype and back[name].shape == array.shape, name
        assert np.array_equal(back[name], array, equal_nan=name == "days"), name
    assert store.entry_key("entry.arrays") == "the key"
    assert store.read_arrays("entry.arrays", key="another key") is None
    assert store.read_arrays("missing.arrays") is None


def test_an_entry_never_holds_objects(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="plain numbers only"):
        Cache(tmp_path).write_arrays("entry.arrays", {"x": np.array(["a"], dtype=object)})


_TWO_INTS = np.arange(2, dtype="<i4").tobytes() + bytes(56)  # two int32, padded to 64 bytes
_FITS = [["x", "<i4", [2]]]


@pytest.mark.parametrize(
    ("header", "payload"),
    [
        pytest.param([_FITS], _TWO_INTS, id="a list, not a mapping"),
        pytest.param({"crc32": zlib.crc32(_TWO_INTS), "arrays": _FITS}, _TWO_INTS, id="no key field"),
        pytest.param({**entry_header(_FITS, _TWO_INTS), "more": 1}, _TWO_INTS, id="a field too many"),
        pytest.param({**entry_header(_FITS, _TWO_INTS), "key": 7}, _TWO_INTS, id="a key not text"),
        pytest.param({**entry_header(_FITS, _TWO_INTS), "crc32": True}, _TWO_INTS, id="a crc not a number"),
        pytest.param({**entry_header(_FITS, _TWO_INTS), "crc32": 1}, _TWO_INTS, id="a crc that fails"),
        pytest.param(entry_header(_FITS, _TWO_INTS[:8] + b"\1" + _TWO_INTS[9:]), _TWO_INTS, id="damaged padding"),
        pytest.param({**entry_header(_FITS, _TWO_INTS), "arrays": {}}, _TWO_INTS, id="arrays not a list"),
        pytest.param(entry_header([["x", "<i4"]], _TWO_INTS), _TWO_INTS, id="no shape"),
        pytest.param(entry_header([[1, "<i4", [2]]], _TWO_INTS), _TWO_INTS, id="a name not text"),
        pytest.param(entry_header([["x", "<i4", [-2]]], _TWO_INTS), _TWO_INTS, id="a negative shape"),
        pytest.param(entry_header([["x", "<i4", [True]]], _TWO_INTS), _TWO_INTS, id="a shape of truth"),
        pytest.param(entry_header([["x", "<i4", [2.0]]], _TWO_INTS), _TWO_INTS, id="a shape not whole"),
        pytest.param(entry_header([["x", "int", [2]]], _TWO_INTS), _TWO_INTS, id="no dtype"),
        pytest.param(entry_header([["x", "i4", [2]]], _TWO_INTS), _TWO_INTS, id="a dtype spelt loosely"),
        pytest.param(entry_header([["x", "|O", [1]]], _TWO_INTS), _TWO_INTS, id="objects"),
        pytest.param(entry_header([["x", "|V8", [1]]], _TWO_INTS), _TWO_INTS, id="raw bytes"),
        pytest.param(entry_header([["x", "<U2", [1]]], _TWO_INTS), _TWO_INTS, id="fixed-width text"),
        pytest.param(entry_header([["x", "<i4", [1]]] * 2, _TWO_INTS + _TWO_INTS), _TWO_INTS + _TWO_INTS,
                     id="a name twice"),
        pytest.param(entry_header([["x", "<i4", [17]]], _TWO_INTS), _TWO_INTS, id="beyond the file"),
        pytest.param(entry_header(_FITS, _TWO_INTS), _TWO_INTS + bytes(64), id="bytes beyond the arrays"),
        pytest.param(entry_header(_FITS, _TWO_INTS), _TWO_INTS[:40], id="cut short"),
    ],
)
def test_an_entry_that_does_not_check_out_is_a_miss(
    tmp_path: Path, header: object, payload: bytes
) -> None:
    store = Cache(tmp_path)
    forge_entry(tmp_path / "entry.arrays", entry_header(_FITS, _TWO_INTS), _TWO_INTS)
    fitting = store.read_arrays("entry.arrays")  # the layout the cases depart from reads
    assert fitting is not None and fitting["x"].tolist() == [0, 1]
    forge_entry(tmp_path / "entry.arrays", header, payload)
    assert store.read_arrays("entry.arrays") is None


@pytest.mark.parametrize(
    "raw",
    [b"", b"\x93factlint arrays 1\n", b"\x93factlint arrays 1\n\xff\xff\xff\x00{}",
     b"\x93factlint arrays 1\n\x06\x00\x00\x00\xff\xfe{}{}", b"\x93factlint arrays 1\n"
     + (1 << 19).to_bytes(4, "little") + b"[" * (1 << 19)],
    ids=["empty", "no header length", "a header past the end", "a header not UTF-8",
         "a header nested past the stack"],
)
def test_an_entry_without_a_readable_header_is_a_miss(tmp_path: Path, raw: bytes) -> None:
    (tmp_path / "entry.arrays").write_bytes(raw)
    assert Cache(tmp_path).read_arrays("entry.arrays") is None
    assert Cache(tmp_path).entry_key("entry.arrays") is None


# -- after an edit, the readings of the tables left as they were are kept ------------------


def values_read(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """How many values each reading of written values in normalise reads, from now on."""
    from factlint import normalise

    read: list[int] = []
    reader = normalise.written

    def counting(values: np.ndarray, *args: object, **kwargs: Any) -> object:
        read.append(len(values))
        return reader(values, *args, **kwargs)

    monkeypatch.setattr(normalise, "written", counting)
    return read


def test_after_an_edit_only_the_edited_tables_values_are_read_again(
    bundled_project: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    cache = Cache(tmp_path / "cache")
    readings(bundled_project, cache)
    table = bundled_project / "facts" / "scio-2024-09-10.csv"
    frame = pd.read_csv(table, dtype=str, keep_default_na=False)
    frame.loc[frame["value"] == "20.8", "value"] = "20.9"
    frame.to_csv(table, index=False)
    read = values_read(monkeypatch)
    after = readings(bundled_project, cache)
    assert read == [len(frame)]
    assert after.equals(readings(bundled_project, None))


def test_a_renamed_table_keeps_its_readings_wherever_its_rows_now_are(
    bundled_project: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    cache = Cache(tmp_path / "cache")
    readings(bundled_project, cache)
    facts = bundled_project / "facts"
    (facts / "scio-2024-09-10.csv").rename(facts / "a-scio-2024-09-10.csv")  # now read first
    (entry,) = (tmp_path / "cache").glob("normalised-*.arrays")
    stored = entry.read_bytes()
    read = values_read(monkeypatch)
    after = readings(bundled_project, cache)
    assert read == []
    assert after.equals(readings(bundled_project, None)) and not after.empty
    assert entry.read_bytes() != stored  # stored in the new order, for the next run
    stored = entry.read_bytes()
    assert readings(bundled_project, cache).equals(after) and entry.read_bytes() == stored


@pytest.mark.parametrize(
    "layout",
    [
        None,
        text_array("[not json"),
        text_array('{"a digest": 10}'),
        text_array('[["a digest", "10"]]'),
        text_array('[["a digest", 10, 10]]'),
        np.arange(3, dtype=np.int64),
    ],
    ids=["missing", "not JSON", "not a list", "a count as text", "three fields", "not text"],
)
def test_readings_of_an_entry_with_a_damaged_layout_are_read_afresh(
    bundled_project: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
    layout: np.ndarray | None,
) -> None:
    store = Cache(tmp_path / "cache")
    cold = readings(bundled_project, store)
    (entry,) = (tmp_path / "cache").glob("normalised-*.arrays")

    def damage(arrays: dict[str, np.ndarray]) -> None:
        arrays.pop("layout")
        if layout is not None:
            arrays["layout"] = layout

    rewrite_entry(store, entry.name, damage)
    read = values_read(monkeypatch)
    assert readings(bundled_project, store).equals(cold)
    assert read == [len(cold)]
