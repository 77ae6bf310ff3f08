"""Reading CSV tables strictly: every cell as text, every row with its line.

Cells are read as strings (``"4.10"`` keeps its written precision) and
nothing is turned into NaN (``NA``, ``None`` and ``null`` stay text for the
schema to judge). A BOM and CRLF, CR or mixed line endings are accepted (line
breaks inside quoted cells become ``\\n``); ragged rows, duplicate headers,
missing columns, stray quotes, bad encodings, NUL bytes, control characters,
bidirectional controls ("Trojan Source") and empty files are input errors
that name the file and line.

A table is read as bytes and checked with vectorised scans of them; the
slower character-by-character readers (the ``re`` and ``csv`` modules) run
only when a scan finds something to report or cannot vouch for a file, so
every error keeps its message and line. A large table read before, with the
same bytes, takes its cells and the lines of its records from the run's cache
instead, without a scan or the CSV parser.
"""

from __future__ import annotations

import csv
import functools
import hashlib
import io
import os
import re
import sys
from collections.abc import Sequence
from pathlib import Path

import numpy as np
import pandas as pd

from factlint import yamlio
from factlint.cache import Cache, array_text, generation, place_entry, text_array
from factlint.cache import current as current_cache
from factlint.errors import TableError
from factlint.yamlio import BIDI_CONTROLS, decode_text, without_bom

FILE_COLUMN = "_file"
LINE_COLUMN = "_line"

_TOKENIZE_LINE = re.compile(r"line (\d+)")
# C0 controls other than tab and line breaks, DEL and C1 controls: never data, and an
# escape sequence in a cell would reach the terminal through the text report
_CONTROL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")
csv.field_size_limit(1 << 30)

_TAB, _NEWLINE, _SPACE, _QUOTE, _COMMA, _DELETE = 0x09, 0x0A, 0x20, 0x22, 0x2C, 0x7F
# what may stand next to a quote that opens or closes a field: a delimiter, a line
# break, or the other quote of an escaped pair ("")
_QUOTE_NEIGHBOURS = np.array([_NEWLINE, _QUOTE, _COMMA], dtype=np.uint8)


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


_REFUSED_BELOW = 0x3000  # every refused character lies below: all are 1 to 3 UTF-8 bytes


@functools.cache
def _refused_above_ascii() -> tuple[np.ndarray, np.ndarray]:
    """UTF-8 lead bytes and code points of the non-ASCII characters a table refuses.

    Derived from the two patterns, so the scan and the message cannot disagree
    (``tests/test_tables.py`` checks that none lies at or beyond ``_REFUSED_BELOW``).
    """
    points = [
        cp for cp in range(0x80, _REFUSED_BELOW)
        if _CONTROL.match(chr(cp)) or BIDI_CONTROLS.match(chr(cp))
    ]
    leads = sorted({chr(cp).encode("utf-8")[0] for cp in points})
    return np.array(leads, dtype=np.uint8), np.array(points, dtype=np.int64)


def _holds_refused_characters(data: bytes) -> bool:
    """Whether UTF-8 ``data`` (LF line breaks) holds a character ``_check_characters`` refuses.

    One comparison pass per byte class instead of two regex searches of the text:
    tab and line feed are the only bytes below 0x20 allowed; beyond ASCII, only the
    characters starting with a refused character's lead byte are decoded and looked up.
    """
    octets = np.frombuffer(data, dtype=np.uint8)
    allowed_low = np.count_nonzero(octets == _NEWLINE) + np.count_nonzero(octets == _TAB)
    if np.count_nonzero(octets < 0x20) != allowed_low or np.count_nonzero(octets == _DELETE):
        return True
    if data.isascii():
        return False
    leads, points = _refused_above_ascii()
    at = np.flatnonzero(np.isin(octets, leads))
    first = octets[at].astype(np.int64)
    # a lead byte's continuation bytes exist (the data is valid UTF-8); clipping only
    # guards reading a third byte that a two-byte character then ignores
    second = octets.take(at + 1, mode="clip").astype(np.int64) & 0x3F
    third = octets.take(at + 2, mode="clip").astype(np.int64) & 0x3F
    code = np.where(
        first < 0xE0,
        ((first & 0x1F) << 6) | second,
        ((first & 0x0F) << 12) | (second << 6) | third,
    )
    return bool(np.isin(code, points).any())


