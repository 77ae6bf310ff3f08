"""Reading CSV tables: awkward but valid files load; broken ones name file and line."""

from __future__ import annotations

from pathlib import Path

import pytest

from factlint.errors import TableError
from factlint.tables import read_table

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
