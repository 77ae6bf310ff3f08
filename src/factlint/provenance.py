"""Provenance: every fact's quote occurs in its source, and states the fact's figure.

A quote matches its source when they agree after folding whitespace runs to
one space and curly quotes to straight ones; nothing else is forgiven. The
figure check reads every figure in the quote with the quantity parser and
asks that one of them has the row's value (as written), unit and qualifier.
Work is done once per distinct quote and once per source text, so repeated
quotes cost nothing.
"""

from __future__ import annotations

import hashlib
import os
import re
import sys
from collections.abc import Mapping
from functools import lru_cache

import numpy as np
import pandas as pd

from factlint import interval, quantity, value_text
from factlint.cache import Cache, generation, inputs_digest
from factlint.cache import current as current_cache
from factlint.findings import Finding, Severity, Status
from factlint.quantity import Quantity, QuantityError, find_quantities, format_quantity
from factlint.tables import FILE_COLUMN, LINE_COLUMN

_SPACE = re.compile(r"\s+")
_OTHER_SPACE = re.compile(r"[^\S ]")
_FOLDS = (
    ("\u2018", "'"),
    ("\u2019", "'"),
    ("\u201c", '"'),
    ("\u201d", '"'),
    ("\u00a0", " "),
    ("\u2009", " "),
    ("\u202f", " "),
)


def normalise(text: str) -> str:
    """Fold whitespace runs and curly quotes, the only differences provenance forgives."""
    if text.isascii() and "  " not in text and _OTHER_SPACE.search(text) is None:
        return text.strip()  # nothing to fold: the common case, kept cheap
    for curly, plain in _FOLDS:
        if curly in text:
            text = text.replace(curly, plain)
    return _SPACE.sub(" ", text).strip()


@lru_cache(maxsize=65536)
def _figures(quote: str) -> tuple[Quantity, ...]:
    try:
        return tuple(find_quantities(quote))
    except Exception:  # noqa: BLE001 - a parser bug must not hide the quote's other checks
        return ()


def _same_value(stated: str, written: str) -> bool:
    if stated == written:
        return True
    # a date written without its year ("April 1") matches the row's full date
    return stated.startswith("--") and written[4:] == stated[1:]


def figure_matches(quote: str, value: str, unit: str, qualifier: str) -> bool:
    return any(
        q.unit == unit and q.qualifier == qualifier and _same_value(q.value, value.strip())
        for q in _figures(quote)
    )


def describe_figures(quote: str) -> str:
    figures = _figures(quote)
    if not figures:
        return "no figure"
    return ", ".join(f"{q.text!r} ({q.value} {q.unit}, {q.qualifier})" for q in figures)


#: distinct figures below this are read in this process; above it, by one process per core
POOL_MIN_FIGURES = 40_000
_POOL_WORK: list[tuple[str, str, str, str]] = []  # what forked workers read their slice of


def _written_figure(value: str, unit: str, qualifier: str) -> str:
    """The row's figure as prose; without the qualifier's words when the qualifier is not
    one factlint knows (the schema reports that row too, and its message still names
    the qualifier as written)."""
    try:
        return format_quantity(value, unit, qualifier)
    except QuantityError:
        return format_quantity(value, unit, "exact")


def _match_slice(bounds: tuple[int, int]) -> bytes:
    return bytes(figure_matches(*_POOL_WORK[i]) for i in range(*bounds))


def available_cores() -> int:
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        return os.cpu_count() or 1


