"""Reading CSV tables: awkward but valid files load; broken ones name file and line."""

from __future__ import annotations

import pickle
import re
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from factlint.cache import Cache, using
from factlint.errors import TableError
from factlint.tables import (
    _CONTROL,
    _REFUSED_BELOW,
    CACHE_MIN_BYTES,
    _entry_arrays,
    _frame_from_entry,
    _holds_refused_characters,
    _lines_from_runs,
    _plain_record_lines,
    _record_lines,
    _refused_above_ascii,
    _runs,
    read_table,
    read_table_and_digest,
)
from factlint.yamlio import BIDI_CONTROLS
from tests.conftest import entry_header, forge_entry, rewrite_entry

HEADER = "id,quote,value\n"


def write(tmp_path: Path, data: bytes) -> Path:
    path = tmp_path / "t.csv"
    path.write_bytes(data)
    return path


def test_bom_and_crlf_load_like_plain_utf8(tmp_path: Path) -> None:
    plain = read_table(write(tmp_path, (HEADER + "a,x,1.10\nb,y,2\n").encode()))
    odd = read_table(write(tmp_path, b"\xef\xbb\xbf" + (HEADER + "a,x,1.10\r\nb,y,2\r\n").encode()))
    assert list(odd.columns) == list(plain.columns)
    assert odd["value"].tolist() == ["1.10", "2"]  # written precision survives
    assert odd["_line"].tolist() == [2, 3]


def test_na_like_text_stays_text(tmp_path: Path) -> None:
    frame = read_table(write(tmp_path, (HEADER + "NA,None,null\n").encode()))
    assert frame.iloc[0][["id", "quote", "value"]].tolist() == ["NA", "None", "null"]


def test_embedded_newline_keeps_true_line_numbers(tmp_path: Path) -> None:
    frame = read_table(write(tmp_path, (HEADER + 'a,"two\nlines",1\nb,z,2\n').encode()))
    assert frame["_line"].tolist() == [2, 4]
    assert frame.loc[0, "quote"] == "two\nlines"


def test_curly_apostrophe_is_kept_verbatim(tmp_path: Path) -> None:
    frame = read_table(write(tmp_path, (HEADER + "a,country\u2019s land,1\n").encode()))
    assert frame.loc[0, "quote"] == "country\u2019s land"


def test_unknown_extra_column_is_allowed(tmp_path: Path) -> None:
    frame = read_table(write(tmp_path, b"id,quote,value,reviewer\na,x,1,me\n"), required=("id",))
    assert frame.loc[0, "reviewer"] == "me"


@pytest.mark.parametrize(
    ("data", "where", "needle"),
    [
        (HEADER.encode() + b"a,x,1\nb,y\n", "3", "ragged"),
        (HEADER.encode() + b"a,x,1\nb,y,2,3\n", "3", "malformed CSV"),
        (b"", None, "empty file"),
        (b"id,id,value\na,b,1\n", "1", "appears twice"),
        (HEADER.encode() + b"a,\xff\xfe,1\n", "2", "UTF-8"),
        ("id,quote\n".encode("utf-16"), "1", "UTF-16"),
    ],
)
def test_broken_tables_name_file_and_line(tmp_path: Path, data: bytes, where: str | None,
                                          needle: str) -> None:
    with pytest.raises(TableError) as info:
        read_table(write(tmp_path, data), display="facts/t.csv")
    assert info.value.path == "facts/t.csv"
    assert info.value.where == where
    assert needle in str(info.value)


def test_missing_required_column(tmp_path: Path) -> None:
    with pytest.raises(TableError, match="missing required column.*unit"):
        read_table(write(tmp_path, b"id,quote\na,b\n"), required=("id", "quote", "unit"))


# -- the vectorised scans agree with the csv and re modules they stand in for --------------

CSV_PIECES = ["a", "b c", ",", ",", "\n", "\n", '"', '""', " ", "\t", "\u201c", "\u2014", "é",
              '"x,y"', '"two\nlines"', '"q""q"', "\n \t\n", "\n\n"]


@settings(max_examples=400, deadline=None, database=None)
@given(body=st.lists(st.sampled_from(CSV_PIECES), max_size=30).map("".join),
       width=st.integers(1, 4))