def _header(path: Path, data: bytes) -> list[str]:
    # decoded lazily: the header is the first record, not the whole file
    stream = io.TextIOWrapper(io.BytesIO(data), encoding="utf-8", newline="")
    try:
        first = next(csv.reader(stream, strict=True), None)
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


def _plain_record_lines(data: bytes, width: int) -> np.ndarray | None:
    """What :func:`_record_lines` returns, from a vectorised scan; None if it may raise.

    The scan vouches for *plain* CSV: every quote at an odd place (1st, 3rd, ...)
    follows a comma, a line break, another quote or the start, and every quote at an
    even place precedes a comma, a line break, another quote or the end. Then the
    csv module's strict reader raises nothing, a quote's place tells whether a comma
    or line break stands inside a quoted field, and so the outside ones split the
    records and their fields. Anything else (a stray quote, an unclosed field, a
    ragged row) is left to the csv module, which words the error.
    """
    if len(data) > csv.field_size_limit():
        return None
    octets = np.frombuffer(data, dtype=np.uint8)
    at = np.flatnonzero((octets == _QUOTE) | (octets == _COMMA) | (octets == _NEWLINE))
    what = octets[at]
    is_quote = what == _QUOTE
    quotes = at[is_quote]
    if len(quotes) % 2:
        return None
    opening, closing = quotes[0::2], quotes[1::2]
    # (a quote at the first or last byte borders the start or end: clipping reads a
    # stand-in byte there, and the position test accepts it)
    opens = np.isin(octets.take(opening - 1, mode="clip"), _QUOTE_NEIGHBOURS) | (opening == 0)
    closes = np.isin(octets.take(closing + 1, mode="clip"), _QUOTE_NEIGHBOURS) | (
        closing == len(data) - 1
    )
    if not (opens.all() and closes.all()):
        return None
    outside = (np.cumsum(is_quote) & 1) == 0  # an even number of quotes so far
    is_newline = what == _NEWLINE
    is_break = is_newline & outside
    # piece 0 is the header, piece i > 0 the text after the i-th record break
    piece = np.cumsum(is_break)
    pieces = int(piece[-1]) + 1 if len(piece) else 1
    commas = np.bincount(piece[(what == _COMMA) & outside], minlength=pieces)
    marks = np.bincount(piece[~is_newline], minlength=pieces)  # quotes and commas
    breaks = at[is_break]
    starts = np.concatenate(([0], breaks + 1))
    ends = np.concatenate((breaks, [len(data)]))
    # a record starts on the line after the record break before it
    lines = np.concatenate(([1], np.cumsum(is_newline)[is_break] + 1))
    # blank: empty, or spaces and tabs only (no quote or comma, so on one line)
    blank = ends == starts
    maybe = np.flatnonzero((marks == 0) & ~blank & np.isin(octets.take(starts, mode="clip"),
                                                             [_SPACE, _TAB]))
    for index in maybe.tolist():  # lines that start with a space or tab and hold no comma
        blank[index] = not data[starts[index]:ends[index]].strip(b" \t")
    records = np.flatnonzero(~blank[1:]) + 1
    if (commas[records] != width - 1).any():
        return None
    return lines[records].astype(np.int64)


def read_table(
    path: Path, *, required: Sequence[str] = (), display: str | None = None
) -> pd.DataFrame:
    """Read one CSV table as text with ``_file`` and ``_line`` columns added."""
    return read_table_and_digest(path, required=required, display=display)[0]