def _match_figures(figures: list[tuple[str, str, str, str]], jobs: int | None) -> list[bool]:
    """figure_matches for each entry; forked workers share a large list between cores."""
    jobs = available_cores() if jobs is None else jobs
    if jobs < 2 or len(figures) < POOL_MIN_FIGURES:
        return [figure_matches(*figure) for figure in figures]
    import multiprocessing  # only here: a small project never pays for the import

    if "fork" not in multiprocessing.get_all_start_methods():
        return [figure_matches(*figure) for figure in figures]
    global _POOL_WORK
    _POOL_WORK = figures  # inherited by the forked workers: nothing is pickled but results
    try:
        step = -(-len(figures) // (jobs * 8))  # small slices even out slow quotes
        slices = [(i, min(i + step, len(figures))) for i in range(0, len(figures), step)]
        with multiprocessing.get_context("fork").Pool(jobs) as pool:
            flags = b"".join(pool.map(_match_slice, slices))
    finally:
        _POOL_WORK = []
    return [bool(flag) for flag in flags]


def _row_keys(checked: pd.DataFrame, source_texts: dict[str, str]) -> np.ndarray:
    """A 64-bit key per row from everything its provenance depends on."""
    digests = {
        sid: hashlib.blake2b(
            source_texts[sid].encode("utf-8", "surrogatepass"), digest_size=8
        ).hexdigest()
        for sid in set(checked["source"].tolist())  # only the texts these rows quote
    }
    parts = pd.DataFrame(
        {
            "text": checked["source"].map(digests),
            **{c: checked[c] for c in ("quote", "value", "unit", "qualifier")},
        }
    ).astype(object)
    hashed = pd.util.hash_pandas_object(parts, index=False, categorize=False)
    keys: np.ndarray = hashed.to_numpy(dtype=np.uint64)
    return keys


def _cache_name(suffix: str = ".npy") -> str:
    # interval's reading of written values lives in value_text: both are in the key
    code = generation(
        quantity, interval, value_text, sys.modules[__name__], extra=pd.__version__
    )
    return f"provenance-{code}{suffix}"


#: the most whole-table entries kept (a table passes as a whole when all its rows do)
MAX_TABLE_KEYS = 10_000


def _table_keys(files: list[str], digests: Mapping[str, str]) -> dict[str, str]:
    """A key per fact table from its digest and the digests of every source text.

    A table whose key a run stored gave no finding: every row with a source names
    one with a text, and every quote passed. The same table over the same sources
    passes again without a row being read. Any source edit changes every key, and
    the rows then go through the per-row keys.
    """
    texts = inputs_digest(digests, lambda path: path.startswith("facts/sources/"))
    return {
        name: hashlib.sha256(f"{name}\0{digests[name]}\0{texts}".encode("utf-8", "surrogatepass"))
        .hexdigest()
        for name in files
        if name in digests
    }


def _passed_tables(store: Cache) -> list[str]:
    known = store.read_json(_cache_name(".json"))
    return [k for k in known if isinstance(k, str)] if isinstance(known, list) else []


def _remember_tables(store: Cache, known: list[str], keys: list[str]) -> None:
    seen = set(known)
    fresh = [k for k in keys if k not in seen]
    if fresh:
        store.write_json(_cache_name(".json"), (known + fresh)[-MAX_TABLE_KEYS:])


def _missing_sources(unverifiable: pd.DataFrame) -> list[Finding]:
    """An FL020 finding for each source the ``unverifiable`` rows cite (every row that
    cites a source without a text), naming each of its facts."""
    findings: list[Finding] = []
    for source_id, rows in unverifiable.groupby("source", sort=True):
        findings.append(
            Finding(
                code="FL020",
                rule="provenance",
                severity=Severity.ERROR,
                status=Status.INVALID,
                message=(
                    f"source `{source_id}` has no text at facts/sources/{source_id}.txt; "
                    f"the quotes of {len(rows)} fact(s) cannot be verified"
                ),
                facts=tuple(rows["id"]),
                file=str(rows[FILE_COLUMN].iloc[0]),
                line=int(rows[LINE_COLUMN].iloc[0]),
                column="source",
            )
        )
    return findings


def _quoted(quotes: pd.Series) -> np.ndarray:
    """True where a quote has a character besides white space (as ``str.strip() != ""``;
    a value that is not text counts as quoted). Twice as fast as pandas' ``.str``."""
    return np.fromiter(
        (not isinstance(q, str) or q.strip() != "" for q in quotes.to_numpy(dtype=object)),
        dtype=bool,
        count=len(quotes),
    )


def check_provenance(
    facts: pd.DataFrame,
    source_texts: dict[str, str],
    *,
    jobs: int | None = None,
    digests: Mapping[str, str] | None = None,
) -> list[Finding]:
    """Findings for quotes missing from their source and figures the quote does not state.

    Rows the run's cache (:mod:`factlint.cache`) has seen pass with the same source
    text, quote and figure are not read again, nor are whole tables that passed
    with the same content and sources (``digests``: the SHA-256 of each input by
    its project path, as in ``Project.inputs``); ``jobs`` processes read the rest
    when there are many (None: one per available core).
    """
    store = current_cache()
    tables: dict[str, str] = {}
    known_tables: list[str] = []
    rows = facts
    if store is not None and digests is not None:
        # a table passes whole when every row names a source with a text and every quote
        # checks out; its key holds the table and every source text, so a table that
        # passed before passes again and nothing of it needs reading, not even a row
        files = sorted(set(facts[FILE_COLUMN].to_numpy(dtype=object).tolist()))
        tables = _table_keys(files, digests)
        known_tables = _passed_tables(store)
        passed = set(known_tables)
        done = [name for name, key in tables.items() if key in passed]
        if len(done) == len(files):
            return []
        if done:
            rows = facts[~facts[FILE_COLUMN].isin(done).to_numpy()]
    # an unknown source is one of the rows left: tables that passed name none
    known_sources = rows["source"].isin(set(source_texts)).to_numpy()
    # no source at all is the schema's to report; a source without a text is FL020's
    unverifiable = rows[~known_sources & (rows["source"] != "").to_numpy()]
    findings = _missing_sources(unverifiable)
    checked = rows[known_sources & _quoted(rows["quote"])]
    passed_before = np.zeros(len(checked), dtype=bool)
    if store is not None and len(checked):
        keys = _row_keys(checked, source_texts)
        cached = store.read_keys(_cache_name())
        passed_before = store.contains(cached, keys)
    pending = checked[~passed_before]
    used_sources = set(pending["source"].tolist())
    normalised_sources = {
        sid: normalise(text) for sid, text in source_texts.items() if sid in used_sources
    }
    found: dict[tuple[str, str], bool] = {}
    for key in zip(pending["source"].tolist(), pending["quote"].tolist(), strict=True):
        if key not in found:
            found[key] = normalise(key[1]) in normalised_sources[key[0]]
    present = pd.Series(
        [
            found[key]
            for key in zip(pending["source"].tolist(), pending["quote"].tolist(), strict=True)
        ],
        index=pending.index,
        dtype=bool,
    )
    for _, row in pending[~present].iterrows():
        findings.append(
            Finding(
                code="FL021",
                rule="provenance",
                severity=Severity.ERROR,
                status=Status.INVALID,
                message=f"the quote of `{row['id']}` does not occur in source `{row['source']}`",
                facts=(str(row["id"]),),
                file=str(row[FILE_COLUMN]),
                line=int(row[LINE_COLUMN]),
                column="quote",
            )
        )
    stated = pending[present]
    figures = list(
        zip(
            stated["quote"].tolist(), stated["value"].tolist(), stated["unit"].tolist(),
            stated["qualifier"].tolist(), strict=True,
        )
    )
    distinct = list(dict.fromkeys(figures))
    matches = dict(zip(distinct, _match_figures(distinct, jobs), strict=True))
    ok = pd.Series([matches[figure] for figure in figures], index=stated.index, dtype=bool)
    if store is not None:
        passing = present.copy()
        passing.loc[stated.index] = ok
        if len(checked):
            store.add_keys(_cache_name(), cached, keys[~passed_before][passing.to_numpy()])
        failing = set(pending.loc[~passing.to_numpy(), FILE_COLUMN].tolist())
        failing |= set(unverifiable[FILE_COLUMN].tolist())
        fresh_tables = [k for name, k in tables.items() if name not in failing]
        _remember_tables(store, known_tables, fresh_tables)
    for _, row in stated[~ok].iterrows():
        expected = _written_figure(str(row["value"]), str(row["unit"]), str(row["qualifier"]))
        findings.append(
            Finding(
                code="FL022",
                rule="provenance",
                severity=Severity.ERROR,
                status=Status.INVALID,
                message=(
                    f"`{row['id']}` says {expected!r} ({row['value']} {row['unit']}, "
                    f"{row['qualifier']}) but its quote states "
                    f"{describe_figures(str(row['quote']))}"
                ),
                facts=(str(row["id"]),),
                file=str(row[FILE_COLUMN]),
                line=int(row[LINE_COLUMN]),
                column="value",
            )
        )
    return findings