def test_plain_scan_gives_the_csv_modules_lines(body: str, width: int) -> None:
    text = ",".join(f"c{i}" for i in range(width)) + "\n" + body
    fast = _plain_record_lines(text.encode("utf-8"), width)
    try:
        slow = _record_lines(Path("t.csv"), text, width)
    except TableError:
        assert fast is None, "the scan vouched for a file the csv module refuses"
        return
    if fast is not None:
        assert fast.tolist() == slow.tolist()
        assert fast.dtype == slow.dtype


@settings(max_examples=300, deadline=None, database=None)
@given(text=st.text(st.characters(blacklist_categories=("Cs",), blacklist_characters="\r"),
                    max_size=40))
def test_byte_scan_finds_what_the_patterns_find(text: str) -> None:
    refused = _CONTROL.search(text) is not None or BIDI_CONTROLS.search(text) is not None
    assert _holds_refused_characters(text.encode("utf-8")) == refused


def test_every_refused_character_is_below_the_scanned_range() -> None:
    beyond = [cp for cp in range(_REFUSED_BELOW, 0x110000)
              if _CONTROL.match(chr(cp)) or BIDI_CONTROLS.match(chr(cp))]
    assert not beyond, "raise _REFUSED_BELOW: the byte scan would miss these"
    for cp in _refused_above_ascii()[1].tolist():  # and the scan finds each of them
        assert _holds_refused_characters(f"a,{chr(cp)}\n".encode())


# -- a warm run takes the record lines of a table it read before from the cache -----------


def big_table(tmp_path: Path) -> Path:
    """A table past the cache's threshold, with blank lines and cells over two lines."""
    rows = [f'r{i},"{"two" + chr(10) + "lines" if i % 97 == 0 else "x, y"}",{i}' for i in range(40_000)]
    body = "\n".join(rows[:100]) + "\n\n  \n" + "\n".join(rows[100:]) + "\n"
    path = write(tmp_path, (HEADER + body).encode())
    assert path.stat().st_size >= CACHE_MIN_BYTES
    return path


