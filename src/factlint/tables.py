"""Reading CSV tables strictly: every cell as text, every row with its line.

Cells are read as strings (``"4.10"`` keeps its written precision) and
nothing is turned into NaN (``NA``, ``None`` and ``null`` stay text for the
schema to judge). A BOM and CRLF, CR or mixed line endings are accepted (line
breaks inside quoted cells become ``\\n``); ragged rows, duplicate headers,
missing columns, stray quotes, bad encodings, NUL bytes, control characters,
bidirectional controls ("Trojan Source") and empty files are input errors
that name the file and line.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Sequence
from pathlib import Path

import numpy as np
import pandas as pd

from factlint.errors import TableError
from factlint.yamlio import BIDI_CONTROLS

FILE_COLUMN = "_file"
LINE_COLUMN = "_line"

_TOKENIZE_LINE = re.compile(r"line (\d+)")
# C0 controls other than tab and line breaks, DEL and C1 controls: never data, and an
# escape sequence in a cell would reach the terminal through the text report
_CONTROL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")
csv.field_size_limit(1 << 30)


def _decode(path: Path, data: bytes) -> str:
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        raise TableError(path, "1", "file is UTF-16; expected UTF-8 text")
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        raise TableError(path, str(line), "not valid UTF-8 text") from None


def _check_characters(path: Path, text: str) -> None:
    """Refuse control and bidirectional characters, naming the line and code point."""
    for pattern, what in (
        (_CONTROL, "control character"),
        (BIDI_CONTROLS, "bidirectional control character"),
    ):
        found = pattern.search(text)
        if found is not None:
            line = text.count("\n", 0, found.start()) + 1
            code = f"U+{ord(found.group()):04X}"
            if code == "U+0000":
                raise TableError(path, str(line), "NUL byte in text")
            hint = (
                "it can make a cell read differently than it is stored"
                if pattern is BIDI_CONTROLS
                else "it is never part of a figure or a quote"
            )
            raise TableError(path, str(line), f"{what} {code} in the text; {hint}; remove it")


def _header(path: Path, text: str) -> list[str]:
    try:
        first = next(csv.reader(io.StringIO(text, newline=""), strict=True), None)
    except csv.Error as exc:
        raise TableError(path, "1", f"malformed CSV header: {exc}") from None
    if not first or all(not cell.strip() for cell in first):
        raise TableError(path, "1", "expected a header row naming the columns")
    names = [c.strip() for c in first]
    seen: set[str] = set()
    for name in names:
        if not name:
            raise TableError(path, "1", "a header cell is empty; every column needs a name")
        if name in seen:
            raise TableError(path, "1", f"column `{name}` appears twice in the header")
        seen.add(name)
    return names


def _record_lines(path: Path, text: str, width: int) -> np.ndarray:
    """First line of every record, scanning with the csv module.

    A quoted field may span lines and blank lines are skipped, so a record's line
    is not its index; pandas pads short rows silently, so the width is checked
    here. Like pandas, a line of nothing but spaces and tabs counts as blank.
    """
    reader = csv.reader(io.StringIO(text, newline=""), strict=True)
    physical = text.split("\n")
    lines: list[int] = []
    start = 1
    try:
        next(reader, None)
        start = reader.line_num + 1
        for row in reader:
            blank = (
                not row
                or (len(row) == 1 and reader.line_num == start
                    and not physical[start - 1].strip(" \t"))
            )
            if not blank:
                if len(row) != width:
                    raise TableError(
                        path, str(start),
                        f"malformed CSV: expected {width} fields, found {len(row)} (ragged row)",
                    )
                lines.append(start)
            start = reader.line_num + 1
    except csv.Error as exc:
        raise TableError(path, str(start), f"malformed CSV: {exc}") from None
    return np.asarray(lines, dtype=np.int64)


def read_table(
    path: Path, *, required: Sequence[str] = (), display: str | None = None
) -> pd.DataFrame:
    """Read one CSV table as text with ``_file`` and ``_line`` columns added."""
    shown = display or str(path)
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise TableError(shown, None, f"cannot read: {exc.strerror}") from None
    if not data.strip():
        raise TableError(shown, None, "empty file; expected a header row and data rows")
    text = _decode(Path(shown), data)
    # one line break: CRLF and a lone CR (old Mac files, mixed endings) become LF, so the
    # csv module and pandas agree on line numbers
    if "\r" in text:
        text = text.replace("\r\n", "\n").replace("\r", "\n")
    _check_characters(Path(shown), text)
    names = _header(Path(shown), text)
    missing = [c for c in required if c not in names]
    if missing:
        raise TableError(shown, "1", f"missing required column(s): {', '.join(missing)}")
    # the csv module's scan gives each record its true line and catches ragged rows
    lines = _record_lines(Path(shown), text, len(names))
    try:
        frame = pd.read_csv(
            io.StringIO(text),
            dtype=str,
            keep_default_na=False,
            na_filter=False,
            skip_blank_lines=True,
            engine="c",
        )
    except pd.errors.ParserError as exc:
        match = _TOKENIZE_LINE.search(str(exc))
        where = match.group(1) if match else None
        detail = str(exc).split("C error: ")[-1]
        raise TableError(shown, where, f"malformed CSV: {detail}") from None
    frame.columns = names
    if len(lines) != len(frame):  # the two readers disagree: refuse rather than guess
        raise TableError(
            shown, None,
            f"malformed CSV: {len(lines)} records by one reading, {len(frame)} by another; "
            "check the quotes and blank lines",
        )
    frame[FILE_COLUMN] = shown
    frame[LINE_COLUMN] = lines
    return frame