def read_table_and_digest(
    path: Path, *, required: Sequence[str] = (), display: str | None = None
) -> tuple[pd.DataFrame, str]:
    """:func:`read_table`, and the SHA-256 of the file's bytes.

    A large table whose entry misses is read twice, once to hash it and once to parse it
    (hashed again: the digest is of the bytes parsed, even if the file changed between).
    """
    shown = display or str(path)
    store = current_cache()
    if store is not None:
        # a table read before with the same bytes passed every check below then
        cached = _cached_table(store, path)
        if cached is not None:
            frame, lines, digest = cached
            _require_columns(shown, list(frame.columns), required)
            return _placed(frame, shown, lines), digest
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise TableError(shown, None, f"cannot read: {exc.strerror}") from None
    if not data or data.isspace():
        raise TableError(shown, None, "empty file; expected a header row and data rows")
    digest = hashlib.sha256(data).hexdigest()
    if not data.isascii():
        decode_text(data, Path(shown), error=TableError)  # validates; the bytes are what is parsed
    body = without_bom(data)
    # one line break: CRLF and a lone CR (old Mac files, mixed endings) become LF, so the
    # csv module and pandas agree on line numbers
    if b"\r" in body:
        body = body.replace(b"\r\n", b"\n").replace(b"\r", b"\n")
    if _holds_refused_characters(body):
        _check_characters(Path(shown), body.decode("utf-8"))
    names = _header(Path(shown), body)
    _require_columns(shown, names, required)
    plain = _plain_record_lines(body, len(names))
    # else the csv module's scan gives each record its line, or the error
    lines = plain if plain is not None else _record_lines(
        Path(shown), body.decode("utf-8"), len(names)
    )
    try:
        frame = pd.read_csv(
            io.BytesIO(body),
            encoding="utf-8",
            dtype=str,
            keep_default_na=False,
            na_filter=False,
            skip_blank_lines=True,
            engine="c",
            # one pass over the whole table: the default parses it in chunks and then
            # concatenates them, which only pays off when guessing each chunk's types
            low_memory=False,
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
    if store is not None and len(data) >= CACHE_MIN_BYTES and len(lines):
        # (an entry of no rows is never used)
        entry, family = place_entry("table", _code(), path)
        store.write_arrays(entry, _entry_arrays(frame, lines), key=digest, replaces=family)
    return _placed(frame, shown, lines), digest


def _cached_table(store: Cache, path: Path) -> tuple[pd.DataFrame, np.ndarray, str] | None:
    """The table and record lines of a large table's entry, and the file's digest, or None
    (not large, not stored, or stored for other bytes).

    The file is hashed as it is read, a chunk at a time: its bytes are not needed when the
    entry holds the table, and reading them all into one buffer adds a third to the hashing.
    """
    try:
        with open(path, "rb", buffering=0) as handle:
            if os.fstat(handle.fileno()).st_size < CACHE_MIN_BYTES:
                return None
            digest = hashlib.file_digest(handle, "sha256").hexdigest()
    except OSError:
        return None  # read afresh, which words the error
    entry, _ = place_entry("table", _code(), path)
    cached = _frame_from_entry(store.read_arrays(entry, key=digest))
    return None if cached is None else (*cached, digest)


def _require_columns(shown: str, names: list[str], required: Sequence[str]) -> None:
    missing = [c for c in required if c not in names]
    if missing:
        raise TableError(shown, "1", f"missing required column(s): {', '.join(missing)}")


def _placed(frame: pd.DataFrame, shown: str, lines: np.ndarray) -> pd.DataFrame:
    frame[FILE_COLUMN] = shown
    frame[LINE_COLUMN] = lines
    return frame


#: Tables at least this long are kept in the run's cache (:mod:`factlint.cache`) once
#: read: a warm run takes their cells and record lines from there when the bytes are
#: the same, skipping the scans and the CSV parser (two thirds of a warm 1M-fact load).
CACHE_MIN_BYTES = 256 * 1024

#: between a column's distinct cells in an entry: a table refuses NUL, so no cell holds one
_SEPARATOR = "\x00"


def _code() -> str:
    """The generation of the code that checks, scans and parses a table (the csv module
    is Python's, the decoder and the bidirectional controls :mod:`factlint.yamlio`'s)."""
    return generation(
        sys.modules[__name__], yamlio,
        extra=f"{np.__version__} {pd.__version__} {sys.version}",
    )


def _entry_arrays(frame: pd.DataFrame, lines: np.ndarray) -> dict[str, np.ndarray]:
    """A read table as arrays: per column, a code per row into its distinct cells, which
    are stored once as UTF-8 text (a repeated quote or source id costs four bytes a row)."""
    names = [str(name) for name in frame.columns]
    arrays = {"names": text_array(_SEPARATOR.join(names)), "runs": _runs(lines)}
    counts = []
    for index in range(len(names)):
        codes, distinct = pd.factorize(frame.iloc[:, index].to_numpy(dtype=object))
        arrays[f"codes{index}"] = codes.astype(np.int32)
        arrays[f"cells{index}"] = text_array(_SEPARATOR.join(distinct.tolist()))
        counts.append(len(distinct))
    arrays["counts"] = np.asarray(counts, dtype=np.int64)
    return arrays


def _frame_from_entry(
    arrays: dict[str, np.ndarray] | None,
) -> tuple[pd.DataFrame, np.ndarray] | None:
    """The table and record lines an entry holds, or None unless every part fits
    (anything else is read afresh)."""
    if arrays is None:
        return None
    names_text, counts = array_text(arrays.get("names")), arrays.get("counts")
    first = arrays.get("codes0")
    if names_text is None or not isinstance(counts, np.ndarray) or first is None:
        return None
    names = names_text.split(_SEPARATOR)
    if len(set(names)) != len(names) or counts.shape != (len(names),):
        return None  # a header names each column once: a repeat would drop a column
    runs = arrays.get("runs")
    # as many records as the first column has rows (in memory already: nothing larger is
    # built from a damaged entry)
    lines = _lines_from_runs(runs, len(first)) if isinstance(runs, np.ndarray) else None
    if lines is None or not len(lines):
        return None
    columns = {}
    for index, (name, count) in enumerate(zip(names, counts.tolist(), strict=True)):
        column = _column_from_entry(arrays, index, count, len(lines))
        if column is None:
            return None
        columns[name] = column
    return pd.DataFrame(columns, copy=False), lines


def _column_from_entry(
    arrays: dict[str, np.ndarray], index: int, count: int, rows: int
) -> pd.api.extensions.ExtensionArray | None:
    """Column ``index`` of an entry: ``rows`` codes into its ``count`` distinct cells."""
    codes, cells = arrays.get(f"codes{index}"), array_text(arrays.get(f"cells{index}"))
    if cells is None or not isinstance(codes, np.ndarray) or codes.dtype != np.int32:
        return None
    distinct = cells.split(_SEPARATOR)
    if codes.shape != (rows,) or len(distinct) != count:
        return None
    if int(codes.min()) < 0 or int(codes.max()) >= count:
        return None
    # the cells read_csv gives, as the same Python object for the same text; the distinct
    # cells are vouched for as text, then gathered without a second look (or copy) per row
    texts = pd.array(np.asarray(distinct, dtype=object), dtype=_text_dtype(), copy=False)
    column: pd.api.extensions.ExtensionArray = texts.take(codes)
    return column


@functools.cache
def _text_dtype() -> object:
    """The dtype ``read_csv(dtype=str)`` gives a column (``str`` from pandas 3, object before)."""
    return pd.Series(dtype=str).dtype


def _runs(lines: np.ndarray) -> np.ndarray:
    """Record lines as ``(first line, records)`` rows of runs of consecutive lines (most
    tables: one run, a record per line), an int64 array of shape (runs, 2)."""
    if not len(lines):
        return np.empty((0, 2), dtype=np.int64)
    firsts = np.concatenate(([0], np.flatnonzero(np.diff(lines) != 1) + 1))
    counts = np.diff(np.concatenate((firsts, [len(lines)])))
    return np.column_stack((lines[firsts], counts)).astype(np.int64)


def _lines_from_runs(runs: np.ndarray, records: int | None = None) -> np.ndarray | None:
    """The record lines :func:`_runs` describes; None unless ``runs`` is well formed
    (int64 rows of a first line past the header and a positive count, each run after
    the last) and, given ``records``, counts that many (checked before they are built)."""
    if not (runs.dtype == np.int64 and runs.ndim == 2 and runs.shape[1:] == (2,)):
        return None
    firsts, counts = runs[:, 0], runs[:, 1]
    if len(runs) and not (
        firsts[0] > 1 and bool((counts > 0).all())
        and bool((firsts[1:] > firsts[:-1] + counts[:-1] - 1).all())
    ):
        return None
    if records is not None and not (
        bool((counts <= records).all()) and int(counts.sum()) == records
    ):
        return None
    starts = np.cumsum(counts) - counts  # each run's place among the records
    lines: np.ndarray = np.arange(int(counts.sum()), dtype=np.int64) + np.repeat(
        firsts - starts, counts
    )
    return lines