def test_a_warm_read_gives_the_table_a_cold_read_gives_without_parsing(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = big_table(tmp_path)
    cold, digest = read_table_and_digest(path)
    with using(Cache(tmp_path / "cache")):
        first, _ = read_table_and_digest(path)
        assert len(list((tmp_path / "cache").glob("table-*.arrays"))) == 1
        monkeypatch.setattr(pd, "read_csv", _no_parsing)
        warm, warm_digest = read_table_and_digest(path)
    assert warm_digest == digest
    for frame in (first, warm):
        assert frame.equals(cold) and frame.dtypes.equals(cold.dtypes)
    assert cold["_line"].iloc[99:102].tolist() == [103, 106, 107]  # after the blank lines
    assert "two\nlines" in set(warm["quote"])


def _no_parsing(*args: object, **kwargs: object) -> None:
    raise AssertionError("the CSV parser ran although the cache holds the table")


def stored_entry(tmp_path: Path) -> tuple[Path, pd.DataFrame, Cache, Path]:
    """A big table, its cold read, the run's cache and the entry a first read stored."""
    path = big_table(tmp_path)
    cold = read_table(path)
    store = Cache(tmp_path / "cache")
    with using(store):
        read_table(path)
    (entry,) = (tmp_path / "cache").glob("table-*.arrays")
    return path, cold, store, entry


def test_an_edited_table_replaces_its_entry_and_is_read_afresh(tmp_path: Path) -> None:
    path, _, store, _ = stored_entry(tmp_path)
    with using(store):
        path.write_bytes(path.read_bytes().replace(b"r7,", b"edited,", 1))
        edited = read_table(path)
        again = read_table(path)
    assert "edited" in set(edited["id"]) and again.equals(edited)
    assert len(list((tmp_path / "cache").glob("table-*"))) == 1  # the cache does not grow


def test_the_required_columns_are_checked_on_a_warm_read_too(tmp_path: Path) -> None:
    path, _, store, _ = stored_entry(tmp_path)
    with using(store):
        read_table(path, required=["id"])
        with pytest.raises(TableError, match=r"missing required column\(s\): source"):
            read_table(path, required=["id", "source"])


def _corrupt_entries() -> list[tuple[str, Callable[[dict[str, np.ndarray]], None]]]:
    def set_to(key: str, value: np.ndarray) -> Callable[[dict[str, np.ndarray]], None]:
        return lambda arrays: arrays.__setitem__(key, value)

    return [
        ("a code past the cells", set_to("codes0", np.full(40_000, 40_000, dtype=np.int32))),
        ("a negative code", set_to("codes1", np.full(40_000, -1, dtype=np.int32))),
        ("codes of another length", set_to("codes0", np.zeros(3, dtype=np.int32))),
        ("codes of another type", set_to("codes0", np.zeros(40_000, dtype=np.int64))),
        ("a count that does not fit", set_to("counts", np.array([1, 1, 1], dtype=np.int64))),
        ("counts for fewer columns", set_to("counts", np.array([1], dtype=np.int64))),
        ("lines that go back", set_to("runs", np.array([[5, 2], [3, 2]], dtype=np.int64))),
        ("cells that are not UTF-8", set_to("cells1", _bytes(b"\xff\xfe"))),
        ("a part missing", lambda arrays: arrays.pop("cells2")),
        ("a column named twice", set_to("names", _bytes(b"id\x00id\x00value"))),
        ("a run of a trillion records", set_to("runs", np.array([[2, 10**12]], dtype=np.int64))),
        ("runs of another type", set_to("runs", np.array([[2, 40_000]], dtype=np.uint64))),
    ]


def _bytes(data: bytes) -> np.ndarray:
    return np.frombuffer(data, dtype=np.uint8)


@pytest.mark.parametrize(
    "corrupt", [pytest.param(change, id=name) for name, change in _corrupt_entries()]
)
def test_a_cache_entry_that_does_not_fit_the_table_is_not_used(
    tmp_path: Path, corrupt: Callable[[dict[str, np.ndarray]], None]
) -> None:
    path, cold, store, entry = stored_entry(tmp_path)
    rewrite_entry(store, entry.name, corrupt)
    with using(store):
        assert read_table(path).equals(cold)


def _unreadable_entries(entry: bytes) -> list[tuple[str, bytes]]:
    cut = entry.index(b"{")  # where the header starts
    return [
        ("empty", b""),
        ("not an entry", b"not an entry"),
        ("cut short in the magic line", entry[:5]),
        ("cut short in the header", entry[: cut + 20]),
        ("cut short in the arrays", entry[:-100]),
        ("longer than its arrays", entry + bytes(64)),
        ("a header that is not JSON", entry[:cut] + b"}" + entry[cut + 1:]),
        ("a byte of a cell changed", entry.replace(b"x, y", b"x; y", 1)),
    ]


@pytest.mark.parametrize("case", range(len(_unreadable_entries(b"{"))))
def test_an_unreadable_cache_entry_is_a_miss(tmp_path: Path, case: int) -> None:
    path, cold, store, entry = stored_entry(tmp_path)
    name, payload = _unreadable_entries(entry.read_bytes())[case]
    entry.write_bytes(payload)
    assert store.read_arrays(entry.name) is None, name
    with using(store):
        assert read_table(path).equals(cold), name


def test_a_cache_entry_of_the_older_format_is_a_miss(tmp_path: Path) -> None:
    """An .npz holding the same arrays (as older factlint wrote them) is not read."""
    path, cold, store, entry = stored_entry(tmp_path)
    key = store.entry_key(entry.name)
    arrays = store.read_arrays(entry.name, key=key)
    assert key is not None and arrays is not None
    with entry.open("wb") as handle:
        np.savez(handle, key=np.frombuffer(key.encode(), dtype=np.uint8), **arrays)
    assert store.read_arrays(entry.name) is None
    with using(store):
        assert read_table(path).equals(cold)


def test_a_cache_entry_holding_pickles_is_never_unpickled(tmp_path: Path) -> None:
    path, cold, store, entry = stored_entry(tmp_path)
    pickled = pickle.dumps(np.array([_Explodes()], dtype=object))
    pickled += bytes(-len(pickled) % 64)
    described = [["codes0", "|O", [len(pickled) // 8]]]
    forge_entry(entry, entry_header(described, pickled, key=store.entry_key(entry.name)), pickled)
    with using(store):
        assert read_table(path).equals(cold)  # a miss, read afresh, no pickle loaded
    with entry.open("wb") as handle:  # and as an .npz that allows pickles
        np.savez(handle, codes0=np.array([_Explodes()], dtype=object))
    with using(store):
        assert read_table(path).equals(cold)


def test_a_cache_entry_claiming_more_than_it_holds_is_never_loaded(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """An entry whose arrays would take more memory than its file holds (80 TB here) is a
    miss before any memory is taken for them."""
    path, cold, store, entry = stored_entry(tmp_path)
    held = bytes(64)
    vast = [["codes0", "<f8", [10**13]]]
    forge_entry(entry, entry_header(vast, held, key=store.entry_key(entry.name)), held)
    empty, asked = np.empty, []

    def counted(shape: object, *args: object, **kwargs: object) -> np.ndarray:
        asked.append(shape)
        return empty(shape, *args, **kwargs)  # type: ignore[call-overload,no-any-return]

    monkeypatch.setattr(np, "empty", counted)
    assert store.read_arrays(entry.name) is None
    assert not asked
    monkeypatch.undo()
    with using(store):
        assert read_table(path).equals(cold)


def test_a_stale_entry_costs_its_header_not_its_arrays(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    _, _, store, entry = stored_entry(tmp_path)
    read = []
    monkeypatch.setattr(np, "empty", lambda *args, **kwargs: read.append(args))
    assert store.read_arrays(entry.name, key="another digest") is None
    assert not read


def test_an_entry_of_older_code_is_replaced_and_an_empty_table_never_stored(
    tmp_path: Path,
) -> None:
    path = big_table(tmp_path)
    cache = tmp_path / "cache"
    with using(Cache(cache)):
        read_table(path)
        (entry,) = cache.glob("table-*.arrays")
        older = cache / re.sub(r"^table-[0-9a-f]+-", "table-0123456789abcdef-", entry.name)
        older.write_bytes(entry.read_bytes())
        npz = older.with_name(entry.name.replace("-", "-fedcba9876543210-", 1)).with_suffix(".npz")
        npz.write_bytes(b"PK\x03\x04 an entry in the format of older factlint")
        entry.unlink()
        read_table(path)  # a miss under this code's name: read, stored, the older ones gone
        assert [p.name for p in cache.glob("table-*")] == [entry.name]
        empty = tmp_path / "empty.csv"  # past the threshold in blank lines, no record
        empty.write_bytes((HEADER + "\n" * CACHE_MIN_BYTES).encode())
        assert read_table(empty).empty
        assert [p.name for p in cache.glob("table-*")] == [entry.name]


class _Explodes:
    def __reduce__(self) -> tuple[object, tuple[str]]:
        return (_explode, ("unpickled",))


def _explode(what: str) -> None:
    raise AssertionError(what)


def test_a_bad_table_is_never_cached(tmp_path: Path) -> None:
    path = write(tmp_path, (HEADER + "a,x,1\n" * 30_000 + "b,y\n").encode())
    with using(Cache(tmp_path / "cache")), pytest.raises(TableError, match="ragged"):
        read_table(path)
    assert not list((tmp_path / "cache").glob("table-*"))


@settings(max_examples=60, deadline=None)
@given(rows=st.lists(
    st.tuples(st.text(st.characters(blacklist_categories=("Cs",), blacklist_characters="\x00"),
                      max_size=6),
              st.sampled_from(["", "x", "ſ", "20.8%", "a\nb"])),
    min_size=1, max_size=40,
))
def test_cells_come_back_from_an_entry_as_they_went_in(rows: list[tuple[str, str]]) -> None:
    frame = pd.DataFrame(rows, columns=["id", "quote"], dtype=str)
    lines = np.arange(2, len(rows) + 2, dtype=np.int64)
    back = _frame_from_entry(_entry_arrays(frame, lines))
    assert back is not None
    assert back[0].equals(frame) and back[0].dtypes.equals(frame.dtypes)
    assert back[1].tolist() == lines.tolist()


@given(lines=st.lists(st.integers(1, 5), max_size=30).map(
    lambda steps: [2 + sum(steps[:i]) for i in range(len(steps))]))
def test_runs_of_lines_come_back_as_the_lines(lines: list[int]) -> None:
    import numpy as np

    runs = _runs(np.asarray(lines, dtype=np.int64))
    back = _lines_from_runs(runs)
    assert back is not None and back.tolist() == lines and back.dtype == np.int64
